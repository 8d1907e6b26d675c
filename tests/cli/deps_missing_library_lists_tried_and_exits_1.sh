#!/usr/bin/env bash
# A missing library is shown in the tree with every directory tried, in order, and the exit status is 1;
# --json lists it under "missing"; --why explains the search. Oracle: the program really fails to start.
source "$(dirname "$0")/../common.sh"
d=$FIX/resolve/17_missing_lists_tried
[ -x "$d/main" ] || fail "fixture $d/main missing"
set +e; "$d/main" 2>"$T/run.err"; rc=$?; set -e
[ "$rc" != 0 ] || fail "the fixture program started although libmissing.so.1 is missing"
grep -q "libmissing.so.1" "$T/run.err" || fail "loader error does not name the library"

expect_rc 1 "$FERRY" deps --ld-library-path /nonexistent-llp "$d/main" > "$T/tree.txt"
grep -q "libmissing.so.1 not found" "$T/tree.txt" || fail "tree does not show the missing library"
# The places tried, in the loader's order: RPATH, LD_LIBRARY_PATH, cache, default dirs.
grep "  tried " "$T/tree.txt" | sed 's/.*tried \([^ ]*\) .*/\1/' > "$T/tried.txt"
printf '%s\n' "$d/nowhere" /nonexistent-llp /etc/ld.so.cache /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib /usr/lib \
  > "$T/want.txt"
diff "$T/want.txt" "$T/tried.txt" || fail "directories tried differ from the loader's order"
if grep -q $'\e\[' "$T/tree.txt"; then fail "colour codes with NO_COLOR set"; fi

expect_rc 1 "$FERRY" deps --json "$d/main" > "$T/out.json"
python3 - "$T/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "ferry.deps/1", d["schema"]
f = d["files"][0]
assert f["missing"] == ["libmissing.so.1"], f["missing"]
assert f["complete"] is False
node = f["tree"]["children"][0]
assert node["path"] is None and node["rule"] == "not_found" and node["tried"][0]["rule"] == "rpath", node
PY
expect_rc 1 "$FERRY" deps --why libmissing.so.1 "$d/main" > "$T/why.txt"
grep -q "resolved: not found" "$T/why.txt" || fail "--why does not say it is missing"
grep -q "1\. $d/nowhere  (RPATH of $d/main)" "$T/why.txt" || fail "--why does not number the search order"
echo ok
