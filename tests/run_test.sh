#!/usr/bin/env bash
# Runs one CLI behaviour script with a private TMPDIR under the build directory, and fails it if it leaves anything
# there. Why: scripts that made scratch with tempfile.mkdtemp() and never removed it left 770 MB in /tmp per suite
# run; on a machine whose disk is shared, repeated runs filled it and a later CI run failed 30 tests with ENOSPC
# (stop 26). Every tool a script starts (python's tempfile, mktemp, ferry's own scratch) honours TMPDIR, so a leak
# now fails the script that made it instead of a stranger's run, and a killed script's leftovers stay in the build
# directory, which a clean clone throws away.
# usage: run_test.sh TEST-NAME COMMAND...
set -u
name=$1
shift
# Named by a checksum of the test's name, not the name: a unix socket's path holds at most 107 bytes, and
# Chromium's singleton socket under a TMPDIR named after its test did not fit. A build directory deep enough to
# make even that too long gets a directory in /tmp instead.
dir=${FERRY_BUILD:?run through ctest (FERRY_BUILD is not set)}/tmp/$(printf %s "$name" | cksum | cut -d' ' -f1)
if [ ${#dir} -gt 60 ]; then
  dir=$(mktemp -d /tmp/ferry-ctest.XXXXXX) || exit 1
else
  rm -rf "$dir" # what a killed earlier run of this script left
  mkdir -p "$dir" || exit 1
fi
TMPDIR=$dir "$@"
rc=$?
left=$(find "$dir" -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null | cut -c1-300)
rm -rf "$dir"
if [ -n "$left" ] && [ "$rc" = 0 ]; then
  echo "FAIL: $name left scratch behind in its TMPDIR: $left" >&2
  exit 1
fi
exit "$rc"
