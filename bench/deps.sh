#!/usr/bin/env bash
# Benchmark: resolve every ELF executable and shared object under /usr/bin and /usr/lib/x86_64-linux-gnu.
# ferry: one call for the whole set (parsed objects shared across the run). Peers: libtree, ldd and lddtree,
# each run once per file, as users run them. Prints times and ratios. Target: ferry >= 20x faster than libtree.
#   bash bench/deps.sh [FERRY]          (default: build/bin/ferry; use a Release build)
#   LDDTREE_SAMPLE=N  run lddtree on every Nth file only and scale (lddtree takes ~0.4 s per file; default 20;
#                     1 = the whole set)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
FERRY=${1:-${FERRY:-$here/build/bin/ferry}}
[ -x "$FERRY" ] || { echo "ferry binary not found: $FERRY (build it, or pass its path)"; exit 2; }
sample=${LDDTREE_SAMPLE:-20}
list=$(mktemp); trap 'rm -f "$list" "$list".*' EXIT

# The set: ELF executables and shared objects (e_type EXEC or DYN), symlinks not followed, sorted.
python3 - "$list" <<'PY'
import os, sys
out = []
for d in ("/usr/bin", "/usr/lib/x86_64-linux-gnu"):
    for root, dirs, files in os.walk(d):
        for f in files:
            p = os.path.join(root, f)
            if os.path.islink(p):
                continue
            try:
                with open(p, "rb") as fh:
                    h = fh.read(18)
            except OSError:
                continue
            if h[:4] == b"\x7fELF" and h[16] in (2, 3):
                out.append(p)
open(sys.argv[1], "w").write("\n".join(sorted(out)) + "\n")
PY
n=$(wc -l < "$list")
echo "set: $n ELF executables and shared objects under /usr/bin and /usr/lib/x86_64-linux-gnu"
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l; }
fmt() { printf '%.2f' "$1"; }

# Warm the page cache so no tool pays for the first read.
xargs -a "$list" cat > /dev/null 2>&1 || true

t0=$(now); xargs -a "$list" -d '\n' "$FERRY" deps --list > /dev/null 2>&1 || true; t1=$(now)
ferry_t=$(secs "$t0" "$t1")
echo "ferry deps --list (one call):     $(fmt "$ferry_t") s"

if command -v libtree >/dev/null; then
  t0=$(now); while IFS= read -r f; do libtree "$f" > /dev/null 2>&1 || true; done < "$list"; t1=$(now)
  lt=$(secs "$t0" "$t1")
  echo "libtree, once per file:           $(fmt "$lt") s   ferry is $(fmt "$(echo "$lt / $ferry_t" | bc -l)")x faster (target >= 20x)"
else
  echo "libtree: not installed (apt-get install libtree); comparing with ldd and lddtree only"
fi

t0=$(now); while IFS= read -r f; do ldd "$f" > /dev/null 2>&1 || true; done < "$list"; t1=$(now)
ldd_t=$(secs "$t0" "$t1")
echo "ldd, once per file:               $(fmt "$ldd_t") s   ferry is $(fmt "$(echo "$ldd_t / $ferry_t" | bc -l)")x faster"

if command -v lddtree >/dev/null; then
  awk -v s="$sample" 'NR % s == 1 || s == 1' "$list" > "$list.sample"
  m=$(wc -l < "$list.sample")
  t0=$(now); while IFS= read -r f; do lddtree "$f" > /dev/null 2>&1 || true; done < "$list.sample"; t1=$(now)
  lddtree_t=$(echo "$(secs "$t0" "$t1") * $n / $m" | bc -l)
  note=""; [ "$m" != "$n" ] && note=" (measured on $m files, every ${sample}th, scaled to $n)"
  echo "lddtree, once per file:           $(fmt "$lddtree_t") s   ferry is $(fmt "$(echo "$lddtree_t / $ferry_t" | bc -l)")x faster$note"
else
  echo "lddtree: not installed (package pax-utils)"
fi
