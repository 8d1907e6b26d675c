#!/usr/bin/env bash
# --set-rpath on a shared object whose .dynamic section no PT_DYNAMIC maps and whose PT_INTERP spans other
# sections (patchelf's phdr-corruption case): the entries are read from and written to the .dynamic section, as
# patchelf does, and no PT_DYNAMIC is invented. The PT_INTERP names no path, so the file is no program: the
# program header table may move into the new PT_LOAD, with PT_PHDR describing it (readelf reads one PHDR and
# warns of nothing). patchelf 0.19.3 reads the RUNPATH ferry wrote, and the sections keep their bytes.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc
need_cmd readelf
gcc -O1 -shared -fPIC -Wl,-T,"$SRC/fixtures/patch/no-pt-dynamic.ld" -o "$T/lib.so" "$SRC/fixtures/patch/libextra.c" 2>/dev/null
readelf -lW "$T/lib.so" | has "DYNAMIC" && skip "the linker emitted a PT_DYNAMIC"
readelf -SW "$T/lib.so" | has "\.dynamic *DYNAMIC" || skip "the linker emitted no .dynamic section"
cp "$T/lib.so" "$T/out.so"
"$FERRY" patchelf --set-rpath /opt/ferry/lib "$T/out.so" || fail "refused"
expect_eq "rpath read back" /opt/ferry/lib "$("$FERRY" patchelf --print-rpath "$T/out.so")"
readelf -lW "$T/out.so" >"$T/l" 2>"$T/err" || fail "readelf -l fails: $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "readelf warns: $(cat "$T/err")"
expect_eq "PHDR lines" 1 "$(grep -c PHDR "$T/l")"
has "DYNAMIC" "$T/l" && fail "a PT_DYNAMIC was added"
readelf -p .dynstr "$T/out.so" | has "/opt/ferry/lib" || fail ".dynstr holds no /opt/ferry/lib"
for s in .text .dynsym .gnu.hash .note.gnu.build-id; do
  expect_eq "$s kept" "$(readelf -x "$s" "$T/lib.so" 2>&1 | sed 1,2d | cut -c14-48)" \
    "$(readelf -x "$s" "$T/out.so" 2>&1 | sed 1,2d | cut -c14-48)"
done
cp "$T/out.so" "$T/again.so"
"$FERRY" patchelf --set-rpath /opt/ferry/lib "$T/again.so"
cmp -s "$T/out.so" "$T/again.so" || fail "the same edit twice changed the bytes"
optional_patchelf
if [ -n "$PE" ]; then
  expect_eq "patchelf reads ferry's rpath" /opt/ferry/lib "$("$PE" --print-rpath "$T/out.so")"
fi
echo ok
