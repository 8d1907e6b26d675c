#!/usr/bin/env bash
# --set-interpreter when PT_INTERP starts at a note and spans .interp after it (patchelf's contiguous-note-sections
# case): the new string is never written over the note; PT_INTERP moves (the program header table stays in the
# first PT_LOAD), the note keeps its bytes, readelf and eu-elflint read the result, and patchelf 0.19.3 reads the
# interpreter ferry wrote.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc
need_cmd readelf
need_cmd eu-elflint
build_static_interp "$T/prog" interp-over-note.ld
interp_at() { readelf -lW "$1" 2>/dev/null | awk '$1 == "INTERP" { print $2 }'; }
note_at() { readelf -lW "$1" 2>/dev/null | awk '$1 == "NOTE" { print $2 }'; }
[ "$(interp_at "$T/prog")" = "$(note_at "$T/prog")" ] || skip "the linker did not start PT_INTERP at the note"
interp() { readelf -lW "$1" 2>/dev/null | sed -n 's/.*interpreter: \(.*\)]/\1/p'; }
notes() { readelf -nW "$1" 2>/dev/null | grep -A1 ferry; }
for new in ld.so "/lib64/ld-linux-x86-64.so.2"; do  # shorter and longer than the note PT_INTERP starts with
  cp "$T/prog" "$T/out"
  "$FERRY" patchelf --set-interpreter "$new" "$T/out" || fail "refused: $new"
  expect_eq "interpreter (readelf)" "$new" "$(interp "$T/out")"
  expect_eq "note kept" "$(notes "$T/prog")" "$(notes "$T/out")"
  [ "$(interp_at "$T/out")" != "$(note_at "$T/out")" ] || fail "PT_INTERP still starts at the note"
  phoff=$(readelf -hW "$T/out" 2>/dev/null | sed -n 's/.*Start of program headers: *\([0-9]*\).*/\1/p')
  expect_eq "program headers stay after the ELF header" 64 "$phoff"
  new_lint=$(comm -13 <(lint "$T/prog" | sed "s/phdr\[[0-9]*\]/phdr[N]/" | sort -u) <(lint "$T/out" | sed "s/phdr\[[0-9]*\]/phdr[N]/" | sort -u))
  [ -z "$new_lint" ] || fail "eu-elflint reports new problems: $new_lint"
done
optional_patchelf
if [ -n "$PE" ]; then
  expect_eq "patchelf reads ferry's interpreter" /lib64/ld-linux-x86-64.so.2 "$("$PE" --print-interpreter "$T/out")"
fi
echo ok
