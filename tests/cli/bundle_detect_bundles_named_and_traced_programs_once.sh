#!/usr/bin/env bash
# `ferry bundle PROG --detect -- PROG ARGS`: the program named before -- and traced is bundled once, with what
# the run opened (the dlopen'ed plugin, checked by running the bundle); a different traced program is bundled
# too; a traced script only drives the run (a note says so). A command after -- without --detect, --detect
# without a command and an unknown option are usage errors (exit 2, one line).
source "$(dirname "$0")/../common.sh"
probe=$FIX/bundle/probe
"$FERRY" bundle "$probe" -o "$T/b1" --detect -- "$probe" dlopen libprobeplugin.so >/dev/null
expect_eq "programs (named and traced)" "probe" "$(ls "$T/b1/bin")"
expect_eq "plugin found by the run" "dlopen=ok libprobeplugin.so 7" "$("$T/b1/bin/probe" dlopen libprobeplugin.so)"

"$FERRY" bundle "$probe" -o "$T/b2" --detect -- /usr/bin/true >/dev/null
expect_eq "programs (named, another traced)" "probe
true" "$(ls "$T/b2/bin")"
expect_rc 0 "$T/b2/bin/true"

printf '#!/bin/sh\nexec "$1" dlopen libprobeplugin.so\n' >"$T/drive.sh"
chmod +x "$T/drive.sh"
"$FERRY" bundle "$probe" -o "$T/b3" --detect -- "$T/drive.sh" "$probe" >/dev/null 2>"$T/err"
expect_eq "programs (named, a script traced)" "probe" "$(ls "$T/b3/bin")"
grep -q "drive.sh is not a dynamically linked program" "$T/err" || fail "no note about the script: $(cat "$T/err")"
expect_eq "plugin found through the script's run" "dlopen=ok libprobeplugin.so 7" \
  "$("$T/b3/bin/probe" dlopen libprobeplugin.so)"

for args in "$probe -o $T/u1 -- $probe" "-o $T/u2 --detect" "$probe -o $T/u3 --bogus"; do
  set +e
  # shellcheck disable=SC2086
  "$FERRY" bundle $args >/dev/null 2>"$T/err"
  rc=$?
  set -e
  expect_eq "exit code of bundle $args" 2 "$rc"
  expect_eq "error lines of bundle $args" 1 "$(wc -l <"$T/err")"
done
echo PASS
