#!/usr/bin/env bash
# --add-debug-tag adds DT_DEBUG to a library that has none (readelf -d shows it), once: a second run, or a file
# that has one (a program), is left byte-identical. The library still loads and works (a program linked to it
# runs with LD_BIND_NOW=1), and patchelf 0.19.3 reads the same tags.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc
need_cmd readelf
build_set "$T/b"
has_debug() { readelf -dW "$1" | has "(DEBUG)"; }
has_debug "$T/b/libfoo.so.1" && skip "the linker already put DT_DEBUG in a library"
cp "$T/b/libfoo.so.1" "$T/orig.so"
"$FERRY" patchelf --add-debug-tag "$T/b/libfoo.so.1"
has_debug "$T/b/libfoo.so.1" || fail "no DT_DEBUG after --add-debug-tag"
expect_eq "one DT_DEBUG" 1 "$(readelf -dW "$T/b/libfoo.so.1" | grep -c '(DEBUG)')"
expect_eq "other tags kept" "$(readelf -dW "$T/orig.so" | grep -v DEBUG | awk '/^ 0x/ {print $2}' | sort | uniq -c)" \
  "$(readelf -dW "$T/b/libfoo.so.1" | grep -v DEBUG | awk '/^ 0x/ {print $2}' | sort | uniq -c)"
check_clean "$T/orig.so" "$T/b/libfoo.so.1"
cp "$T/b/libfoo.so.1" "$T/again.so"
"$FERRY" patchelf --add-debug-tag "$T/again.so"
cmp -s "$T/b/libfoo.so.1" "$T/again.so" || fail "adding DT_DEBUG twice changed the bytes"
out=$(run_bound "$T/b/prog") || fail "the program does not run with the patched library: $out"
if has_debug "$T/b/prog"; then
  cp "$T/b/prog" "$T/prog2"
  "$FERRY" patchelf --add-debug-tag "$T/prog2"
  cmp -s "$T/b/prog" "$T/prog2" || fail "a program with DT_DEBUG was changed"
fi
optional_patchelf
if [ -n "$PE" ]; then
  cp "$T/orig.so" "$T/pe.so"
  "$PE" --add-debug-tag "$T/pe.so"
  tags() { readelf -dW "$1" | awk '/^ 0x/ {print $2}' | sort; }
  expect_eq "same tags as patchelf's" "$(tags "$T/pe.so")" "$(tags "$T/b/libfoo.so.1")"
fi
echo ok
