#!/usr/bin/env bash
# Truncated and corrupted PE files make `ferry inspect` print one line naming the file, the structure and the hex
# offset, and exit 2, in text and JSON mode; a good file given alongside is still reported.
source "$(dirname "$0")/../common.sh"
good=$FIX/pe/delay64.exe
[ -f "$good" ] || fail "PE fixtures missing"
head -c 700 "$good" >"$T/truncated.exe"
python3 - "$good" "$T" <<'PY'
import struct, sys
src, out = sys.argv[1], sys.argv[2]
b = open(src, "rb").read()
def variant(name, off, fmt, value):
    c = bytearray(b); struct.pack_into(fmt, c, off, value); open(f"{out}/{name}", "wb").write(c)
variant("lfanew.exe", 0x3C, "<I", 0x7FFFFFF0)         # e_lfanew past the end
variant("importdir.exe", 0xC8 + 8, "<I", 0x9000)        # import directory RVA outside every section
variant("delayname.exe", 0x200 + 40 + 4, "<I", 0x9000)  # delay-load descriptor #0 name RVA outside every section
PY
check() { expect_inspect_error "$1" "$good" "delay imports: USER32.dll" "$2"; }  # check FILE EXPECTED-MESSAGE
check "$T/truncated.exe" "section #0 (.rdata): raw data 0x200+0x200 is outside the file (0x2bc) (at offset 0x148)"
check "$T/lfanew.exe" "DOS header: e_lfanew 0x7ffffff0 points past the end of the file (0x600) (at offset 0x3c)"
check "$T/importdir.exe" "import directory: RVA 0x9000 is outside every section (at offset 0xd0)"
check "$T/delayname.exe" "delay-load descriptor #0 name: RVA 0x9000 is outside every section (at offset 0x22c)"
echo ok
