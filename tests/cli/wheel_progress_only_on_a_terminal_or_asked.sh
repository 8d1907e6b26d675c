#!/usr/bin/env bash
# Pins down how `repair` and `show` report progress: nothing on a pipe (CI logs stay clean); --progress on a pipe
# prints plain lines naming the phase with files and bytes ("checking: 7/7 files, ..."); on a terminal (a pty made
# by util-linux `script`) --progress rewrites one line in place (carriage return + erase-to-end, no newline per
# update) and erases it when the phase ends; on a terminal without --progress, work shorter than ~2 s shows nothing.
# Oracle: the bytes that reach the pipe and the pty.
source "$(dirname "$0")/../common.sh"
W=$FIX/wheel
whl=$W/simple-1.0-cp311-cp311-linux_x86_64.whl
[ -f "$whl" ] || skip "wheel fixtures were not built"
need_cmd script
export LD_LIBRARY_PATH=$W/lib

# A pipe, not asked: nothing on stderr.
"$FERRY" repair "$whl" -w "$T/a" >/dev/null 2>"$T/err"
[ ! -s "$T/err" ] || fail "repair on a pipe wrote to stderr: $(cat -A "$T/err")"
set +e; "$FERRY" show "$whl" >/dev/null 2>"$T/err"; set -e
[ ! -s "$T/err" ] || fail "show on a pipe wrote to stderr: $(cat -A "$T/err")"

# A pipe, asked: plain lines, one per phase end at least, never a carriage return.
"$FERRY" repair "$whl" -w "$T/b" --progress >/dev/null 2>"$T/err"
grep -Eq '^checking: [0-9]+/[0-9]+ files, [0-9.]+ [KMG]?B/[0-9.]+ [KMG]?B' "$T/err" || fail "no checking line: $(cat -A "$T/err")"
grep -Eq '^writing: ([0-9]+)/\1 files' "$T/err" || fail "no finished writing line: $(cat -A "$T/err")"
! grep -q $'\r' "$T/err" || fail "carriage return on a pipe: $(cat -A "$T/err")"

# A terminal, asked: the line is rewritten in place and erased at the end.
script -qec "'$FERRY' repair '$whl' -w '$T/c' --progress >/dev/null" /dev/null >"$T/tty" </dev/null
grep -q $'\r'"writing: " "$T/tty" || fail "no in-place line on a terminal: $(cat -A "$T/tty")"
grep -q $'\r\033\\[K' "$T/tty" || fail "the line is not erased at the end: $(cat -A "$T/tty")"

# A terminal, not asked: this short run shows nothing.
script -qec "'$FERRY' repair '$whl' -w '$T/d' >/dev/null" /dev/null >"$T/tty2" </dev/null
! grep -q "checking:\|writing:" "$T/tty2" || fail "progress for a short run: $(cat -A "$T/tty2")"
echo ok
