#!/usr/bin/env bash
# The Windows loader accepts what ferry wrote: under wine, a MinGW host program adds the repaired wheel's
# winpkg.libs with AddDllDirectory and LoadLibraryExW's winpkg/_core.pyd, whose imports now name mangled DLLs
# (a chain libmid -> libleaf, and a delay-loaded libdelay called at run time); core_value() prints 42. The same
# module from the unrepaired wheel fails to load. The overlay / no-slack DLL (renamed through a new section)
# loads too (overmod_value=32), and its overlay is at the same file offset as before. The win32 wheel likewise,
# under Debian's i386 wine run by qemu-i386 when wine64 cannot run 32-bit programs (scripts/wine32.sh).
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
# wine leaves wine-XXXXXX directories in TMPDIR; these go with $T.
mkdir -p "$T/tmp" && export TMPDIR=$T/tmp
mkdir -p "$BUILD"
exec 8>"$BUILD/wine-prefix.lock"
flock 8
probe=$(timeout 300 "$wine" cmd /c echo wine-ok 2>/dev/null | tr -d '\r') || true
[ "$probe" = wine-ok ] || skip "wine cannot run programs here (prefix creation or cmd failed)"
winpath() { echo "Z:$(echo "$1" | tr / '\\')"; }
run_host() {  # DIR LIBS MODULE FUNCTION
  (cd "$1" && timeout 120 "$wine" host.exe "$2" "$3" "$4" 2>/dev/null | tr -d '\r')
}
# repair_and_unpack FIXDIR PKG PREFIX: ferry repairs FIXDIR's PKG wheel (libraries from FIXDIR/deps) into
# PREFIX-out; PREFIX-repaired and PREFIX-original hold the repaired and the original wheel unpacked, each with
# FIXDIR's runtime (host.exe and python312.dll) beside it.
repair_and_unpack() {
  local fix=$1 pkg=$2 prefix=$3 whl kind
  whl=$(cd "$fix" && ls $pkg-*.whl)
  "$FERRY" repair -w "$prefix-out" --add-path "$fix/deps" "$fix/$whl" >/dev/null || fail "ferry repair $whl failed"
  for kind in repaired original; do
    mkdir -p "$prefix-$kind"
    (cd "$prefix-$kind" && unzip -q "$([ $kind = repaired ] && echo "$prefix-out/$whl" || echo "$fix/$whl")")
    cp "$fix/runtime/host.exe" "$fix/runtime/python312.dll" "$prefix-$kind/"
  done
}
# only_repaired_loads PREFIX MODULE FUNCTION WANT WHAT: host.exe loads PREFIX-repaired's MODULE (PKG/NAME.pyd, with
# PKG.libs added as a DLL directory) and FUNCTION prints WANT; PREFIX-original's MODULE fails to load.
only_repaired_loads() {
  local prefix=$1 module=$2 fn=$3 want=$4 what=$5 out rc
  out=$(run_host "$prefix-repaired" "$(winpath "$prefix-repaired/${module%%/*}.libs")" \
    "$(winpath "$prefix-repaired/$module")" "$fn") || true
  expect_eq "repaired $what under $wine" "$want" "$out"
  set +e
  out=$(run_host "$prefix-original" "$(winpath "$prefix-original")" "$(winpath "$prefix-original/$module")" "$fn")
  rc=$?
  set -e
  [ "$rc" != 0 ] && [[ "$out" == LoadLibraryExW\ failed* ]] ||
    fail "the unrepaired $what loaded ($rc: $out): the test proves nothing"
}
repair_and_unpack "$d" winpkg "$T/winpkg"
repair_and_unpack "$d" winover "$T/winover"
only_repaired_loads "$T/winpkg" winpkg/_core.pyd core_value core_value=42 "_core.pyd"
out=$(run_host "$T/winover-repaired" "$(winpath "$T/winover-repaired/winover.libs")" "$(winpath "$T/winover-repaired/winover/_over.pyd")" overmod_value) || true
expect_eq "repaired _over.pyd (overlay DLL renamed through a new section) under wine" "overmod_value=32" "$out"
over=$(ls "$T"/winover-repaired/winover.libs/libover-*.dll)
before=$(grep -boa FERRY-OVERLAY-KEEP-ME "$d/deps/libover.dll" | cut -d: -f1)
after=$(grep -boa FERRY-OVERLAY-KEEP-ME "$over" | cut -d: -f1)
[ -n "$before" ] && expect_eq "overlay offset" "$before" "$after"
cmp -n "$before" "$d/deps/libover.dll" "$over" >/dev/null && fail "libover.dll's headers were not changed"
{ llvm-readobj --sections "$over" || true; } | grep -q "Name: .ferry" || fail "no new section in $over"
# win32: Debian's wine64 8.0 alone cannot run 32-bit PE programs (its wow64 mode finds no i386 ntdll.dll; those
# DLLs are in the i386 libwine package), and this kernel may not run i386 Linux programs. Then Debian's i386 wine
# of the same version runs under qemu-i386 (scripts/wine32.sh, packages cached under the build directory).
x86=$FIX/winwheel/x86
note="win32 not run: no MinGW-built i686 fixtures"
runs_host() { (cd "$x86/runtime" && timeout 300 "$@" host.exe >/dev/null 2>&1; [ $? = 2 ]); }  # usage exit: it ran
if [ -d "$x86" ]; then
  wine32=""
  if runs_host "$wine"; then wine32=$wine
  elif w=$(bash "$SRC/scripts/wine32.sh" "$BUILD" 2>"$T/wine32.err"); then
    export WINEPREFIX=$BUILD/wine32-prefix WINEARCH=win32
    exec 7>"$BUILD/wine32-prefix.lock"
    flock 7
    if runs_host "$w"; then wine32=$w
    else note="win32 not run: Debian's wine64 cannot run 32-bit PE programs and the i386 wine under qemu-i386 ($w) did not run host.exe"; fi
  else
    note="win32 not run: Debian's wine64 cannot run 32-bit PE programs (no i386 PE DLLs) and no i386 wine: $(tail -1 "$T/wine32.err")"
  fi
  if [ -n "$wine32" ]; then
    repair_and_unpack "$x86" winpkg "$T/w32"
    wine=$wine32
    only_repaired_loads "$T/w32" winpkg/_core.pyd core_value core_value=42 "win32 _core.pyd"
    note="win32 loads too (under $wine32); unrepaired win32 fails"
  fi
fi
echo "ok: repaired modules load under wine; unrepaired fails; overlay kept at $before; $note"
