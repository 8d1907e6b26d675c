#!/usr/bin/env bash
# Pins down the delocate options on the fixture wheels: --exclude leaves a library (and what only it needs) out of
# .dylibs with its reference untouched; --require-archs universal2 passes on the universal2 wheel and
# --require-archs x86_64 fails on the arm64-only one naming the file (x86_64,arm64 passes, intel wants i386);
# DYLD_LIBRARY_PATH (read by the CLI) finds a library by leaf name like --lib-path; --lib-sdir picks the folder;
# --no-sanitize-rpaths keeps the absolute LC_RPATH. Oracle: llvm-otool -L / llvm-objdump --macho --private-headers
# on the output.
source "$(dirname "$0")/../common.sh"
W=$FIX/macos_wheel
fix=$W/fixpkg-1.0-cp311-cp311-macosx_10_13_universal2.whl
[ -f "$fix" ] || skip "macOS wheel fixtures were not built"
need_llvm_otool
unset MACOSX_DEPLOYMENT_TARGET DYLD_LIBRARY_PATH
x() { rm -rf "$T/x" && mkdir "$T/x" && (cd "$T/x" && python3 -m zipfile -e "$1" .); }
"$FERRY" repair --exclude liba.dylib -w "$T/ex" "$fix" >/dev/null
x "$T/ex/$(basename "$fix")"
expect_eq "grafted with --exclude liba.dylib" "libabs.dylib" "$(ls "$T/x/fixpkg/.dylibs")"
grep -q "@rpath/liba.dylib" <<<"$($llvm/llvm-otool -L "$T/x/fixpkg/_ext.so")" || fail "the excluded reference was rewritten"
"$FERRY" repair --require-archs universal2 -w "$T/ua" "$fix" >/dev/null
set +e
"$FERRY" repair --raise-tag --require-archs x86_64 -w "$T/ux" "$W/newpkg-1.0-cp311-cp311-macosx_11_0_arm64.whl" 2>"$T/err"
rc=$?
set -e
expect_eq "--require-archs x86_64 on arm64 exit" 1 "$rc"
grep -q "newpkg/_ext.so lacks x86_64" "$T/err" || fail "file not named: $(cat "$T/err")"
# The list form and delocate's "intel" (i386 + x86_64): the fixture has no i386 slice anywhere.
"$FERRY" repair --require-archs x86_64,arm64 -w "$T/ul" "$fix" >/dev/null
expect_rc 1 "$FERRY" repair --require-archs intel -w "$T/ui" "$fix" 2>"$T/err"
grep -q "fixpkg/_ext.so lacks i386" "$T/err" || fail "intel: i386 not named: $(cat "$T/err")"
! grep -q "lacks x86_64" "$T/err" || fail "intel: x86_64 is there: $(cat "$T/err")"
# tightpkg's t.dylib is only found by leaf name: then the header-room error comes (not "cannot find").
DYLD_LIBRARY_PATH=/nonexistent:$W/deps expect_rc 1 "$FERRY" repair -w "$T/dy" \
  "$W/tightpkg-1.0-cp311-cp311-macosx_10_13_x86_64.whl" 2>"$T/err"
grep -q "more bytes are needed" "$T/err" || fail "DYLD_LIBRARY_PATH did not find /o/t.dylib: $(cat "$T/err")"
"$FERRY" repair --lib-sdir .libs_mac --no-sanitize-rpaths -w "$T/sd" "$fix" >/dev/null
x "$T/sd/$(basename "$fix")"
[ -d "$T/x/fixpkg/.libs_mac" ] || fail "--lib-sdir ignored"
grep -q "@loader_path/.libs_mac/liba.dylib" <<<"$($llvm/llvm-otool -L "$T/x/fixpkg/_ext.so")" || fail "reference not to --lib-sdir"
grep -q "path .*/deps (offset" <<<"$($llvm/llvm-objdump --macho --private-headers --arch=arm64 "$T/x/fixpkg/_ext.so")" \
  || fail "--no-sanitize-rpaths dropped the LC_RPATH"
python3 "$SRC/tests/lib/macho_signature_check.py" --no-linker-signed --require-signature "$T/x/fixpkg/_ext.so" >/dev/null
echo ok
