#!/usr/bin/env bash
# Pins down --executable-path: exepkg/_ext.so (arm64) needs @executable_path/../lib/libexe.dylib and
# @rpath/libexerp.dylib through LC_RPATH @executable_path/../lib. Without the option both are missing (exit 1,
# each named); --ignore-missing-dependencies leaves the wheel as it is; with --executable-path
# deps/exe/bin/python3 both resolve into deps/exe/lib and are grafted, the references become @loader_path, the
# @executable_path LC_RPATH (not a build-machine path) stays, and every slice is re-signed.
# Oracles: llvm-otool -L, llvm-objdump --macho --private-headers, tests/lib/macho_signature_check.py.
source "$(dirname "$0")/../common.sh"
need_macos_wheel exepkg-1.0-cp311-cp311-macosx_11_0_arm64.whl
need_llvm_otool
unset MACOSX_DEPLOYMENT_TARGET DYLD_LIBRARY_PATH DYLD_FALLBACK_LIBRARY_PATH
refs() { $llvm/llvm-otool -L "$1" | tail -n +2 | awk '{print $1}' | sort | tr '\n' ' ' | sed 's/ $//'; }
# The input's references, as the linker wrote them (the test means nothing if they are not program-relative).
expect_eq "input references" "/usr/lib/libSystem.B.dylib @executable_path/../lib/libexe.dylib @rpath/libexerp.dylib" \
  "$(refs "$W/stage/exe_ext.so")"
expect_rc 1 "$FERRY" repair -w "$T/none" "$whl" 2>"$T/err"
grep -q "@executable_path/../lib/libexe.dylib (needed by exepkg/_ext.so)" "$T/err" || fail "not named: $(cat "$T/err")"
grep -q "@rpath/libexerp.dylib (needed by exepkg/_ext.so)" "$T/err" || fail "not named: $(cat "$T/err")"
[ ! -e "$T/none/$(basename "$whl")" ] || fail "a wheel was written although libraries are missing"
"$FERRY" repair --ignore-missing-dependencies -w "$T/ign" "$whl" >/dev/null
cmp "$whl" "$T/ign/$(basename "$whl")" || fail "--ignore-missing-dependencies changed the wheel"
# Relative to the current directory, as a user would type it.
(cd "$W" && "$FERRY" repair --executable-path deps/exe/bin/python3 -w "$T/exe" "$(basename "$whl")") >"$T/out"
mkdir "$T/x" && (cd "$T/x" && python3 -m zipfile -e "$T/exe/$(basename "$whl")" .)
expect_eq "grafted set" "libexe.dylib libexerp.dylib" "$(ls "$T/x/exepkg/.dylibs" | tr '\n' ' ' | sed 's/ $//')"
grep -q "deps/exe/lib/libexe.dylib" "$T/out" || fail "libexe did not come from deps/exe/lib: $(cat "$T/out")"
grep -q "deps/exe/lib/libexerp.dylib" "$T/out" || fail "libexerp did not come from deps/exe/lib: $(cat "$T/out")"
expect_eq "_ext.so references" \
  "/usr/lib/libSystem.B.dylib @loader_path/.dylibs/libexe.dylib @loader_path/.dylibs/libexerp.dylib" "$(refs "$T/x/exepkg/_ext.so")"
expect_eq "libexe id (first in otool)" "/DLC/exepkg/.dylibs/libexe.dylib /usr/lib/libSystem.B.dylib" \
  "$(refs "$T/x/exepkg/.dylibs/libexe.dylib")"
grep -q "path @executable_path/../lib " <<<"$($llvm/llvm-objdump --macho --private-headers "$T/x/exepkg/_ext.so")" \
  || fail "the @executable_path LC_RPATH was dropped"
python3 "$SRC/tests/lib/macho_signature_check.py" --no-linker-signed --require-signature \
  "$T/x/exepkg/_ext.so" "$T/x/exepkg/.dylibs/"*.dylib
echo ok
