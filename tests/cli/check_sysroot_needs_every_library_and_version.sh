#!/usr/bin/env bash
# --sysroot, hermetically: a root whose fake libc.so.6 defines only GLIBC_2.2.5 and GLIBC_2.17 fails a library
# needing future_fn@GLIBC_2.50 (named), passes one needing only old versions, and a library missing from the
# root is named; the verdicts follow the root, not the built-in tables.
source "$(dirname "$0")/../common.sh"
C=$FIX/check
[ -d "$C/oldroot" ] || skip "check fixtures were not built"
need_cmd readelf
# Oracle: the root's libc defines exactly these versions.
readelf -V -W "$C/oldroot/lib/x86_64-linux-gnu/libc.so.6" | grep -q "Name: GLIBC_2.17" || fail "oracle: fake libc lacks 2.17"
readelf -V -W "$C/oldroot/lib/x86_64-linux-gnu/libc.so.6" | grep -q "GLIBC_2.50" && fail "oracle: fake old libc has 2.50"

set +e; "$FERRY" check --sysroot "$C/oldroot" "$C/libuses_fake.so" >"$T/out"; rc=$?; set -e
expect_eq "GLIBC_2.50 against the old root" 1 "$rc"
grep -q "future_fn@GLIBC_2.50 (libc.so.6) is not defined by /lib/x86_64-linux-gnu/libc.so.6" "$T/out" || fail "$(cat "$T/out")"
grep -q "mid_fn" "$T/out" && fail "mid_fn@GLIBC_2.17 is defined by the root: $(cat "$T/out")"

# A program needing only GLIBC_2.2.5 passes the old root.
expect_rc 0 "$FERRY" check --sysroot "$C/oldroot" "$C/libplain.so"
# libm.so.6 is not in that root: a missing library, named.
set +e; "$FERRY" check --sysroot "$C/oldroot" "$C/pow_new" >"$T/pow"; rc=$?; set -e
expect_eq "missing libm" 1 "$rc"
grep -q "libm.so.6 is not found in the sysroot" "$T/pow" || fail "$(cat "$T/pow")"
# JSON carries the issue kinds.
expect_rc 1 "$FERRY" check --json --sysroot "$C/oldroot" "$C/libuses_fake.so" "$C/pow_new" >"$T/out.json"
python3 - "$T/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
kinds = [[i["kind"] for v in f["verdicts"] for i in v["issues"] if i["severity"] == "error"] for f in d["files"]]
assert kinds[0] == ["missing-version"], kinds
assert "missing-library" in kinds[1], kinds
PY
expect_rc 2 "$FERRY" check --sysroot "$T/no-such-root" "$C/libplain.so"
echo ok
