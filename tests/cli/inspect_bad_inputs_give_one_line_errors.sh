#!/usr/bin/env bash
# Bad inputs (empty, truncated, not a binary, missing, a directory of mixed files) give one-line errors that
# name the file, exit 2, and never crash; non-binaries found in directories are skipped and counted.
source "$(dirname "$0")/../common.sh"
: >"$T/empty"
head -c 100 "$FIX/elf/app_runpath" >"$T/truncated"
echo "hello" >"$T/notes.txt"

for f in empty truncated notes.txt; do
  set +e
  "$FERRY" inspect "$T/$f" >"$T/out" 2>"$T/err"
  rc=$?
  set -e
  expect_eq "exit status for $f" 2 "$rc"
  [ "$(wc -l <"$T/err")" = 1 ] || fail "expected one error line for $f, got: $(cat "$T/err")"
  grep -q "^ferry: $T/$f: " "$T/err" || fail "error does not name the file: $(cat "$T/err")"
done
grep -q "empty file" <("$FERRY" inspect "$T/empty" 2>&1 || true) || fail "empty file not named as such"
expect_rc 2 "$FERRY" inspect "$T/does-not-exist"

# A directory: binaries are read, the text file is skipped silently and counted, exit 0.
mkdir "$T/dir"
cp "$FIX/elf/app_runpath" "$FIX/elf/libver.so.1" "$T/dir/"
cp "$T/notes.txt" "$T/dir/"
"$FERRY" inspect --json "$T/dir" >"$T/dir.json"
python3 - "$T/dir.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "ferry.inspect/1"
assert [f["path"].rsplit("/", 1)[1] for f in d["files"]] == ["app_runpath", "libver.so.1"], d["files"]
assert d["summary"] == {"files": 2, "skipped": 1, "errors": 0}, d["summary"]
PY
# Output order is stable whatever the parallelism.
"$FERRY" inspect -j 1 "$FIX/elf" >"$T/j1"
"$FERRY" inspect -j 4 "$FIX/elf" >"$T/j4"
cmp "$T/j1" "$T/j4" || fail "output order depends on --jobs"
# No colour codes when NO_COLOR is set or stdout is not a terminal.
! grep -q $'\033' "$T/j1" || fail "colour codes in non-terminal output"
echo "ok"
