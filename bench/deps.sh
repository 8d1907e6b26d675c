#!/usr/bin/env bash
# Benchmark: resolve every ELF executable and shared object under /usr/bin and /usr/lib/x86_64-linux-gnu.
# ferry: one call for the whole set (parsed objects shared across the run). Peers: libtree, ldd and lddtree,
# each run once per file, as users run them. Prints times and ratios. Target: ferry >= 20x faster than libtree.
#   bash bench/deps.sh [FERRY]          (default: build/bin/ferry; use a Release build)
#   LDDTREE_SAMPLE=N  run lddtree on every Nth file only and scale (lddtree takes ~0.4 s per file; default 20;
#                     1 = the whole set)
#   FERRY_RUNS=N      ferry runs N times (default 5); its median wall and CPU time are compared, the best shown
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
FERRY=${1:-${FERRY:-$here/build/bin/ferry}}
[ -x "$FERRY" ] || { echo "ferry binary not found: $FERRY (build it, or pass its path)"; exit 2; }
sample=${LDDTREE_SAMPLE:-20}
list=$(mktemp); trap 'rm -f "$list" "$list".*' EXIT

# The set: ELF executables and shared objects (e_type EXEC or DYN), symlinks not followed, sorted.
python3 "$here/tests/lib/elf_files.py" "$list"
n=$(wc -l < "$list")
echo "set: $n ELF executables and shared objects under /usr/bin and /usr/lib/x86_64-linux-gnu"
# run CMD...: wall-clock and CPU (user+sys, children included) seconds of CMD, in $wall and $cpu (bash's time:
# millisecond resolution; /usr/bin/time's 10 ms steps are too coarse for ferry's ~0.05 s).
run() {
  local out TIMEFORMAT='%3R %3U %3S'
  out=$( { time "$@" > /dev/null 2>&1; } 2>&1 ) || true
  out=$(echo "$out" | tail -1)
  wall=$(echo "$out" | awk '{print $1}'); cpu=$(echo "$out" | awk '{printf "%.3f", $2 + $3}')
}
ratio() { printf '%.1f' "$(echo "$1 / $2" | bc -l)"; }
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
echo "(wall-clock and CPU seconds; on a loaded machine the CPU ratio is the steadier figure)"

# Warm the page cache so no tool pays for the first read.
xargs -a "$list" -d '\n' cat > /dev/null 2>&1 || true

runs=${FERRY_RUNS:-5}
# ferry_runs FILE ARGS...: `ferry deps ARGS` over the set, $runs times, "wall cpu" per line in FILE.
ferry_runs() {
  local out=$1; shift
  : > "$out"
  for ((i = 0; i < runs; i++)); do
    run sh -c "xargs -a '$list' -d '\n' '$FERRY' deps $*; true"
    echo "$wall $cpu" >> "$out"
  done
}
ferry_runs "$list.ferry" --list
fw=$(cut -d' ' -f1 "$list.ferry" | median); fc=$(cut -d' ' -f2 "$list.ferry" | median)
bw=$(cut -d' ' -f1 "$list.ferry" | sort -n | head -1); bc_=$(cut -d' ' -f2 "$list.ferry" | sort -n | head -1)
printf '%-34s wall %7.3f s  cpu %7.3f s   (median of %d runs; best wall %.3f s, cpu %.3f s)\n' \
  "ferry deps --list (one call)" "$fw" "$fc" "$runs" "$bw" "$bc_"

# The tree view libtree prints, for a like-for-like figure (the ratios below use --list).
ferry_runs "$list.tree"
tw=$(cut -d' ' -f1 "$list.tree" | median); tc=$(cut -d' ' -f2 "$list.tree" | median)
printf '%-34s wall %7.3f s  cpu %7.3f s   (median of %d runs)\n' "ferry deps, tree view (one call)" "$tw" "$tc" "$runs"

if command -v libtree >/dev/null; then
  run sh -c "while IFS= read -r f; do libtree \"\$f\" > /dev/null 2>&1; done < '$list'; true"
  printf '%-34s wall %7.3f s  cpu %7.3f s   ferry faster: %sx wall, %sx cpu (target >= 20x); tree view %sx / %sx\n' \
    "libtree, once per file" "$wall" "$cpu" "$(ratio "$wall" "$fw")" "$(ratio "$cpu" "$fc")" "$(ratio "$wall" "$tw")" "$(ratio "$cpu" "$tc")"
else
  echo "libtree: not installed (apt-get install libtree); comparing with ldd and lddtree only"
fi

run sh -c "while IFS= read -r f; do ldd \"\$f\" > /dev/null 2>&1; done < '$list'; true"
printf '%-34s wall %7.3f s  cpu %7.3f s   ferry faster: %sx wall, %sx cpu\n' \
  "ldd, once per file" "$wall" "$cpu" "$(ratio "$wall" "$fw")" "$(ratio "$cpu" "$fc")"

if command -v lddtree >/dev/null; then
  awk -v s="$sample" 'NR % s == 1 || s == 1' "$list" > "$list.sample"
  m=$(wc -l < "$list.sample")
  run sh -c "while IFS= read -r f; do lddtree \"\$f\" > /dev/null 2>&1; done < '$list.sample'; true"
  lw=$(echo "$wall * $n / $m" | bc -l); lc=$(echo "$cpu * $n / $m" | bc -l)
  note=""; [ "$m" != "$n" ] && note=" (measured on $m files, every ${sample}th, scaled to $n)"
  printf '%-34s wall %7.3f s  cpu %7.3f s   ferry faster: %sx wall, %sx cpu%s\n' \
    "lddtree, once per file" "$lw" "$lc" "$(ratio "$lw" "$fw")" "$(ratio "$lc" "$fc")" "$note"
else
  echo "lddtree: not installed (package pax-utils)"
fi
