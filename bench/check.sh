#!/usr/bin/env bash
# Benchmark: `ferry check -t manylinux2014 /usr` (every ELF under /usr, one call, all cores) vs `readelf -V -W`
# over the same ELF files (the floor any script-based check pays: it must at least dump the version needs of
# every file), both one process per file and with xargs -P using all cores. Prints times and ratios.
# usage: bench/check.sh [path/to/ferry] [dir]
set -euo pipefail
ferry=${1:-build/bin/ferry}
dir=${2:-/usr}
jobs=$(nproc)
list=$(mktemp)
trap 'rm -f "$list"' EXIT
# The ELF files ferry will check (by magic, as ferry sniffs them), regular files only; separate debug-info
# files (*.debug, .build-id trees) are not loadable objects and ferry skips them in directory walks.
find "$dir" -type f -print0 2>/dev/null | xargs -0 python3 -c '
import sys
for p in sys.argv[1:]:
    try:
        with open(p, "rb") as f:
            if f.read(4) == b"\x7fELF" and "/.build-id/" not in p and not p.endswith(".debug"):
                print(p)
    except OSError:
        pass' | sort >"$list"
n=$(wc -l <"$list")
echo "files: $n ELF files under $dir; cores: $jobs"

t0=$(date +%s.%N)
set +e
"$ferry" check -q --no-hints -t manylinux2014 "$dir" >/tmp/ferry-check-bench.txt 2>/dev/null
rc=$?
set -e
t1=$(date +%s.%N)
tr '\n' '\0' <"$list" | xargs -0 -n 1 readelf -V -W >/dev/null 2>&1 || true
t2=$(date +%s.%N)
tr '\n' '\0' <"$list" | xargs -0 -n 1 -P "$jobs" readelf -V -W >/dev/null 2>&1 || true
t3=$(date +%s.%N)
set +e
"$ferry" check -q -t manylinux2014 "$dir" >/dev/null 2>&1
set -e
t4=$(date +%s.%N)

ferry_s=$(echo "$t1 - $t0" | bc -l)
hints_s=$(echo "$t4 - $t3" | bc -l)
seq_s=$(echo "$t2 - $t1" | bc -l)
par_s=$(echo "$t3 - $t2" | bc -l)
echo "ferry: $(tail -1 /tmp/ferry-check-bench.txt) (exit $rc)"
printf 'ferry check -t manylinux2014 (one call, all cores):  %.2f s\n' "$ferry_s"
printf 'ferry check with fix hints:                         %.2f s\n' "$hints_s"
printf 'readelf -V -W, one process per file:                %.2f s\n' "$seq_s"
printf 'readelf -V -W, xargs -P %s:                          %.2f s\n' "$jobs" "$par_s"
printf 'ratio (readelf sequential / ferry):                 %.1fx\n' "$(echo "$seq_s / $ferry_s" | bc -l)"
printf 'ratio (readelf parallel / ferry):                   %.1fx\n' "$(echo "$par_s / $ferry_s" | bc -l)"
