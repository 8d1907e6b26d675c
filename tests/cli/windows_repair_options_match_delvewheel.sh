#!/usr/bin/env bash
# delvewheel's options give delvewheel's results: on the win_amd64 fixture wheel, --no-mangle NAME,
# --no-mangle-all and --exclude NAME vendor the same files under the same names as delvewheel 1.13.2 with the same
# option; on wxPython (corpus, win_amd64), --ignore-existing leaves wx's own DLLs where they are and vendors the
# msvcp140.dll found through --add-path (a MinGW stand-in) under delvewheel's name, unmangled because the DLLs
# that import it are not rewritten, and warns once that it is older than wx's toolset. --include forces a system
# DLL in.
source "$(dirname "$0")/../common.sh"
need_oracles
d=$FIX/winwheel/x64
[ -d "$d" ] || skip "no MinGW-built Windows wheel fixtures"
whl=$d/winpkg-1.0-cp312-cp312-win_amd64.whl
same() {  # NAME WHEEL ADD_PATH OPTIONS...
  local name=$1 w=$2 add=$3; shift 3
  rm -rf "$T/dw" "$T/fe"
  "$ORACLES/delvewheel" repair -w "$T/dw" --add-path "$add" "$@" "$w" >"$T/dw.log" 2>&1 || fail "$name: delvewheel: $(tail -3 "$T/dw.log")"
  "$FERRY" repair -w "$T/fe" --add-path "$add" "$@" "$w" >"$T/fe.log" || fail "$name: ferry repair failed"
  diff <(unzip -Z1 "$T/dw/$(basename "$w")" | grep -v '/$' | sort) <(unzip -Z1 "$T/fe/$(basename "$w")" | sort) ||
    fail "$name: ferry's members differ from delvewheel's"
  echo "ok: $name"
}
same "--no-mangle libleaf.dll" "$whl" "$d/deps" --no-mangle libleaf.dll
{ unzip -Z1 "$T/fe/$(basename "$whl")" || true; } | grep -qx 'winpkg.libs/libleaf.dll' || fail "--no-mangle: libleaf.dll was renamed"
same "--no-mangle-all" "$whl" "$d/deps" --no-mangle-all
{ unzip -Z1 "$T/fe/$(basename "$whl")" || true; } | grep -q -- '-[0-9a-f]\{32\}\.dll$' && fail "--no-mangle-all: a name was mangled"
same "--exclude libdelay.dll" "$whl" "$d/deps" --exclude libdelay.dll
{ unzip -Z1 "$T/fe/$(basename "$whl")" || true; } | grep -q libdelay && fail "--exclude: libdelay.dll was vendored"
# --include: a system DLL (here: one of the fixture DLLs' own, msvcrt.dll, stood in by a copy of libleaf.dll)
mkdir -p "$T/inc" && cp "$d/deps/"*.dll "$T/inc/" && cp "$d/deps/libleaf.dll" "$T/inc/msvcrt.dll"
"$FERRY" repair -w "$T/inc-out" --add-path "$T/inc" --include msvcrt.dll "$whl" >/dev/null
{ unzip -Z1 "$T/inc-out/$(basename "$whl")" || true; } | grep -q '^winpkg.libs/msvcrt-[0-9a-f]\{32\}\.dll$' || fail "--include msvcrt.dll: not vendored"
wx=$(ls "$BUILD"/corpus/wheels/wxPython-*-win_amd64.whl 2>/dev/null | head -1 || true)
if [ -n "$wx" ] && command -v x86_64-w64-mingw32-gcc >/dev/null; then
  mkdir -p "$T/si" && echo 'int stand_in(void) { return 0; }' >"$T/s.c"
  x86_64-w64-mingw32-gcc -shared -o "$T/si/msvcp140.dll" "$T/s.c"
  same "--ignore-existing (wxPython)" "$wx" "$T/si" --ignore-existing
  # The stand-in's linker version (GNU ld 2.x) is older than wx's toolset (14.x): said once, naming both.
  "$FERRY" show --ignore-existing --add-path "$T/si" "$wx" >"$T/show.txt"
  expect_eq "toolset warnings" 1 "$(grep -c 'warning: .* was built with toolset 14\.[0-9]* but .*msvcp140.dll is older' "$T/show.txt")"
else
  echo "note: wxPython corpus wheel absent, --ignore-existing checked on the fixture only"
  same "--ignore-existing" "$whl" "$d/deps" --ignore-existing
fi
