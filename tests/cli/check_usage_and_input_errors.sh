#!/usr/bin/env bash
# Exit codes a CI job can rely on: 0 pass (or an overview without target), 1 a target fails, 2 usage or input
# errors (unknown target, missing file, a non-ELF file given explicitly, a bad policy file); custom policy
# files and --list-targets work.
source "$(dirname "$0")/../common.sh"
C=$FIX/check
[ -x "$C/memcpy_new" ] || skip "check fixtures were not built"

set +e; "$FERRY" check -t manylinux2099 "$C/memcpy_new" 2>"$T/err"; rc=$?; set -e
expect_eq "unknown target" 2 "$rc"
grep -q "unknown target 'manylinux2099'" "$T/err" || fail "$(cat "$T/err")"
expect_rc 2 "$FERRY" check -t manylinux2014 "$T/missing"
echo "text" >"$T/notes.txt"
set +e; "$FERRY" check -t manylinux2014 "$T/notes.txt" 2>"$T/err"; rc=$?; set -e
expect_eq "non-ELF explicit file" 2 "$rc"
[ "$(wc -l <"$T/err")" = 1 ] || fail "expected one error line: $(cat "$T/err")"
grep -q "^ferry: $T/notes.txt: not an ELF file" "$T/err" || fail "$(cat "$T/err")"
# In a directory the text file is skipped silently.
mkdir "$T/d" && cp "$T/notes.txt" "$C/pinned_old" "$T/d/"
expect_rc 0 "$FERRY" check -t manylinux1 "$T/d"
# No target: an overview that gates nothing.
expect_rc 0 "$FERRY" check "$C/memcpy_new"
expect_rc 2 "$FERRY" check
# A target with no variant for the file's architecture fails that file (CentOS 6 had no aarch64).
if [ -x "$FIX/elf/app_aarch64" ]; then
  set +e; "$FERRY" check -t centos6 "$FIX/elf/app_aarch64" >"$T/a"; rc=$?; set -e
  expect_eq "no aarch64 centos6" 1 "$rc"
  grep -q "has no aarch64 variant" "$T/a" || fail "$(cat "$T/a")"
  expect_rc 1 "$FERRY" check -t manylinux2014_x86_64 "$FIX/elf/app_aarch64"
fi

# --list-targets: every manylinux policy, musllinux and the distros, with ceilings.
"$FERRY" check --list-targets >"$T/list"
for n in manylinux_2_5 manylinux_2_12 manylinux_2_17 manylinux_2_28 manylinux_2_34 manylinux_2_41 musllinux_1_1 \
         musllinux_1_2 centos6 centos7 rhel8 rhel9 debian10 debian11 debian12 ubuntu-18.04 ubuntu-20.04 \
         ubuntu-22.04 ubuntu-24.04; do
  grep -q "^$n" "$T/list" || fail "--list-targets misses $n"
done
grep -A3 '^manylinux_2_17 (manylinux2014)' "$T/list" | grep -q "ceilings (x86_64): GLIBC 2.17 GLIBCXX 3.4.19 CXXABI 1.3.7 GCC 4.8.0" ||
  fail "manylinux2014 ceilings: $(grep -A3 '^manylinux_2_17' "$T/list")"
"$FERRY" check --list-targets --json --arch aarch64 | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["schema"] == "ferry.targets/1"
assert {t["arch"] for t in d["targets"]} == {"aarch64"}
assert "centos6" not in {t["name"] for t in d["targets"]}'

# A custom policy: GLIBC capped at 2.13 fails memcpy@GLIBC_2.14 only.
cat >"$T/fleet.json" <<'JSON'
{"schema": "ferry.policy/1", "targets": [{"name": "fleet", "libc_version": "2.13",
  "ceilings": {"GLIBC": "2.13"}, "whitelist": ["libc.so.6"]}]}
JSON
set +e; "$FERRY" check --policy "$T/fleet.json" "$C/memcpy_new" "$C/pinned_old" >"$T/fleet"; rc=$?; set -e
expect_eq "custom policy" 1 "$rc"
grep -q "memcpy@GLIBC_2.14 (libc.so.6) is above fleet's GLIBC ceiling 2.13" "$T/fleet" || fail "$(cat "$T/fleet")"
expect_rc 0 "$FERRY" check --policy "$T/fleet.json" -t fleet "$C/pinned_old"
"$FERRY" check --policy "$T/fleet.json" --list-targets >"$T/flist"
grep -q '^fleet' "$T/flist" || fail "custom target not listed"
echo '{"targets": [{"name": "x"}]}' >"$T/bad.json"
set +e; "$FERRY" check --policy "$T/bad.json" "$C/pinned_old" 2>"$T/err"; rc=$?; set -e
expect_eq "bad policy" 2 "$rc"
grep -q 'bad.json: policy file: targets\[0\] (x): missing "libc_version"' "$T/err" || fail "$(cat "$T/err")"
echo ok
