#!/usr/bin/env bash
# Pins down where macOS repair looks, in dyld's order: --lib-path dirs, then DYLD_LIBRARY_PATH (both by leaf name,
# before the install name itself), then the install name, then DYLD_FALLBACK_LIBRARY_PATH (by leaf name).
# fbpkg/_ext.so needs /nonexistent/build/libfb.dylib (deps/fb and deps/shadow hold one each) and deps/libabs.dylib
# by absolute path (deps/shadow holds another). The copies differ in current version (1.0.0 / 0.0.0 against
# 9.9.9), which tells which file was grafted. The CLI reads the variables into options; the library does not
# (unit test macos_repair_library_ignores_dyld_environment).
# Oracles: llvm-otool -L on the grafted files (their id line carries the current version), the signature checker.
source "$(dirname "$0")/../common.sh"
need_macos_wheel fbpkg-1.0-cp311-cp311-macosx_10_13_x86_64.whl
need_llvm_otool
unset MACOSX_DEPLOYMENT_TARGET DYLD_LIBRARY_PATH DYLD_FALLBACK_LIBRARY_PATH
n=0
# grafted_versions ENV... -- FERRY_ARGS...: "libabs=V libfb=V" of the repaired wheel (current versions by otool).
grafted_versions() {
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  n=$((n + 1))
  env "${envs[@]}" "$FERRY" repair -w "$T/o$n" "$@" "$whl" >/dev/null
  rm -rf "$T/x" && mkdir "$T/x" && (cd "$T/x" && python3 -m zipfile -e "$T/o$n/$(basename "$whl")" .)
  python3 "$SRC/tests/lib/macho_signature_check.py" --require-signature "$T/x/fbpkg/_ext.so" "$T/x/fbpkg/.dylibs/"* >/dev/null
  for l in libabs libfb; do
    printf '%s=%s ' $l "$($llvm/llvm-otool -L "$T/x/fbpkg/.dylibs/$l.dylib" | sed -n '2s/.*current version \([0-9.]*\)).*/\1/p')"
  done
}
# Nothing says where libfb is: missing, named, no output.
expect_rc 1 "$FERRY" repair -w "$T/none" "$whl" 2>"$T/err"
grep -q "/nonexistent/build/libfb.dylib (needed by fbpkg/_ext.so)" "$T/err" || fail "not named: $(cat "$T/err")"
[ ! -e "$T/none/$(basename "$whl")" ] || fail "a wheel was written although a library is missing"
# Fallback: after the install name, so libabs comes from its own path, libfb from the first fallback dir.
expect_eq "DYLD_FALLBACK_LIBRARY_PATH" "libabs=0.0.0 libfb=1.0.0 " \
  "$(grafted_versions DYLD_FALLBACK_LIBRARY_PATH="$W/deps/fb:$W/deps/shadow" --)"
# DYLD_LIBRARY_PATH: before the install name, so deps/shadow wins for both (the missing dir is skipped).
expect_eq "DYLD_LIBRARY_PATH" "libabs=9.9.9 libfb=9.9.9 " \
  "$(grafted_versions DYLD_LIBRARY_PATH="/nonexistent:$W/deps/shadow" DYLD_FALLBACK_LIBRARY_PATH="$W/deps/fb" --)"
# --lib-path alone works like DYLD_LIBRARY_PATH ...
expect_eq "--lib-path" "libabs=0.0.0 libfb=1.0.0 " "$(grafted_versions -- --lib-path "$W/deps/fb")"
# ... and comes before it.
expect_eq "--lib-path before DYLD_LIBRARY_PATH" "libabs=9.9.9 libfb=1.0.0 " \
  "$(grafted_versions DYLD_LIBRARY_PATH="$W/deps/shadow" -- --lib-path "$W/deps/fb")"
echo ok
