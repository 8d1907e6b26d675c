#!/usr/bin/env bash
# Benchmark: `ferry repair` of macOS wheels against repairwheel 0.8.0 (pure-Python delocate; venv from
# scripts/oracles.sh), same machine, same run: the fixture wheel (fixtures/macos_wheel: three grafts, every slice
# re-signed) and the largest macOS wheel of the corpus (scripts/corpus.sh; ferry with --raise-tag, as repairwheel
# raises tags by default). Median of RUNS (3) wall and CPU (user+sys) times and peak RSS (bench/lib.sh); prints
# how many times faster ferry is (goal >= 10x). On a shared machine the CPU ratio is the steadier figure.
# Usage: bench/repair_macos.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
ferry=${FERRY:-$build/bin/ferry}
work=$build/bench-repair-macos
[ -x "$ferry" ] || { echo "ferry not built: $ferry" >&2; exit 2; }
oracles=$(bash "$here/scripts/oracles.sh" "$build" | tail -1)
fx=$build/fixtures/macos_wheel
[ -f "$fx/fixpkg-1.0-cp311-cp311-macosx_10_13_universal2.whl" ] || bash "$here/fixtures/macos_wheel/build.sh" "$fx" 2>/dev/null
corpus=$(bash "$here/scripts/corpus.sh" "$build" | tail -1)
largest=$(grep -v '^#' "$here/fixtures/wheels/manifest.tsv" | awk -F'\t' '$4 ~ /^macosx/' | sort -t$'\t' -k5 -n | tail -1 | cut -f3)
unset MACOSX_DEPLOYMENT_TARGET DYLD_LIBRARY_PATH

source "$here/bench/lib.sh"
BENCH_WORK=$work/timing
bench_prep() { rm -rf "$work/out"; sync; }
mkdir -p "$work"
bench_header
for whl in "$fx/fixpkg-1.0-cp311-cp311-macosx_10_13_universal2.whl" "$corpus/$largest"; do
  echo "$(basename "$whl") ($(du -h "$whl" | cut -f1)):"
  RUNS=${RUNS:-3} bench_run ferry "$ferry" repair --raise-tag --lib-path "$fx/deps" -w "$work/out" "$whl"
  RUNS=${RUNS:-3} bench_run repairwheel "$oracles/repairwheel" -o "$work/out" -l "$fx/deps" "$whl"
  bench_compare ferry repairwheel ">= 10x faster"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
