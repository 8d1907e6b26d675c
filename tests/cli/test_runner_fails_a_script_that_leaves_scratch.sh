#!/usr/bin/env bash
# tests/run_test.sh, which runs every CLI script, gives it a private TMPDIR and fails it when it leaves anything
# there (stop 26: leaked scratch filled a shared disk); a clean script passes, a failing one keeps its exit code,
# and the private TMPDIR is removed in every case. The TMPDIR is short enough to hold a unix socket (Chromium's
# singleton socket needs 46 bytes more, of 107): inside the build directory when that is short, else in /tmp.
# A script declaring "# disk: MB" more than the filesystem has free is skipped (77) without running, saying why;
# FERRY_TEST_DISK_LOG records the peak size a script's TMPDIR reached.
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
B=$short
printf '# disk: 999999999\ntouch %s/ran\n' "$T" >"$T/huge.sh"
printf '# disk: 1\ntouch %s/ran\n' "$T" >"$T/small.sh"
out=$(FERRY_BUILD=$B bash "$SRC/tests/run_test.sh" probe bash "$T/huge.sh") && rc=0 || rc=$?
expect_eq "exit code of a script needing more disk than there is" 77 "$rc"
case $out in "SKIP: needs 999999999 MB free for its scratch; the filesystem of $B/tmp/"*" has "*" MB") ;;
  *) fail "no reason given for the skip: $out" ;; esac
[ ! -e "$T/ran" ] || fail "a script needing more disk than there is was run"
expect_rc 0 env FERRY_BUILD="$B" bash "$SRC/tests/run_test.sh" probe bash "$T/small.sh"
[ -e "$T/ran" ] || fail "a script needing 1 MB was not run"
FERRY_TEST_DISK_LOG=$T/disk.log FERRY_BUILD=$B bash "$SRC/tests/run_test.sh" probe bash -c \
  'head -c 3000000 /dev/zero >"$TMPDIR/f"; sleep 1; rm "$TMPDIR/f"'
read -r logged peak <"$T/disk.log"
expect_eq "the disk log's test name" probe "$logged"
[ "$peak" -ge 3 ] || fail "the disk log says a 3 MB scratch peaked at $peak MB"
echo "ok"
