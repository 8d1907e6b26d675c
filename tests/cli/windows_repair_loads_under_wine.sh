#!/usr/bin/env bash
# The Windows loader accepts what ferry wrote: under wine, a MinGW host program adds the repaired wheel's
# winpkg.libs with AddDllDirectory and LoadLibraryExW's winpkg/_core.pyd, whose imports now name mangled DLLs
# (a chain libmid -> libleaf, and a delay-loaded libdelay called at run time); core_value() prints 42. The same
# module from the unrepaired wheel fails to load. The overlay / no-slack DLL (renamed through a new section)
# loads too (overmod_value=32), and its overlay is at the same file offset as before.
# timeout: 600
source "$(dirname "$0")/../common.sh"
need_cmd unzip
wine=""
for c in /usr/lib/wine/wine64 wine64 wine; do command -v "$c" >/dev/null 2>&1 && { wine=$c; break; }; done
[ -n "$wine" ] || skip "wine is not installed (Debian's wine64)"
d=$FIX/winwheel/x64
[ -d "$d" ] || skip "no MinGW-built x86_64 Windows wheel fixtures"
# One wine prefix for the build tree (making one takes ~30 s), created under a lock.
export WINEPREFIX=$BUILD/wine-prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
mkdir -p "$BUILD"
exec 8>"$BUILD/wine-prefix.lock"
flock 8
probe=$(timeout 300 "$wine" cmd /c echo wine-ok 2>/dev/null | tr -d '\r') || true
[ "$probe" = wine-ok ] || skip "wine cannot run programs here (prefix creation or cmd failed)"
winpath() { echo "Z:$(echo "$1" | tr / '\\')"; }
run_host() {  # DIR LIBS MODULE FUNCTION
  (cd "$1" && timeout 120 "$wine" host.exe "$2" "$3" "$4" 2>/dev/null | tr -d '\r')
}
for w in winpkg winover; do
  whl=$(cd "$d" && ls $w-*.whl)
  "$FERRY" repair -w "$T/out" --add-path "$d/deps" "$d/$whl" >/dev/null || fail "ferry repair $whl failed"
  for kind in repaired original; do
    x=$T/$w-$kind
    mkdir -p "$x"
    (cd "$x" && unzip -q "$([ $kind = repaired ] && echo "$T/out/$whl" || echo "$d/$whl")")
    cp "$d/runtime/host.exe" "$d/runtime/python312.dll" "$x/"
  done
done
out=$(run_host "$T/winpkg-repaired" "$(winpath "$T/winpkg-repaired/winpkg.libs")" "$(winpath "$T/winpkg-repaired/winpkg/_core.pyd")" core_value) || true
expect_eq "repaired _core.pyd under wine" "core_value=42" "$out"
set +e
out=$(run_host "$T/winpkg-original" "$(winpath "$T/winpkg-original")" "$(winpath "$T/winpkg-original/winpkg/_core.pyd")" core_value)
rc=$?
set -e
[ "$rc" != 0 ] && [[ "$out" == LoadLibraryExW\ failed* ]] || fail "the unrepaired module loaded ($rc: $out): the test proves nothing"
out=$(run_host "$T/winover-repaired" "$(winpath "$T/winover-repaired/winover.libs")" "$(winpath "$T/winover-repaired/winover/_over.pyd")" overmod_value) || true
expect_eq "repaired _over.pyd (overlay DLL renamed through a new section) under wine" "overmod_value=32" "$out"
over=$(ls "$T"/winover-repaired/winover.libs/libover-*.dll)
before=$(grep -boa FERRY-OVERLAY-KEEP-ME "$d/deps/libover.dll" | cut -d: -f1)
after=$(grep -boa FERRY-OVERLAY-KEEP-ME "$over" | cut -d: -f1)
[ -n "$before" ] && expect_eq "overlay offset" "$before" "$after"
cmp -n "$before" "$d/deps/libover.dll" "$over" >/dev/null && fail "libover.dll's headers were not changed"
{ llvm-readobj --sections "$over" || true; } | grep -q "Name: .ferry" || fail "no new section in $over"
# win32: only when this wine runs 32-bit programs (Debian's wine64 alone does not; wine32 is an i386 package).
x86=$FIX/winwheel/x86
note="win32 not run: this wine cannot run 32-bit programs (needs Debian's wine32)"
if [ -d "$x86" ] && (cd "$x86/runtime" && timeout 60 "$wine" host.exe >/dev/null 2>&1; [ $? = 2 ]); then
  whl=$(cd "$x86" && ls winpkg-*.whl)
  "$FERRY" repair -w "$T/out32" --add-path "$x86/deps" "$x86/$whl" >/dev/null
  mkdir -p "$T/w32" && (cd "$T/w32" && unzip -q "$T/out32/$whl") && cp "$x86"/runtime/* "$T/w32/"
  out=$(run_host "$T/w32" "$(winpath "$T/w32/winpkg.libs")" "$(winpath "$T/w32/winpkg/_core.pyd")" core_value) || true
  expect_eq "repaired win32 _core.pyd under wine" "core_value=42" "$out"
  note="win32 loads too"
fi
echo "ok: repaired modules load under wine; unrepaired fails; overlay kept at $before; $note"
