#!/usr/bin/env bash
# Pins down the progress line of repair, show and check for work that lasts (FERRY_PROGRESS_AFTER_MS=0 stands for
# the ~2 s a terminal waits, so the fixtures count as long work): on a terminal (a pty made by util-linux `script`)
# without --progress, one line is rewritten in place (carriage return, erase-to-end) naming the phase, files and
# bytes, and erased when the phase ends; on a pipe, nothing at all is written to stderr; on a pipe with
# --progress, plain lines (no carriage return). Oracle: the bytes that reach the pty and the pipe.
source "$(dirname "$0")/../common.sh"
W=$FIX/wheel
whl=$W/simple-1.0-cp311-cp311-linux_x86_64.whl
[ -f "$whl" ] || skip "wheel fixtures were not built"
need_cmd script
export LD_LIBRARY_PATH=$W/lib FERRY_PROGRESS_AFTER_MS=0
line=$'\r''checking: [0-9]+/[0-9]+ files, [0-9.]+ [KMG]?B/[0-9.]+ [KMG]?B(, [0-9.]+ [KMG]?B/s)?'

for cmd in "repair '$whl' -w '$T/r'" "show '$whl'" "check '$W/lib' '$whl'"; do
  name=${cmd%% *}
  # A terminal, not asked: the line, in place, then erased.
  script -qec "'$FERRY' $cmd >/dev/null" /dev/null >"$T/tty.$name" </dev/null || true
  grep -Eqa "$line" "$T/tty.$name" || fail "$name: no progress line on a terminal: $(cat -A "$T/tty.$name")"
  grep -qa $'\r\033\\[K' "$T/tty.$name" || fail "$name: the line is not erased at the end: $(cat -A "$T/tty.$name")"
  # A pipe, not asked: nothing on stderr.
  rm -rf "$T/r"
  eval "'$FERRY' $cmd" >/dev/null 2>"$T/pipe.$name" || true
  [ ! -s "$T/pipe.$name" ] || fail "$name: wrote to stderr on a pipe: $(cat -A "$T/pipe.$name")"
  # A pipe, asked: plain lines.
  rm -rf "$T/r"
  eval "'$FERRY' $cmd --progress" >/dev/null 2>"$T/asked.$name" || true
  grep -Eq "^${line#$'\r'}" "$T/asked.$name" || fail "$name --progress: no plain line on a pipe: $(cat -A "$T/asked.$name")"
  ! grep -q $'\r' "$T/asked.$name" || fail "$name --progress: carriage return on a pipe: $(cat -A "$T/asked.$name")"
  rm -rf "$T/r"
done
echo ok
