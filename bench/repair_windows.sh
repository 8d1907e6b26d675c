#!/usr/bin/env bash
# Benchmark: `ferry repair` vs delvewheel 1.13.2 `repair` on the same Windows wheels, same machine, same run:
# the MinGW fixture wheel (winpkg, win_amd64: a DLL chain through --add-path, a delay-loaded DLL) and the largest
# Windows corpus wheel that is not already repaired, wxPython (win_amd64, 16 MB), whose missing msvcp140.dll is
# stood in for by a MinGW DLL of that name in the --add-path directory (both tools read all 35 extension modules
# and wx DLLs, 50 MB inflated, and vendor it; under --ignore-existing, which delvewheel needs to find wx's own
# DLLs, it keeps its name because wx's DLLs import it). Prints wall and CPU (user+sys) seconds, peak RSS and how
# many times faster ferry is (goal >= 10x): the median of RUNS (5) runs each. Timing: bench/lib.sh.
# usage: bench/repair_windows.sh [BUILD_DIR]   (needs the fixtures, the corpus and scripts/oracles.sh BUILD_DIR)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$here/build}" && pwd)
ferry=${FERRY:-$build/bin/ferry}
oracles=$(bash "$here/scripts/oracles.sh" "$build")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$here/bench/lib.sh"
BENCH_WORK=$tmp/bench
cases=()
fix=$build/fixtures/winwheel/x64
[ -d "$fix" ] && cases+=("$fix/winpkg-1.0-cp312-cp312-win_amd64.whl:$fix/deps:")
wx=$(ls "$build"/corpus/wheels/wxPython-*-win_amd64.whl 2>/dev/null | head -1 || true)
if [ -n "$wx" ] && command -v x86_64-w64-mingw32-gcc >/dev/null; then
  mkdir -p "$tmp/stand-in"
  echo 'int msvcp_stand_in(void) { return 0; }' >"$tmp/s.c"
  x86_64-w64-mingw32-gcc -shared -o "$tmp/stand-in/msvcp140.dll" "$tmp/s.c"
  cases+=("$wx:$tmp/stand-in:--ignore-existing")
fi
bench_header
for c in "${cases[@]}"; do
  IFS=: read -r whl add flags <<<"$c"
  echo "$(basename "$whl"):"
  rm -rf "$tmp/f"
  "$ferry" repair $flags -w "$tmp/f" --add-path "$add" "$whl" >/dev/null  # warms the page cache for both
  bench_prep() { rm -rf "$tmp/f" "$tmp/d"; sync; }
  RUNS=${RUNS:-5} bench_run ferry "$ferry" repair $flags -w "$tmp/f" --add-path "$add" "$whl"
  RUNS=${RUNS:-5} bench_run delvewheel "$oracles/delvewheel" repair $flags -w "$tmp/d" --add-path "$add" "$whl"
  [ -n "$(ls "$tmp/d" 2>/dev/null)" ] || echo "warning: delvewheel wrote nothing for $(basename "$whl")" >&2
  bench_compare ferry delvewheel ">= 10x faster"
done
