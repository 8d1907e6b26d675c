#!/usr/bin/env bash
# Truncated and corrupted Mach-O files make `ferry inspect` print one line naming the file, the structure and the
# hex offset, and exit 2, in text and JSON mode; a good file given alongside is still reported.
source "$(dirname "$0")/../common.sh"
[ -f "$FIX/macho/main" ] || skip "Mach-O fixtures were not built (no ld64.lld)"
head -c 600 "$FIX/macho/main" >"$T/truncated"
python3 - "$FIX/macho/main" "$T/zero_cmdsize" "$FIX/macho/fat" "$T/fat_outside" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<I", b, 32 + 4, 0)           # load command #0: cmdsize 0
open(sys.argv[2], "wb").write(b)
f = bytearray(open(sys.argv[3], "rb").read())
struct.pack_into(">I", f, 8 + 20 + 12, 0x7fffffff)  # fat_arch #1: size far past the end of the file
open(sys.argv[4], "wb").write(f)
PY
check() { expect_inspect_error "$1" "$FIX/macho/libfoo.dylib" "install name: @rpath/libfoo.dylib" "$2"; }  # check FILE EXPECTED-MESSAGE
check "$T/truncated" "mach header: sizeofcmds 0x6c0 runs past the end of the slice (0x258) (at offset 0x14)"
check "$T/zero_cmdsize" "load command #0 (LC_SEGMENT_64): bad cmdsize 0x0 (at offset 0x20)"
check "$T/fat_outside" "fat_arch #1 (arm64): slice 0x8000+0x7fffffff is outside the file"
echo ok
