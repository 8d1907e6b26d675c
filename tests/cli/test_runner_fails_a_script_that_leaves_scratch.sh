#!/usr/bin/env bash
# tests/run_test.sh, which runs every CLI script, gives it a private TMPDIR and fails it when it leaves anything
# there (stop 26: leaked scratch filled a shared disk); a clean script passes, a failing one keeps its exit code,
# and the private TMPDIR is removed in every case.
source "$(dirname "$0")/../common.sh"
run() { FERRY_BUILD=$T/build bash "$SRC/tests/run_test.sh" probe bash -c "$1" 2>"$T/err"; }
expect_rc 1 run 'mktemp -d >/dev/null'
grep -q "^FAIL: probe left scratch behind in its TMPDIR: tmp\." "$T/err" || { cat "$T/err"; fail "no leak reported"; }
[ ! -e "$T/build/tmp/probe" ] || fail "the leaked scratch was not removed"
expect_rc 0 run 'd=$(mktemp -d) && [ "${d%/*}" = "$TMPDIR" ] && rm -rf "$d"'
expect_rc 3 run 'mktemp >/dev/null; exit 3'
[ ! -e "$T/build/tmp/probe" ] || fail "a failing script's scratch was not removed"
# Python's tempfile follows TMPDIR too.
expect_rc 1 run 'python3 -c "import tempfile; tempfile.mkdtemp()"'
echo "ok"
