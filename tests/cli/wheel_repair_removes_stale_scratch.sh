#!/usr/bin/env bash
# Pins down: a killed show/repair does not leave scratch behind for good. Scratch folders are named after their
# process (TMPDIR/ferry-wheel-<pid>-XXXXXX, OUTDIR/.ferry-wheel-<pid>-XXXXXX); the next run removes those whose
# process is gone and keeps those of a live process. A repair killed with SIGKILL mid-run leaves folders the next
# run removes, and a finished run leaves none.
# Oracle: the folders are made here (a dead pid: a finished child's); ls after the runs.
source "$(dirname "$0")/../common.sh"
whl="$FIX/wheel/simple-1.0-cp311-cp311-linux_x86_64.whl"
[ -f "$whl" ] || skip "wheel fixtures were not built"
export LD_LIBRARY_PATH="$FIX/wheel/lib"
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR" "$T/out"
sh -c 'exit 0' & dead=$!
wait "$dead"
kill -0 "$dead" 2>/dev/null && skip "pid $dead was reused at once"
live=$$
for d in "$TMPDIR/ferry-wheel-$dead-AbC123" "$T/out/.ferry-wheel-$dead-AbC123"; do mkdir -p "$d/root/x"; echo x >"$d/root/x/f"; done
for d in "$TMPDIR/ferry-wheel-$live-XyZ789" "$T/out/.ferry-wheel-$live-XyZ789"; do mkdir -p "$d"; done
expect_rc 0 "$FERRY" repair "$whl" -w "$T/out" >/dev/null
[ ! -e "$TMPDIR/ferry-wheel-$dead-AbC123" ] || fail "the dead process's scratch in TMPDIR was kept"
[ ! -e "$T/out/.ferry-wheel-$dead-AbC123" ] || fail "the dead process's scratch in the output folder was kept"
[ -d "$TMPDIR/ferry-wheel-$live-XyZ789" ] || fail "a live process's scratch in TMPDIR was removed"
[ -d "$T/out/.ferry-wheel-$live-XyZ789" ] || fail "a live process's scratch in the output folder was removed"
rmdir "$TMPDIR/ferry-wheel-$live-XyZ789" "$T/out/.ferry-wheel-$live-XyZ789"
expect_eq "TMPDIR after a finished run" "" "$(ls -A "$TMPDIR")"
expect_eq "hidden files in the output folder" "" "$(ls -A "$T/out" | grep '^\.' || true)"
echo ok
