#!/usr/bin/env bash
# Pins down `ferry show`: the best tag a wheel satisfies, why better tags are refused (libraries with the paths
# they resolve to, symbol versions with their symbols, blacklisted symbols), --json (schema ferry.show/1), and a
# real exit code: 0 when the wheel satisfies --plat, 1 when not, 2 for unreadable input.
source "$(dirname "$0")/../common.sh"
need_wheel_fixtures chain-1.0-cp311-cp311-linux_x86_64.whl
need_cmd python3

# A wheel that needs grafting: linux_x86_64 only; show names the libraries and where they resolve.
set +e
LD_LIBRARY_PATH=$W/lib "$FERRY" show "$W/chain-1.0-cp311-cp311-linux_x86_64.whl" >"$T/out"
rc=$?
set -e
expect_eq "unrepaired chain exit" 1 "$rc"
grep -q "consistent with platform tag: linux_x86_64" "$T/out" || fail "$(cat "$T/out")"
grep -q "libfa.so.1 => $(readlink -f "$W/lib")/libfa.so.1.2.3" "$T/out" || fail "resolution not shown: $(cat "$T/out")"
grep -q "can reach: manylinux_2_5_x86_64" "$T/out" || fail "repairable tag not shown: $(cat "$T/out")"

# After repair it satisfies manylinux1 (= manylinux_2_5) and the JSON says so.
LD_LIBRARY_PATH=$W/lib "$FERRY" repair "$W/chain-1.0-cp311-cp311-linux_x86_64.whl" -w "$T/wh" >/dev/null
fixed=$(ls "$T"/wh/*.whl)
"$FERRY" show "$fixed" --plat manylinux1_x86_64 >"$T/out"
grep -q "consistent with platform tag: manylinux_2_5_x86_64 (alias manylinux1_x86_64)" "$T/out" || fail "$(cat "$T/out")"
"$FERRY" show --json "$fixed" >"$T/json"
python3 - "$T/json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "ferry.show/1", d
w = d["wheels"][0]
assert w["best_tag"] == "manylinux_2_5_x86_64" and w["satisfies"] and w["external_libraries"] == [], w
PY

# Symbol versions: newsym needs GLIBC_2.25 (getrandom): manylinux_2_28 passes, manylinux2014 fails naming it.
"$FERRY" show "$W/newsym-1.0-cp311-cp311-linux_x86_64.whl" --plat manylinux_2_28_x86_64 >/dev/null
set +e
"$FERRY" show "$W/newsym-1.0-cp311-cp311-linux_x86_64.whl" --plat manylinux2014_x86_64 >"$T/out"
rc=$?
set -e
expect_eq "newsym vs manylinux2014" 1 "$rc"
grep -q "getrandom@GLIBC_2.25" "$T/out" || fail "symbol not named: $(cat "$T/out")"
grep -q "GLIBC_2.25" "$T/out" || fail "version not listed: $(cat "$T/out")"

# Blacklisted symbols are named.
set +e
"$FERRY" show "$W/blacklisted-1.0-cp311-cp311-linux_x86_64.whl" >"$T/out"
rc=$?
set -e
expect_eq "blacklisted exit" 1 "$rc"
grep -q "_tr_init (libz.so.1) is blacklisted" "$T/out" || fail "$(cat "$T/out")"

# Bad input: exit 2 with one line naming the file.
echo "not a zip" >"$T/broken-1.0-py3-none-any.whl"
set +e
"$FERRY" show "$T/broken-1.0-py3-none-any.whl" 2>"$T/err"
rc=$?
set -e
expect_eq "broken exit" 2 "$rc"
grep -q "broken-1.0-py3-none-any.whl: not a readable zip archive" "$T/err" || fail "$(cat "$T/err")"
expect_rc 2 "$FERRY" show "$T/nonexistent-1.0-py3-none-any.whl"
expect_rc 2 "$FERRY" show "$T/not-a-wheel-name.zip"
echo ok
