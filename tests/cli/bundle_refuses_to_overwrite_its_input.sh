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
  expect_refused "$p" "the output is the program" env -C "$T" "$FERRY" bundle -o "$p" "./$p"
  expect_eq "$p's sha256" "$before" "$(sha256sum <"$T/$p")"
  "$T/$p" || fail "$p no longer runs"
done
echo ok
