#!/usr/bin/env bash
# Runs one CLI behaviour script with a private TMPDIR under the build directory, and fails it if it leaves anything
# there. Why: scripts that made scratch with tempfile.mkdtemp() and never removed it left 770 MB in /tmp per suite
# run; on a machine whose disk is shared, repeated runs filled it and a later CI run failed 30 tests with ENOSPC
# (stop 26). Every tool a script starts (python's tempfile, mktemp, ferry's own scratch) honours TMPDIR, so a leak
# now fails the script that made it instead of a stranger's run, and a killed script's leftovers stay in the build
# directory, which a clean clone throws away.
# A script that needs much scratch declares it, "# disk: MB" (the peak its TMPDIR reached, measured with
# FERRY_TEST_DISK_LOG, with room to spare); on a filesystem with less free than that it is skipped, saying why,
# instead of failing with ENOSPC for the machine's reason. FERRY_TEST_DISK_LOG=FILE appends each script's peak.
# usage: run_test.sh TEST-NAME COMMAND... SCRIPT
set -u
name=$1
shift
# Named by a checksum of the test's name, not the name: a unix socket's path holds at most 107 bytes, and
# Chromium's singleton socket under a TMPDIR named after its test did not fit. A build directory deep enough to
# make even that too long gets a directory in /tmp instead (which a killed script's leftovers then outlive).
dir=${FERRY_BUILD:?run through ctest (FERRY_BUILD is not set)}/tmp/$(printf %s "$name" | cksum | cut -d' ' -f1)
if [ ${#dir} -gt 60 ]; then
  dir=$(mktemp -d /tmp/ferry-ctest.XXXXXX) || exit 1
else
  rm -rf "$dir" # what a killed earlier run of this script left
  mkdir -p "$dir" || exit 1
fi
need=$(sed -n 's/^# disk: *\([0-9][0-9]*\).*/\1/p' "${!#}" 2>/dev/null | head -n1)
if [ -n "$need" ]; then
  free=$(df -Pm "$dir" | awk 'NR == 2 { print $4 }')
  if [ -n "$free" ] && [ "$free" -lt "$need" ]; then
    rm -rf "$dir"
    echo "SKIP: needs $need MB free for its scratch; the filesystem of $dir has $free MB"
    exit 77
  fi
fi
if [ -n "${FERRY_TEST_DISK_LOG:-}" ]; then
  TMPDIR=$dir "$@" </dev/null &
  pid=$!
  peak=0
  while kill -0 "$pid" 2>/dev/null; do
    now=$(du -sm "$dir" 2>/dev/null | cut -f1)
    [ "${now:-0}" -gt "$peak" ] && peak=$now
    sleep 0.3
  done
  wait "$pid"
  rc=$?
  echo "$name $peak" >>"$FERRY_TEST_DISK_LOG"
else
  TMPDIR=$dir "$@"
  rc=$?
fi
left=$(find "$dir" -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null | cut -c1-300)
rm -rf "$dir"
if [ -n "$left" ] && [ "$rc" = 0 ]; then
  echo "FAIL: $name left scratch behind in its TMPDIR: $left" >&2
  exit 1
fi
exit "$rc"
