#!/usr/bin/env bash
# needs: bullseye
# timeout: 120
# A program linked with no padding after any segment (-z noseparate-code -z norelro: its data follows its one
# R+X segment in the file) still gets __libc_start_main glue when lowered to debian11: in one new executable
# PT_LOAD (readelf: one more LOAD, R E, past every other one). `check -t debian11` passes, and the result runs in
# the Debian 11 root (lazy and immediate binding) and here with the original's output.
source "$(dirname "$0")/../common.sh"
need_bullseye ferry-packed
L=$FIX/lower
[ -x "$L/packed" ] || skip "lower fixtures were not built (needs x86-64, gcc and glibc >= 2.34)"

loads() { readelf -lW "$1" | awk '$1 == "LOAD"'; }
# The fixture really has no padding: each LOAD's file range ends where the next one starts.
prev_end=
while read -r _ off _ _ filesz _; do
  [ -z "$prev_end" ] || [ $((off)) = $((prev_end)) ] ||
    skip "the linker left padding between the segments: $(loads "$L/packed" | tr '\n' ' ')"
  prev_end=$((off + filesz))
done < <(loads "$L/packed")
"$FERRY" lower -t debian11 --dry-run "$L/packed" | grep -q "^  glue	__libc_start_main@GLIBC_2.34" || fail "--dry-run lists no glue"
"$FERRY" lower -t debian11 "$L/packed" -o "$T/packed" >"$T/log" || fail "lower failed: $(cat "$T/log")"
grep -q "new PT_LOAD" "$T/log" || fail "no new PT_LOAD reported: $(cat "$T/log")"
expect_rc 0 "$FERRY" check --no-hints -t debian11 "$T/packed"
# A LOAD the original did not have is executable (R E).
new_x=$({ diff <(loads "$L/packed") <(loads "$T/packed") || true; } | awk '$1 == ">" && $9 == "E"' | wc -l)
[ "$new_x" -ge 1 ] || fail "no new executable LOAD: $(loads "$T/packed" | tr '\n' ' ')"

cp "$T/packed" "$run_dir/"
want=$("$L/packed")
got=$(chroot "$R" "$inside/packed") || fail "lowered program failed in bullseye"
expect_eq "lowered, in bullseye" "$want" "$got"
got=$(chroot "$R" env LD_BIND_NOW=1 "$inside/packed") || fail "lowered program (LD_BIND_NOW) failed in bullseye"
expect_eq "lowered, in bullseye with LD_BIND_NOW=1" "$want" "$got"
expect_eq "lowered, here" "$want" "$("$T/packed")"
echo ok
