#!/usr/bin/env bash
# TMPDIR naming a directory that does not exist: show and repair exit 2 with one line naming that directory (not
# "no directory for temporary files was given", which std::filesystem::temp_directory_path() led to), write no
# wheel, and create nothing there. Oracle: the stderr line, the exit code, the file system.
source "$(dirname "$0")/../common.sh"
whl=$FIX/wheel/simple-1.0-cp311-cp311-linux_x86_64.whl
[ -f "$whl" ] || skip "wheel fixtures were not built"
export LD_LIBRARY_PATH=$FIX/wheel/lib
for cmd in show repair; do
  args=("$whl")
  [ $cmd = show ] || args+=(-w "$T/out")
  set +e
  TMPDIR=$T/nope "$FERRY" $cmd "${args[@]}" >/dev/null 2>"$T/err"
  rc=$?
  set -e
  expect_eq "$cmd: exit code" 2 "$rc"
  expect_eq "$cmd: stderr" "ferry: $T/nope: cannot create a scratch directory: No such file or directory" "$(cat "$T/err")"
  [ ! -e "$T/nope" ] || fail "$cmd created the missing TMPDIR"
  [ -z "$(ls -A "$T/out" 2>/dev/null)" ] || fail "$cmd wrote into the wheel directory"
done
# An empty TMPDIR means /tmp, as for mktemp: the report comes (exit 1: the wheel needs a graft).
TMPDIR= "$FERRY" show "$whl" >"$T/report" || true
grep -q "needs libfb.so.1" "$T/report" || fail "show with an empty TMPDIR gave no report"
echo "ok"
