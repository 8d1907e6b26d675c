#!/usr/bin/env bash
# `ferry lower --add-dt-hash` (done anyway for targets before glibc 2.5) gives a file that has only DT_GNU_HASH
# a SysV hash table: readelf lists DT_HASH, and its histogram of the table (read through the dynamic section)
# chains every dynamic symbol but the null one exactly once. Proof by running: with DT_GNU_HASH disabled in a
# copy (its tag made DT_DEBUG, which a library ignores), the loader can only find the library's symbols through
# DT_HASH: host.c's dlopen + dlsym("demo") works with LD_BIND_NOW=1 on the lowered copy, and fails on the
# original's copy (the control: no hash table, no symbol).
source "$(dirname "$0")/../common.sh"
L=$FIX/lower
[ -x "$L/host" ] && [ -f "$L/libdemo.so" ] || skip "lower fixtures were not built (needs x86-64, gcc and glibc >= 2.34)"
readelf -dW "$L/libdemo.so" | grep -q '(GNU_HASH)' && ! readelf -dW "$L/libdemo.so" | grep -q '(HASH)' ||
  skip "the toolchain's default hash style is not gnu-only"
need_cmd python3
mkdir -p "$T/good" "$T/low" "$T/low_nognu" "$T/orig_nognu"

"$FERRY" lower -t debian11 --add-dt-hash --dry-run "$L/libdemo.so" | grep -q "^  add	DT_HASH: " ||
  fail "--dry-run does not list DT_HASH's method"
"$FERRY" lower -t debian11 --add-dt-hash "$L/libdemo.so" -o "$T/low/libdemo.so" >"$T/log" || fail "$(cat "$T/log")"
expect_rc 0 "$FERRY" check --no-hints -t debian11 "$T/low/libdemo.so"
readelf -dW "$T/low/libdemo.so" | grep -q '(HASH)' || fail "readelf lists no DT_HASH"

# readelf's histogram of the SysV table (the first one it prints): every symbol but index 0 in some chain.
symbols=$(readelf -W --dyn-syms "$T/low/libdemo.so" | sed -n "s/^Symbol table '.dynsym' contains \([0-9]*\) entries:/\1/p")
chained=$(readelf -D -I "$T/low/libdemo.so" | awk '
  /^Histogram/ { n++; next } n == 1 && $1 ~ /^[0-9]+$/ { sum += $1 * $2 } END { print sum + 0 }')
expect_eq "symbols in the SysV hash chains" "$((symbols - 1))" "$chained"

# DT_GNU_HASH's tag becomes DT_DEBUG (21) in a copy: the loader then sees DT_HASH only (or no table at all).
disable_gnu_hash() {
  python3 - "$1" "$2" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
phoff, = struct.unpack_from("<Q", data, 32)
phentsize, phnum = struct.unpack_from("<HH", data, 54)
for i in range(phnum):
    p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
    if p_type == 2:  # PT_DYNAMIC
        for at in range(p_offset, p_offset + p_filesz, 16):
            tag, = struct.unpack_from("<q", data, at)
            if tag == 0x6FFFFEF5:
                struct.pack_into("<q", data, at, 21)
open(sys.argv[2], "wb").write(data)
PY
}
disable_gnu_hash "$T/low/libdemo.so" "$T/low_nognu/libdemo.so"
disable_gnu_hash "$L/libdemo.so" "$T/orig_nognu/libdemo.so"
! readelf -dW "$T/low_nognu/libdemo.so" | grep -q '(GNU_HASH)' || fail "the test could not disable DT_GNU_HASH"
cp "$L/libdemo.so" "$T/good/"
for d in good low_nognu orig_nognu; do cp "$L/host" "$T/$d/"; done

want=$(cd "$T/good" && LD_BIND_NOW=1 ./host)
[[ "$want" == library:* ]] || fail "host with the original library printed: $want"
expect_eq "DT_HASH only, LD_BIND_NOW=1" "$want" "$(cd "$T/low_nognu" && LD_BIND_NOW=1 ./host)"
expect_eq "DT_HASH only" "$want" "$(cd "$T/low_nognu" && ./host)"
set +e; got=$(cd "$T/orig_nognu" && LD_BIND_NOW=1 ./host 2>&1); set -e
[ "$got" != "$want" ] || fail "control: the library without any hash table still resolved demo"
echo ok
