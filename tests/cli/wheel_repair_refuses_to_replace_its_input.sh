#!/usr/bin/env bash
# Pins down: `repair --no-update-tags -w <the input's folder>` would write the repaired wheel over the input: it is
# refused with a one-line error (exit 2) and the input keeps its bytes. Into another folder it works.
# Oracle: sha256sum of the input before and after.
source "$(dirname "$0")/../common.sh"
whl="$FIX/wheel/simple-1.0-cp311-cp311-linux_x86_64.whl"
[ -f "$whl" ] || skip "wheel fixtures were not built"
export LD_LIBRARY_PATH="$FIX/wheel/lib"
mkdir "$T/in"
cp "$whl" "$T/in/"
before=$(sha256sum <"$T/in/$(basename "$whl")")
expect_refused "repair into the input's folder" "replace the input" \
  "$FERRY" repair --no-update-tags -w "$T/in" "$T/in/$(basename "$whl")"
expect_eq "the input's sha256" "$before" "$(sha256sum <"$T/in/$(basename "$whl")")"
expect_eq "files in the input folder" "$(basename "$whl")" "$(ls -A "$T/in")"
expect_rc 0 "$FERRY" repair --no-update-tags -w "$T/other" "$T/in/$(basename "$whl")"
[ -f "$T/other/$(basename "$whl")" ] || fail "no output in another folder"
echo ok
