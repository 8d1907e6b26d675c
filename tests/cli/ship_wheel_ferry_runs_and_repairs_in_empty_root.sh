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
  set +e
  inside=$(in_root "$root" /ferry $cmd /in/libfb.so.1 2>&1); rc_inside=$?
  outside=$("$FERRY" $cmd "$root/in/libfb.so.1" 2>&1); rc_outside=$?
  set -e
  expect_eq "exit code of $cmd" "$rc_outside" "$rc_inside"
  expect_eq "report of $cmd" "${outside//$root/}" "$inside"
  grep -q "^/in/libfb.so.1.*x86_64" <<<"$inside" || fail "$cmd reported nothing: $inside"
done

export SOURCE_DATE_EPOCH=1700000000
LD_LIBRARY_PATH=/in/lib in_root "$root" /ferry repair /in/simple-1.0-cp311-cp311-linux_x86_64.whl -w /out ||
  fail "repair in the empty root failed"
LD_LIBRARY_PATH=$root/in/lib "$FERRY" repair "$root/in/simple-1.0-cp311-cp311-linux_x86_64.whl" -w "$T/host" >/dev/null
python3 "$SRC/tests/lib/same_repaired_wheel.py" "$root/out" "$T/host" "$root/in/lib" /in/lib
echo ok
