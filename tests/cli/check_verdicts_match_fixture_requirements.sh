#!/usr/bin/env bash
# Fixtures with known requirements get the expected verdicts: the offending symbol is named with its library,
# the highest version matches readelf -V, pass/fail exit codes gate CI, and the fix hint names the older version.
source "$(dirname "$0")/../common.sh"
C=$FIX/check
[ -x "$C/memcpy_new" ] || skip "check fixtures were not built (x86-64 host needed)"
need_cmd readelf

# readelf is the oracle for the highest GLIBC_ version each fixture requires.
for f in pinned_old memcpy_new getrandom pow_new needs_234 cxx_new; do
  want=$(readelf -V -W "$C/$f" | grep -oE 'Name: GLIBC_[0-9.]+' | sed 's/Name: //' | sort -V | tail -1)
  got=$("$FERRY" check --json "$C/$f" | python3 -c 'import json,sys; print(json.load(sys.stdin)["files"][0]["requirements"]["GLIBC"]["version"])')
  expect_eq "highest GLIBC of $f" "$want" "$got"
done

# memcpy@GLIBC_2.14: fails CentOS 6 / manylinux2010 naming memcpy and libc.so.6, with the .symver fix; passes 2014.
set +e
"$FERRY" check -t manylinux2010 "$C/memcpy_new" >"$T/out"; rc=$?
set -e
expect_eq "exit status on a failing target" 1 "$rc"
grep -q "memcpy@GLIBC_2.14 (libc.so.6) is above manylinux_2_12's GLIBC ceiling 2.12" "$T/out" || fail "memcpy not named: $(cat "$T/out")"
grep -q "older versions: GLIBC_2.2.5" "$T/out" || fail "older version not offered: $(cat "$T/out")"
grep -qF '.symver memcpy,memcpy@GLIBC_2.2.5' "$T/out" || fail "no .symver remedy: $(cat "$T/out")"
expect_rc 1 "$FERRY" check -t centos6 "$C/memcpy_new"
expect_rc 0 "$FERRY" check -t manylinux2014 -t centos7 -t ubuntu-20.04 "$C/memcpy_new"

# Pinned to GLIBC_2.2.5 with its own _start: passes the oldest targets.
expect_rc 0 "$FERRY" check -t manylinux1 -t centos6 "$C/pinned_old"

# Best tags, one per fixture, as the policy data gives them.
best() { "$FERRY" check --json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["files"][0]["best_manylinux"])'; }
expect_eq "best tag of pinned_old" manylinux_2_5_x86_64 "$(best "$C/pinned_old")"
expect_eq "best tag of memcpy_new" manylinux_2_17_x86_64 "$(best "$C/memcpy_new")"
expect_eq "best tag of getrandom" manylinux_2_26_x86_64 "$(best "$C/getrandom")"
expect_eq "best tag of pow_new" manylinux_2_31_x86_64 "$(best "$C/pow_new")"
expect_eq "best tag of needs_234" manylinux_2_34_x86_64 "$(best "$C/needs_234")"
expect_eq "best tag of librelr.so" manylinux_2_36_x86_64 "$(best "$C/librelr.so")"
expect_eq "best tag of libisa_v3.so" None "$(best "$C/libisa_v3.so")"

# pow@GLIBC_2.29 comes from libm and has an older pow@GLIBC_2.2.5.
set +e; "$FERRY" check -t manylinux2014 "$C/pow_new" >"$T/pow"; set -e
grep -q "pow@GLIBC_2.29 (libm.so.6)" "$T/pow" || fail "pow not attributed to libm: $(cat "$T/pow")"
grep -qF '.symver pow,pow@GLIBC_2.2.5' "$T/pow" || fail "no pow fix: $(cat "$T/pow")"

# crt1.o of glibc >= 2.34.
set +e; "$FERRY" check -t debian11 "$C/needs_234" >"$T/234"; set -e
grep -q "__libc_start_main@GLIBC_2.34 (libc.so.6)" "$T/234" || fail "__libc_start_main not named"
grep -q "crt1.o" "$T/234" || fail "cause not named: $(cat "$T/234")"

# New libstdc++: GLIBCXX_3.4.30 fails Ubuntu 20.04 and Debian 11, passes Debian 12; the fix is -static-libstdc++.
set +e; "$FERRY" check -t ubuntu-20.04 "$C/cxx_new" >"$T/cxx"; rc=$?; set -e
expect_eq "cxx_new on focal" 1 "$rc"
grep -q "@GLIBCXX_3.4.30 (libstdc++.so.6) is above ubuntu-20.04's GLIBCXX ceiling 3.4.28" "$T/cxx" || fail "GLIBCXX not named: $(cat "$T/cxx")"
grep -q -- "-static-libstdc++" "$T/cxx" || fail "no libstdc++ remedy"
expect_rc 0 "$FERRY" check -t debian12 "$C/cxx_new"

# DT_RELR: the GLIBC_ABI_DT_RELR marker fails glibc < 2.36.
expect_rc 1 "$FERRY" check -t manylinux_2_35 "$C/librelr.so"
expect_rc 0 "$FERRY" check -t manylinux_2_36 -t debian12 "$C/librelr.so"
readelf -d "$C/librelr.so" | grep -q RELR || fail "oracle: librelr.so has no DT_RELR"

# Executable stack: a warning on older targets, an error for libraries on glibc 2.41.
"$FERRY" check -t manylinux2014 "$C/libexecstack.so" >"$T/es"
grep -q "warning: executable stack" "$T/es" || fail "exec stack not reported: $(cat "$T/es")"
expect_rc 1 "$FERRY" check -t manylinux_2_41 "$C/libexecstack.so"
readelf -lW "$C/libexecstack.so" | grep GNU_STACK | grep -q RWE || fail "oracle: no RWE GNU_STACK"

# x86-64-v3 property note: no manylinux policy (baseline only).
set +e; "$FERRY" check -t manylinux2014 "$C/libisa_v3.so" >"$T/isa"; rc=$?; set -e
expect_eq "isa v3" 1 "$rc"
grep -q "needs x86-64-v3" "$T/isa" || fail "ISA level not named: $(cat "$T/isa")"
expect_rc 0 "$FERRY" check -t manylinux2014 --disable-isa-ext-check "$C/libisa_v3.so"

# Hermetic: the fake libc's GLIBC_2.50 fails every built-in glibc target, naming future_fn.
set +e; "$FERRY" check -t manylinux_2_41 -t ubuntu-24.04 "$C/libuses_fake.so" >"$T/fake"; rc=$?; set -e
expect_eq "fake libc" 1 "$rc"
[ "$(grep -c 'future_fn@GLIBC_2.50 (libc.so.6)' "$T/fake")" = 2 ] || fail "future_fn not named per target: $(cat "$T/fake")"
grep -q "mid_fn" "$T/fake" && fail "mid_fn@GLIBC_2.17 wrongly reported"
echo ok
