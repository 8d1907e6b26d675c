#!/usr/bin/env bash
# --print-rpath on a separate debug file (objcopy --only-keep-debug: PT_DYNAMIC maps no bytes, .dynamic and
# .dynstr are NOBITS) succeeds and prints nothing, as patchelf does, instead of calling the file malformed; the
# other queries read the same "no dynamic section". The library it was split from still prints its RUNPATH.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc
need_cmd objcopy
need_cmd readelf
gcc -O1 -shared -fPIC -o "$T/libdbg.so" "$SRC/fixtures/patch/libextra.c" -Wl,-soname,libdbg.so -Wl,-rpath,/opt/dbg/lib
objcopy --only-keep-debug "$T/libdbg.so" "$T/libdbg.debug"
readelf -SW "$T/libdbg.debug" | has "\.dynamic *NOBITS" || skip "objcopy kept .dynamic's contents"
expect_eq "library rpath" /opt/dbg/lib "$("$FERRY" patchelf --print-rpath "$T/libdbg.so")"
out=$("$FERRY" patchelf --print-rpath "$T/libdbg.debug") || fail "patchelf mode refuses the debug file"
expect_eq "debug file rpath (patchelf mode)" "" "$out"
expect_eq "no line at all" 0 "$("$FERRY" patchelf --print-rpath "$T/libdbg.debug" | wc -c)"
out=$("$FERRY" patch --print-rpath --print-needed "$T/libdbg.debug") || fail "ferry patch refuses the debug file"
expect_eq "debug file rpath and needed" "" "$out"
python3 - "$("$FERRY" patch --json --print-rpath "$T/libdbg.debug")" <<'P' || fail "bad JSON for the debug file"
import json, sys
d = json.loads(sys.argv[1])
assert d["ok"] is True and "error" not in d["files"][0], d
P
optional_patchelf
if [ -n "$PE" ]; then
  expect_eq "patchelf prints the same" "$("$PE" --print-rpath "$T/libdbg.debug" | od -c)" \
    "$("$FERRY" patchelf --print-rpath "$T/libdbg.debug" | od -c)"
fi
echo ok
