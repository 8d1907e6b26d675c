#!/usr/bin/env bash
# Benchmark: `ferry inspect --json` over every ELF under /usr/bin and /usr/lib/x86_64-linux-gnu in one call,
# vs `readelf -d -V -W` over the same files (one process per file, as a script would). Prints times, the ratio
# and ferry's peak memory for the whole set and for a tenth of it (memory must not grow with the file count).
# usage: bench/inspect.sh [path/to/ferry]
set -euo pipefail
ferry=${1:-build/bin/ferry}
dirs=(/usr/bin /usr/lib/x86_64-linux-gnu)
list=$(mktemp)
trap 'rm -f "$list"' EXIT
find "${dirs[@]}" -type f -print0 | xargs -0 file -N --mime-type 2>/dev/null |
  awk -F': ' '$2 ~ /x-(sharedlib|executable|pie-executable|object)/ {print $1}' | sort >"$list"
n=$(wc -l <"$list")
echo "files: $n ELF files under ${dirs[*]}"

t0=$(date +%s.%N)
mapfile -t files <"$list"
/usr/bin/time -f "%M" -o /tmp/ferry-inspect.mem "$ferry" inspect --json "${files[@]}" >/dev/null
t1=$(date +%s.%N)
tr '\n' '\0' <"$list" | xargs -0 -n 1 readelf -d -V -W >/dev/null 2>&1 || true
t2=$(date +%s.%N)
/usr/bin/time -f "%M" -o /tmp/ferry-inspect-small.mem "$ferry" inspect --json "${files[@]:0:$((n / 10))}" >/dev/null

ferry_s=$(echo "$t1 - $t0" | bc -l)
readelf_s=$(echo "$t2 - $t1" | bc -l)
printf 'ferry inspect --json (one call, all cores): %.2f s\n' "$ferry_s"
printf 'readelf -d -V -W (one call per file):        %.2f s\n' "$readelf_s"
printf 'ratio (readelf / ferry):                     %.1fx\n' "$(echo "$readelf_s / $ferry_s" | bc -l)"
echo "ferry peak RSS: $(cat /tmp/ferry-inspect.mem) KiB for $n files, $(cat /tmp/ferry-inspect-small.mem) KiB for $((n / 10)) files"
