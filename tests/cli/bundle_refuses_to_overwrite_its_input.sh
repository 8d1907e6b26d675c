#!/usr/bin/env bash
# Pins down: `bundle -o prog.sh ./prog.sh` (the output is the program bundled) is refused with a one-line error
# (exit 2) and the program keeps its bytes; the same for an archive output naming the input.
# Oracle: sha256sum of the input before and after; running it.
source "$(dirname "$0")/../common.sh"
prog=$(type -P true)
cp "$prog" "$T/prog.sh"
cp "$prog" "$T/prog.tar.gz"
for p in prog.sh prog.tar.gz; do
  before=$(sha256sum <"$T/$p")
  set +e
  (cd "$T" && "$FERRY" bundle -o "$p" "./$p") >"$T/out" 2>"$T/err"
  rc=$?
  set -e
  cat "$T/err"
  [ "$rc" = 2 ] || fail "$p: exit $rc, expected 2"
  [ "$(wc -l <"$T/err")" = 1 ] || fail "$p: expected a one-line error"
  grep -q "the output is the program" "$T/err" || fail "$p: the message does not say why"
  expect_eq "$p's sha256" "$before" "$(sha256sum <"$T/$p")"
  "$T/$p" || fail "$p no longer runs"
done
echo ok
