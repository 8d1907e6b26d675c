#!/usr/bin/env bash
# A static-pie applies its own DT_RELR relocations with the start-up code linked into it, so DT_RELR in it does
# not need glibc 2.36 on the target: `check -t manylinux2014` passes it. The same relocations in a dynamically
# linked PIE are applied by the target's loader, and that file is still refused. Oracles: readelf (DT_RELR really
# present, no PT_INTERP in the static one, the GLIBC_ABI_DT_RELR marker in the dynamic one) and running both.
source "$(dirname "$0")/../common.sh"
need_cmd gcc
need_cmd readelf
cat >"$T/relr.c" <<'C'
#include <stdio.h>
static const char* words[] = {"relative", "pointers", "packed"};
int main(void) { for (int i = 0; i < 3; i++) fputs(words[i], stdout); puts(""); return 0; }
C
gcc -O1 -static-pie -Wl,-z,pack-relative-relocs "$T/relr.c" -o "$T/static" 2>"$T/cc.log" ||
  skip "this toolchain cannot link a static-pie with packed relative relocations: $(head -1 "$T/cc.log")"
gcc -O1 -pie -fPIE -Wl,-z,pack-relative-relocs "$T/relr.c" -o "$T/dynamic"
for f in static dynamic; do
  readelf -dW "$T/$f" | grep -q '(RELR)' || skip "the linker did not pack the relocations of $f (no DT_RELR)"
  expect_eq "$f runs" "relativepointerspacked" "$("$T/$f")"
done
readelf -lW "$T/static" | grep -q 'INTERP' && fail "the static-pie has a PT_INTERP"
readelf -VW "$T/dynamic" | grep -q 'GLIBC_ABI_DT_RELR' || fail "the dynamic PIE lacks the GLIBC_ABI_DT_RELR marker"

"$FERRY" check -t manylinux2014 "$T/static" >"$T/static.out" || { cat "$T/static.out"; fail "the static-pie is refused"; }
grep -q 'DT_RELR' "$T/static.out" && { cat "$T/static.out"; fail "the static-pie's report names DT_RELR"; }
expect_rc 1 "$FERRY" check -t manylinux2014 "$T/dynamic" >"$T/dynamic.out"
grep -q 'GLIBC_ABI_DT_RELR\|DT_RELR' "$T/dynamic.out" || { cat "$T/dynamic.out"; fail "the dynamic PIE's refusal does not name DT_RELR"; }
echo "ok: static-pie with DT_RELR passes manylinux2014, the dynamic PIE is refused"
