#!/usr/bin/env bash
# Pins down: the ferry that `pip install` put in a venv needs nothing of the system it runs on: chrooted into a
# directory holding only that binary and its input files (no libc, no loader, no /etc, no ld.so.cache), it
# inspects and checks a library, and repairs a fixture wheel into the same wheel the host ferry writes (every
# member identical but the provenance record, whose source paths differ, and RECORD, which hashes it).
# Oracles: the host-built ferry's reports and wheel on the same inputs; Python's zipfile and hashlib for RECORD.
# timeout: 900
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/bundle/roots.sh"
source "$SRC/tests/lib/ship_wheel.sh"
need_root_tools
W=$FIX/wheel
[ -f "$W/simple-1.0-cp311-cp311-linux_x86_64.whl" ] || fail "fixture wheel missing"
need_ferry_wheel
venv=$SHIP_DIR/venv.empty
install_ferry_wheel "$venv"

root=$T/root
empty_root "$root"  # /proc (mount point), /dev/null, /tmp: nothing else
cp "$venv/bin/ferry" "$root/ferry"
mkdir -p "$root/in"
cp "$W/simple-1.0-cp311-cp311-linux_x86_64.whl" "$W/lib/libfb.so.1" "$root/in/"
cp -a "$W/lib" "$root/in/lib"
[ -z "$(find "$root" -name 'libc.so*' -o -name 'ld-linux*')" ] || fail "the empty root is not empty"

for cmd in "inspect" "check -t manylinux2014"; do
  same_report_in_root "$root" /ferry "$cmd" "^/in/libfb.so.1.*x86_64" /in/libfb.so.1
done

same_repair_in_root "$root" /ferry /in /out "$root"
echo ok
