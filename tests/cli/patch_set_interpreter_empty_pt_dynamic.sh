#!/usr/bin/env bash
# --set-interpreter on a static program whose PT_DYNAMIC maps nothing (patchelf's empty-note case): the empty
# segment means "no dynamic entries", not a malformed dynamic section. Shorter and longer interpreters are
# written; readelf reads them back, the note is intact, and patchelf 0.19.3 given the same edit reads the same.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc
need_cmd readelf
build_static_interp "$T/prog" empty-dynamic.ld
readelf -lW "$T/prog" 2>/dev/null | has "DYNAMIC *0x0*0 0x0*0 0x0*0 0x0*0 0x0*0" || skip "the linker did not emit an empty PT_DYNAMIC"
interp() { readelf -lW "$1" 2>/dev/null | sed -n 's/.*interpreter: \(.*\)]/\1/p'; }
notes() { readelf -nW "$1" 2>/dev/null | grep -A1 ferry; }
for new in ld-linux-x86-64.so.2 "/opt/a/much/longer/path/to/the/runtime/loader/ld-linux-x86-64.so.2"; do
  cp "$T/prog" "$T/out"
  "$FERRY" patchelf --set-interpreter "$new" "$T/out" || fail "refused: $new"
  expect_eq "interpreter (readelf)" "$new" "$(interp "$T/out")"
  expect_eq "print-interpreter" "$new" "$("$FERRY" patchelf --print-interpreter "$T/out")"
  expect_eq "note kept" "$(notes "$T/prog")" "$(notes "$T/out")"
  cp "$T/out" "$T/again"
  "$FERRY" patchelf --set-interpreter "$new" "$T/again"
  cmp -s "$T/out" "$T/again" || fail "the same edit twice changed the bytes"
done
# Dynamic edits still say there is nothing to edit.
expect_rc 2 "$FERRY" patch --set-rpath /x "$T/prog"
optional_patchelf
if [ -n "$PE" ]; then
  cp "$T/prog" "$T/pe"
  "$PE" --set-interpreter /lib/ld-test.so "$T/pe"
  cp "$T/prog" "$T/fe"
  "$FERRY" patchelf --set-interpreter /lib/ld-test.so "$T/fe"
  expect_eq "ferry and patchelf agree" "$(interp "$T/pe")" "$(interp "$T/fe")"
  expect_eq "patchelf reads ferry's output" /lib/ld-test.so "$("$PE" --print-interpreter "$T/fe")"
fi
echo ok
