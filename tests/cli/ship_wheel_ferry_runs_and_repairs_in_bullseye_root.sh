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
need_root_tools
bullseye=$ROOTS/bullseye
[ -f "$bullseye/.ferry-complete" ] || skip "no bullseye root (tests/roots/bullseye.sh)"
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

files=(/bin/ls /usr/lib/x86_64-linux-gnu/libstdc++.so.6)
for cmd in "inspect" "check -t debian11 -t manylinux2014"; do
  set +e
  inside=$(in_root "$bullseye" /mnt/ferry $cmd "${files[@]}" 2>&1); rc_inside=$?
  outside=$("$FERRY" $cmd "${files[@]/#/$bullseye}" 2>&1); rc_outside=$?
  set -e
  expect_eq "exit code of $cmd" "$rc_outside" "$rc_inside"
  expect_eq "report of $cmd" "${outside//$bullseye/}" "$inside"
  grep -q "^/usr/lib/x86_64-linux-gnu/libstdc++.so.6.*x86_64" <<<"$inside" || fail "$cmd reported nothing: $inside"
done

export SOURCE_DATE_EPOCH=1700000000
in_root "$bullseye" env LD_LIBRARY_PATH=/mnt/in/lib /mnt/ferry repair /mnt/in/simple-1.0-cp311-cp311-linux_x86_64.whl \
  -w /mnt/out || fail "repair inside bullseye failed"
LD_LIBRARY_PATH=$T/mnt/in/lib "$FERRY" repair "$T/mnt/in/simple-1.0-cp311-cp311-linux_x86_64.whl" -w "$T/host" >/dev/null
python3 "$SRC/tests/lib/same_repaired_wheel.py" "$T/mnt/out" "$T/host" "$T/mnt/in/lib" /mnt/in/lib
# The wheel repaired inside the root works: its extension imports on the host without LD_LIBRARY_PATH.
mkdir -p "$T/site" && (cd "$T/site" && unzip -q "$T"/mnt/out/*.whl)
python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import simple._simple' "$T/site" || fail "the repaired extension does not import"
echo ok
