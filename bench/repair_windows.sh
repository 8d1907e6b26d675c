#!/usr/bin/env bash
# Benchmark: `ferry repair` vs delvewheel 1.13.2 `repair` on the same Windows wheels, same machine, same run:
# the MinGW fixture wheel (winpkg, win_amd64: a DLL chain through --add-path, a delay-loaded DLL) and the largest
# Windows corpus wheel that is not already repaired, wxPython (win_amd64, 16 MB), whose missing msvcp140.dll is
# stood in for by a MinGW DLL of that name in the --add-path directory (both tools read all 35 extension modules
# and wx DLLs, 50 MB inflated, and vendor it; under --ignore-existing, which delvewheel needs to find wx's own
# DLLs, it keeps its name because wx's DLLs import it). Prints wall and CPU (user+sys) seconds and the ratio delvewheel/ferry (goal >= 10x):
# the median run of 5 for ferry, of 3 for delvewheel.
# usage: bench/repair_windows.sh [BUILD_DIR]   (needs the fixtures, the corpus and scripts/oracles.sh BUILD_DIR)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$here/build}" && pwd)
ferry=$build/bin/ferry
oracles=$(bash "$here/scripts/oracles.sh" "$build")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
timed() {  # OUTFILE RUNS OUTDIR CMD...: runs CMD RUNS times (OUTDIR emptied before each), writes the median
  local out=$1 runs=$2 dir=$3; shift 3  # run's "wall cpu" seconds (a loaded machine makes single runs noisy)
  : >"$out.all"
  for _ in $(seq "$runs"); do
    rm -rf "$dir"
    /usr/bin/time -f '%e %U %S' -o "$out.raw" "$@" >/dev/null 2>&1
    awk '{printf "%s %.3f\n", $1, $2 + $3}' "$out.raw" >>"$out.all"
  done
  sort -n "$out.all" | awk '{l[NR] = $0} END {print l[int((NR + 1) / 2)]}' >"$out"
}
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
printf '%-44s %9s %9s %9s %9s %7s %7s\n' wheel ferry_s dw_s ferry_cpu dw_cpu wall_x cpu_x
for c in "${cases[@]}"; do
  IFS=: read -r whl add flags <<<"$c"
  rm -rf "$tmp/f" "$tmp/d"
  "$ferry" repair $flags -w "$tmp/f" --add-path "$add" "$whl" >/dev/null  # warms the page cache for both
  rm -rf "$tmp/f"
  timed "$tmp/tf" 5 "$tmp/f" "$ferry" repair $flags -w "$tmp/f" --add-path "$add" "$whl"
  timed "$tmp/td" 3 "$tmp/d" "$oracles/delvewheel" repair $flags -w "$tmp/d" --add-path "$add" "$whl"
  [ -n "$(ls "$tmp/d" 2>/dev/null)" ] || echo "warning: delvewheel wrote nothing for $(basename "$whl")" >&2
  read -r fw fc <"$tmp/tf"; read -r dw dc <"$tmp/td"
  awk -v w="$(basename "$whl")" -v fw="$fw" -v fc="$fc" -v dw="$dw" -v dc="$dc" 'BEGIN {
    printf "%-44s %9.2f %9.2f %9.2f %9.2f %7.1f %7.1f\n", substr(w, 1, 44), fw, dw, fc, dc,
      (fw > 0 ? dw / fw : 0), (fc > 0 ? dc / fc : 0) }'
done
