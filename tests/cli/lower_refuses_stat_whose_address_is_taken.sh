#!/usr/bin/env bash
# A stat-family symbol used through a GOT entry other than a PLT slot (its address taken, or -fno-plt) cannot be
# reached by ferry's call glue, which rewrites PLT jumps only. The plan refuses it by name, so --dry-run and the
# real run agree: dry-run says "refused" for stat (and still "glue" for a stat-family call through the PLT), the
# run exits 1 naming stat, nothing is written. Oracle: readelf -r shows R_X86_64_GLOB_DAT for stat and a
# JUMP_SLOT for fstat in the fixture compiled here.
source "$(dirname "$0")/../common.sh"
need_cmd gcc
need_cmd readelf
[ "$(uname -m)" = x86_64 ] || skip "the fixture is x86_64"
cat >"$T/addr.c" <<'C'
#include <stdio.h>
#include <sys/stat.h>
int (*volatile pick)(const char*, struct stat*) = stat;  /* address taken: a GLOB_DAT, not a PLT slot */
int main(void) {
  struct stat st;
  printf("%d %d\n", pick("/", &st), fstat(0, &st));
  return 0;
}
C
gcc -O1 -o "$T/addr" "$T/addr.c"
readelf -W --dyn-syms "$T/addr" | grep -q ' stat@GLIBC_2.33' || skip "this glibc does not version stat at 2.33"
readelf -W -r "$T/addr" | grep -E 'R_X86_64_(GLOB_DAT|64) .* stat@GLIBC_2.33' -q || fail "stat is not used through a GOT entry"
readelf -W -r "$T/addr" | grep -E 'R_X86_64_JUMP_SLO.* fstat@GLIBC_2.33' -q || fail "fstat is not called through the PLT"

set +e; "$FERRY" lower -t debian11 --dry-run "$T/addr" >"$T/plan"; rc=$?; set -e
expect_eq "dry-run exit status (a refusal is a failed check)" 1 "$rc"
grep -E '^ *refused[[:space:]]+stat@GLIBC_2.33 \(libc.so.6\): used through a GOT entry other than a PLT jump' "$T/plan" -q ||
  fail "dry-run does not refuse stat: $(cat "$T/plan")"
grep -E '^ *glue[[:space:]]+fstat@GLIBC_2.33' "$T/plan" -q || fail "dry-run no longer glues fstat: $(cat "$T/plan")"
set +e; "$FERRY" lower -t debian11 "$T/addr" -o "$T/out" 2>"$T/err"; rc=$?; set -e
expect_eq "exit status" 1 "$rc"
grep -q "stat@GLIBC_2.33 (libc.so.6): used through a GOT entry other than a PLT jump" "$T/err" || fail "stat not named: $(cat "$T/err")"
[ ! -e "$T/out" ] || fail "an output was written for a refused file"
echo ok
