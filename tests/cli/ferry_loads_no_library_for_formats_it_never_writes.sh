#!/usr/bin/env bash
# The build's ferry takes libarchive from its static archive without the xar writer (tools/no_xar_writer.cpp):
# libxml2, which only that writer uses, and ICU, which libxml2 loads, are not among the libraries the loader
# maps at every start. libarchive's other dependencies stay shared. Oracles: nm, ldd.
source "$(dirname "$0")/../common.sh"
nm "$FERRY" >"$T/nm.txt" 2>/dev/null || true
grep -q ' T archive_read_new$' "$T/nm.txt" ||
  skip "this build links libarchive.so (no libarchive.a with libxml2 among its dependencies)"
ldd "$FERRY" >"$T/ldd.txt" || fail "ldd failed on $FERRY"
grep -q 'libarchive' "$T/ldd.txt" && fail "ferry links libarchive statically and still loads libarchive.so"
if grep -E 'libxml2|libicu' "$T/ldd.txt"; then fail "ferry still loads libxml2 or ICU"; fi
grep -q 'libzstd' "$T/ldd.txt" || fail "libarchive's other dependencies should stay shared: $(cat "$T/ldd.txt")"
echo ok
