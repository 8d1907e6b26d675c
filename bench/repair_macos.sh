#!/usr/bin/env bash
# Benchmark: `ferry repair` of macOS wheels against repairwheel 0.8.0 (pure-Python delocate; venv from
# scripts/oracles.sh), same machine, same run: the fixture wheel (fixtures/macos_wheel: three grafts, every slice
# re-signed) and the largest macOS wheel of the corpus (scripts/corpus.sh; ferry with --raise-tag, as repairwheel
# raises tags by default). Best of RUNS (3) wall and CPU (user+sys) times; prints both ratios (goal >= 10x) and
# the load average before and after. On a shared machine the CPU ratio is the steadier figure.
# Usage: bench/repair_macos.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
ferry=${FERRY:-$build/bin/ferry}
runs=${RUNS:-3}
work=$build/bench-repair-macos
[ -x "$ferry" ] || { echo "ferry not built: $ferry" >&2; exit 2; }
oracles=$(bash "$here/scripts/oracles.sh" "$build" | tail -1)
fx=$build/fixtures/macos_wheel
[ -f "$fx/fixpkg-1.0-cp311-cp311-macosx_10_13_universal2.whl" ] || bash "$here/fixtures/macos_wheel/build.sh" "$fx" 2>/dev/null
corpus=$(bash "$here/scripts/corpus.sh" "$build" | tail -1)
largest=$(grep -v '^#' "$here/fixtures/wheels/manifest.tsv" | awk -F'\t' '$4 ~ /^macosx/' | sort -t$'\t' -k5 -n | tail -1 | cut -f3)
unset MACOSX_DEPLOYMENT_TARGET DYLD_LIBRARY_PATH

best() {  # best CMD...: "wall cpu" — the best wall time and the best user+sys CPU time (getrusage of the child,
          # microsecond resolution) over $runs runs, the output folder emptied before each
  python3 - "$runs" "$work/out" "$@" <<'PY'
import resource, shutil, subprocess, sys, time
runs, out, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
bw = bc = float("inf")
for _ in range(runs):
    shutil.rmtree(out, ignore_errors=True)
    r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    if subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
        sys.exit("failed: " + " ".join(cmd))
    t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    bw = min(bw, t1 - t0)
    bc = min(bc, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
print(bw, bc)
PY
}
mkdir -p "$work"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for whl in "$fx/fixpkg-1.0-cp311-cp311-macosx_10_13_universal2.whl" "$corpus/$largest"; do
  f=$(best "$ferry" repair --raise-tag --lib-path "$fx/deps" -w "$work/out" "$whl")
  r=$(best "$oracles/repairwheel" -o "$work/out" -l "$fx/deps" "$whl")
  python3 - "$(basename "$whl") ($(du -h "$whl" | cut -f1))" $f $r <<'PY'
import sys
name, fw, fc, rw, rc = sys.argv[1], *map(float, sys.argv[2:])
print(f"{name}: wall ferry {fw:.3f} s, repairwheel {rw:.3f} s, ratio {rw / fw:.1f}x; "
      f"cpu ferry {fc:.3f} s, repairwheel {rc:.3f} s, ratio {rc / fc:.1f}x")
PY
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
