#!/usr/bin/env bash
# Files without section headers (what sstrip leaves) are edited through the dynamic segment alone: long RUNPATH,
# NEEDED rename, interpreter and SONAME read back and the program runs.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc
build_set "$T/b"
noshdr() {  # zero e_shoff, e_shnum, e_shstrndx
  python3 - "$1" <<'P'
import sys, struct
p = sys.argv[1]; b = bytearray(open(p, 'rb').read())
assert b[4] == 2 and b[5] == 1
struct.pack_into('<Q', b, 0x28, 0); struct.pack_into('<HHH', b, 0x3a, 64, 0, 0)
open(p, 'wb').write(b)
P
}
noshdr "$T/b/prog"; noshdr "$T/b/libfoo.so.1"
readelf -SW "$T/b/prog" 2>&1 | has "no sections" || fail "section headers still present"
base=$(run_bound "$T/b/prog")
cp "$T/b/libfoo.so.1" "$T/b/libfoo-long-name-for-growth.so.1"
long="\$ORIGIN:/opt/without/section/headers/$(printf 'y%.0s' {1..200})"
"$FERRY" patch --set-rpath "$long" --replace-needed libfoo.so.1 libfoo-long-name-for-growth.so.1 "$T/b/prog" >/dev/null
expect_eq "rpath" "$long" "$("$FERRY" patch --print-rpath "$T/b/prog")"
expect_eq "needed" "libfoo-long-name-for-growth.so.1 libc.so.6" "$("$FERRY" patch --print-needed "$T/b/prog" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "runs" "$base" "$(run_bound "$T/b/prog")"
ldso=$(readelf -l /bin/true | sed -n 's/.*interpreter: \(.*\)]/\1/p')
mkdir -p "$T/a/long/path/to/the/interpreter/directory"; ln -s "$ldso" "$T/a/long/path/to/the/interpreter/directory/ld.so"
"$FERRY" patch --set-interpreter "$T/a/long/path/to/the/interpreter/directory/ld.so" "$T/b/prog" >/dev/null
expect_eq "runs with new interpreter" "$base" "$(run_bound "$T/b/prog")"
"$FERRY" patch --set-soname libfoo-with-a-new-and-longer-soname.so.1 "$T/b/libfoo-long-name-for-growth.so.1" >/dev/null
expect_eq "soname" "libfoo-with-a-new-and-longer-soname.so.1" "$("$FERRY" patch --print-soname "$T/b/libfoo-long-name-for-growth.so.1")"
expect_eq "runs with patched library" "$base" "$(run_bound "$T/b/prog")"
echo ok
