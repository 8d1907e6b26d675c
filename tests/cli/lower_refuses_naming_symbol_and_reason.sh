#!/usr/bin/env bash
# Refusals: a symbol with no older glibc version (close_range@GLIBC_2.34) and a too-new libstdc++ version
# (GLIBCXX_3.4.30) are named with the reason and what to do; exit 1, nothing written, the input untouched.
# A target without a glibc ceiling and a missing destination are usage errors (exit 2).
source "$(dirname "$0")/../common.sh"
L=$FIX/lower
[ -x "$L/refuse" ] || skip "lower fixtures were not built (needs x86-64, gcc and glibc >= 2.34)"
cp "$L/refuse" "$T/refuse"
before=$(sha256sum <"$T/refuse")
set +e; "$FERRY" lower -t debian11 "$T/refuse" -o "$T/out" >"$T/stdout" 2>"$T/stderr"; rc=$?; set -e
expect_eq "exit status" 1 "$rc"
grep -q "close_range@GLIBC_2.34 (libc.so.6): glibc has no older version of close_range" "$T/stderr" ||
  fail "close_range not named: $(cat "$T/stderr")"
[ ! -e "$T/out" ] || fail "an output was written for a refused file"
set +e; "$FERRY" lower -t debian11 --in-place "$T/refuse" 2>/dev/null; set -e
expect_eq "input untouched" "$before" "$(sha256sum <"$T/refuse")"
# Oracle for the name: readelf shows the same requirement in the file.
readelf --dyn-syms -W "$T/refuse" | grep -q "close_range@GLIBC_2.34" || fail "fixture does not need close_range@GLIBC_2.34"

C=$FIX/check/cxx_new
if [ -x "$C" ] && readelf -V -W "$C" | grep -q "GLIBCXX_3.4.3[0-9]"; then
  set +e; "$FERRY" lower -t debian11 "$C" -o "$T/cxx" 2>"$T/cxx.err"; rc=$?; set -e
  expect_eq "GLIBCXX exit status" 1 "$rc"
  grep -q "@GLIBCXX_3.4.3[0-9] (libstdc++.so.6): libstdc++ cannot be lowered by renaming: link it statically (-static-libstdc++) or ship libstdc++.so.6" "$T/cxx.err" ||
    fail "GLIBCXX refusal: $(cat "$T/cxx.err")"
fi
expect_rc 2 "$FERRY" lower -t musllinux_1_2 "$L/prog" --dry-run
expect_rc 2 "$FERRY" lower -t debian11 "$L/prog"
echo ok
