#!/usr/bin/env bash
# `ferry patch` takes the patchelf-parity edits under the same names, and --dry-run / --json describe them
# (set-os-abi, add-debug-tag, rename-dynamic-symbols with the hash-table reordering) without writing; the same
# call without --dry-run then does what the plan said, as readelf and nm read it.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc
need_cmd readelf
need_cmd nm
build_set "$T/b"
lib=$T/b/libfoo.so.1
nm -D --defined-only "$lib" | awk '$NF ~ /^foo/ {sub(/@.*/, "", $NF); print $NF, $NF "_x"}' | sort -u >"$T/map"
[ -s "$T/map" ] || skip "libfoo exports no foo* symbol"
sum=$(sha256sum <"$lib")
args=(--set-os-abi FreeBSD --add-debug-tag --rename-dynamic-symbols "$T/map")
out=$("$FERRY" patch --dry-run "${args[@]}" "$lib")
grep -q "set-os-abi: System V -> FreeBSD" <<<"$out" || fail "no os-abi step: $out"
grep -q "add-debug-tag: DT_DEBUG added" <<<"$out" || fail "no debug-tag step: $out"
grep -qE "rename-dynamic-symbols: [0-9]+ symbol\(s\) renamed" <<<"$out" || fail "no rename step: $out"
expect_eq "dry run writes nothing" "$sum" "$(sha256sum <"$lib")"
json=$("$FERRY" patch --json --dry-run "${args[@]}" "$lib")
python3 - "$json" <<'P' || fail "bad JSON: $json"
import json, sys
d = json.loads(sys.argv[1])
f = d["files"][0]
assert d["schema"] == "ferry.patch/1" and d["ok"] is True and f["changed"] is True, d
for step in ("set-os-abi: System V -> FreeBSD", "add-debug-tag: DT_DEBUG added", "rename-dynamic-symbols:"):
    assert step in f["plan"], (step, f["plan"])
P
expect_eq "json dry run writes nothing" "$sum" "$(sha256sum <"$lib")"
"$FERRY" patch "${args[@]}" "$lib" >/dev/null
readelf -hW "$lib" | has "UNIX - FreeBSD" || fail "OS ABI not written"
readelf -dW "$lib" | has "(DEBUG)" || fail "DT_DEBUG not written"
expect_eq "renamed exports" "$(awk '{print $2}' "$T/map")" \
  "$(nm -D --defined-only "$lib" | awk '$NF ~ /^foo/ {sub(/@.*/, "", $NF); print $NF}' | sort -u)"
nm -D "$lib" | has "foo_value_x@@FOO_1.0" || fail "the renamed symbol lost its version: $(nm -D "$lib")"
echo ok
