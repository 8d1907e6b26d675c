#!/usr/bin/env bash
# Benchmark: the same batch of edits (a long --add-rpath) on N system shared libraries with ferry (one call,
# many files) and with patchelf (one call per file): wall times, ratio, total and median bytes of growth.
# Usage: bench/patch.sh [FERRY] [N]   (FERRY defaults to build/bin/ferry; N to 200)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
ferry=${1:-$here/build/bin/ferry}
n=${2:-200}
command -v patchelf >/dev/null || { echo "patchelf is not installed"; exit 1; }
[ -x "$ferry" ] || { echo "no ferry binary at $ferry"; exit 1; }
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
mkdir -p "$t/orig" "$t/ferry" "$t/patchelf"
find /usr/lib/x86_64-linux-gnu -maxdepth 1 -type f -name 'lib*.so.*' | sort | while read -r f; do
  readelf -d "$f" 2>/dev/null | grep -q NEEDED && echo "$f"
done | head -n "$n" > "$t/list" || true
while read -r f; do cp "$f" "$t/orig/"; cp "$f" "$t/ferry/"; cp "$f" "$t/patchelf/"; done < "$t/list"
count=$(wc -l < "$t/list")
rpath=/opt/bench/a/long/rpath/entry/that/does/not/fit/in/place:/opt/bench/second
sync
s=$(date +%s.%N); "$ferry" patch --add-rpath "$rpath" "$t"/ferry/* >/dev/null; e=$(date +%s.%N)
ft=$(echo "$e - $s" | bc)
sync
s=$(date +%s.%N); for f in "$t"/patchelf/*; do patchelf --add-rpath "$rpath" "$f"; done; e=$(date +%s.%N)
pt=$(echo "$e - $s" | bc)
growth() { for f in "$t"/orig/*; do b=$(basename "$f"); echo $(( $(stat -c %s "$t/$1/$b") - $(stat -c %s "$f") )); done; }
stats() { growth "$1" | sort -n | awk '{a[NR]=$1; s+=$1} END {printf "total %d bytes, median %d, max %d", s, a[int((NR+1)/2)], a[NR]}'; }
echo "files: $count shared libraries, edit: --add-rpath (${#rpath} bytes)"
printf 'ferry    (1 call):        %6.2f s   growth %s\n' "$ft" "$(stats ferry)"
printf 'patchelf (%d calls):    %6.2f s   growth %s\n' "$count" "$pt" "$(stats patchelf)"
printf 'ratio patchelf/ferry: %.2fx\n' "$(echo "$pt / $ft" | bc -l)"
within=$(growth ferry | awk -v s=${#rpath} '$1 <= 4096 + s + 1' | wc -l)
echo "ferry files within one page plus the new strings: $within/$count (the rest: sections after the program header table had to move to keep it where strip expects it)"
