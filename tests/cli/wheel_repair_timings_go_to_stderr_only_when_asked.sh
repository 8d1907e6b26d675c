#!/usr/bin/env bash
# Pins down: FERRY_TIMINGS=1 makes `ferry repair` print one line per step (scan, patch, write...) with its wall
# time on stderr, and changes nothing else: stdout (--json, checked by Python's json) and the repaired wheel's
# bytes (cmp, SOURCE_DATE_EPOCH fixed) are the same as without it, and without it stderr is empty.
source "$(dirname "$0")/../common.sh"
whl="$FIX/wheel/simple-1.0-cp311-cp311-linux_x86_64.whl"
[ -f "$whl" ] || skip "wheel fixtures were not built"
export LD_LIBRARY_PATH="$FIX/wheel/lib" SOURCE_DATE_EPOCH=1700000000
FERRY_TIMINGS=1 "$FERRY" repair --json -w "$T/a" "$whl" >"$T/a.json" 2>"$T/a.err" || fail "repair with FERRY_TIMINGS failed"
env -u FERRY_TIMINGS "$FERRY" repair --json -w "$T/b" "$whl" >"$T/b.json" 2>"$T/b.err" || fail "repair failed"
for step in "scan: members hashed, ELF extracted" "patch" "write: the archive, front to back"; do
  grep -Eq "^ferry: +[0-9]+\.[0-9]{3} s  $step\$" "$T/a.err" || fail "no timing line for '$step' in: $(cat "$T/a.err")"
done
expect_eq "stderr without FERRY_TIMINGS" "" "$(cat "$T/b.err")"
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$T/a.json" || fail "stdout is not JSON with FERRY_TIMINGS"
expect_eq "the JSON report" "$(sed "s|$T/a|OUT|g" "$T/a.json")" "$(sed "s|$T/b|OUT|g" "$T/b.json")"
cmp "$T"/a/*.whl "$T"/b/*.whl || fail "the repaired wheels differ"
echo ok
