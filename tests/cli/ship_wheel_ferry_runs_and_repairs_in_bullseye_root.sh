#!/usr/bin/env bash
# Pins down: the ferry that `pip install` put in a venv runs inside a Debian bullseye root (glibc 2.31, older than
# the build machine's; chroot, nothing of the host visible) and there gives the same `inspect` and `check` reports
# and exit codes as the host ferry on the same files, and repairs a fixture wheel into the same wheel as the host
# ferry (every member identical but the provenance record, whose source paths differ, and RECORD, which hashes it).
# Oracles: the host-built ferry (itself checked against readelf and auditwheel elsewhere); Python's zipfile and
# hashlib for the RECORD of the wheel written inside the root; the repaired extension imports on the host.
# needs: bullseye
# timeout: 900
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/bundle/roots.sh"
source "$SRC/tests/lib/ship_wheel.sh"
need_bullseye_root
W=$FIX/wheel
[ -f "$W/simple-1.0-cp311-cp311-linux_x86_64.whl" ] || fail "fixture wheel missing"
need_ferry_wheel
venv=$SHIP_DIR/venv.bullseye
install_ferry_wheel "$venv"

# /mnt inside the root: the installed ferry, the fixture wheel and the library it needs (bind-mounted).
mkdir -p "$T/mnt/in" "$T/mnt/out"
cp "$venv/bin/ferry" "$T/mnt/ferry"
cp "$W/simple-1.0-cp311-cp311-linux_x86_64.whl" "$T/mnt/in/"
cp -a "$W/lib" "$T/mnt/in/lib"
export BIND="$T/mnt:/mnt"

for cmd in "inspect" "check -t debian11 -t manylinux2014"; do
  same_report_in_root "$bullseye" /mnt/ferry "$cmd" "^/usr/lib/x86_64-linux-gnu/libstdc++.so.6.*x86_64" \
    /bin/ls /usr/lib/x86_64-linux-gnu/libstdc++.so.6
done

same_repair_in_root "$bullseye" /mnt/ferry /mnt/in /mnt/out "$T"
# The wheel repaired inside the root works: its extension imports on the host without LD_LIBRARY_PATH.
mkdir -p "$T/site" && (cd "$T/site" && unzip -q "$T"/mnt/out/*.whl)
python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import simple._simple' "$T/site" || fail "the repaired extension does not import"
echo ok
