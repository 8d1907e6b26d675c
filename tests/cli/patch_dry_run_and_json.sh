#!/usr/bin/env bash
# --dry-run prints the layout plan and the size change and writes nothing; --json reports every file with the
# ferry.patch/1 schema (strategy, sizes, plan; errors per file).
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc
build_set "$T/b"
sum=$(sha256sum < "$T/b/prog")
out=$("$FERRY" patch --dry-run --set-rpath "/a/long/path/$(printf 'q%.0s' {1..100})" "$T/b/prog")
# gcc's default layout has padding after the first PT_LOAD: .dynstr grows in place after the version tables
# and relocations slide into it, and the plan says so.
grep -q "strategy: in place" <<<"$out" || fail "no strategy line: $out"
grep -qE "slid .*\.gnu\.version.* forward by [0-9]+ bytes" <<<"$out" || fail "no slide step: $out"
grep -q "size: \([0-9]*\) -> \1 bytes (+0)" <<<"$out" || fail "the file should keep its size: $out"
grep -q "DT_RUNPATH: \[\$ORIGIN\] -> \[/a/long/path/" <<<"$out" || fail "no rpath step: $out"
grep -qE "size: [0-9]+ -> [0-9]+ bytes \(\+[0-9]+\)" <<<"$out" || fail "no size line: $out"
expect_eq "dry run writes nothing" "$sum" "$(sha256sum < "$T/b/prog")"
json=$("$FERRY" patch --json --set-rpath /x "$T/b/prog" "$T/missing" || true)
python3 - "$json" "$T/b/prog" <<'P' || fail "bad JSON report: $json"
import json, sys
d = json.loads(sys.argv[1])
assert d["schema"] == "ferry.patch/1" and d["ok"] is False
f, m = d["files"]
assert f["path"] == sys.argv[2] and f["changed"] is True and f["strategy"] == "in place", f
assert f["new_size"] == f["old_size"] and "plan" in f
assert "error" in m and m["path"].endswith("missing")
P
echo ok
