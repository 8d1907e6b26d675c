#!/usr/bin/env bash
# tests/run_test.sh, which runs every CLI script, gives it a private TMPDIR and fails it when it leaves anything
# there (stop 26: leaked scratch filled a shared disk); a clean script passes, a failing one keeps its exit code,
# and the private TMPDIR is removed in every case. The TMPDIR is short enough to hold a unix socket (Chromium's
# singleton socket needs 46 bytes more, of 107): inside the build directory when that is short, else in /tmp.
source "$(dirname "$0")/../common.sh"
short=$(mktemp -d /tmp/ferry-rt.XXXXXX)
trap 'rm -rf "$T" "$short"' EXIT
deep=$T/a-build-directory-deep-enough-that-a-socket-would-not-fit-under-it
run() { FERRY_BUILD=$B bash "$SRC/tests/run_test.sh" probe bash -c "echo \"\$TMPDIR\" >$T/where; $1" 2>"$T/err"; }
gone() { [ ! -e "$(cat "$T/where")" ] || fail "$B: $1: its TMPDIR $(cat "$T/where") was not removed"; }
for B in "$short" "$deep"; do
  expect_rc 1 run 'mktemp -d >/dev/null'
  grep -q "^FAIL: probe left scratch behind in its TMPDIR: tmp\." "$T/err" || { cat "$T/err"; fail "$B: no leak reported"; }
  gone "a leak"
  expect_rc 0 run 'd=$(mktemp -d) && [ "${d%/*}" = "$TMPDIR" ] && [ ${#TMPDIR} -le 60 ] && rm -rf "$d"'
  gone "a clean run"
  expect_rc 3 run 'mktemp >/dev/null; exit 3'
  gone "a failure"
  # Python's tempfile follows TMPDIR too.
  expect_rc 1 run 'python3 -c "import tempfile; tempfile.mkdtemp()"'
  gone "a Python leak"
done
B=$short
run true
case $(cat "$T/where") in "$short"/tmp/*) ;; *) fail "a short build directory's scripts got TMPDIR $(cat "$T/where")" ;; esac
B=$deep
run true
case $(cat "$T/where") in /tmp/ferry-ctest.*) ;; *) fail "a deep build directory's scripts got TMPDIR $(cat "$T/where")" ;; esac
echo "ok"
