# Sourced by the bench scripts: one timing loop for all of them. bench_run times a command RUNS times with
# bench/timeit.py (microsecond wall and CPU, peak RSS) and records its median wall time, median CPU time (user + sys: the steadier figure on a shared
# machine), peak RSS and the load average when it started; bench_compare prints ferry's figures next to the
# reference tool's with the ratios. Scripts set BENCH_WORK (a scratch folder) before the first bench_run.

bench_timeit=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/timeit.py
command -v bc >/dev/null || { echo "needs bc (apt-get install bc)" >&2; exit 2; }

# Called before each run with the run's name: a script redefines it to clear outputs. The default only syncs, so
# no run is throttled by the writeback of the previous one's output (the order of the runs would decide ratios).
bench_prep() { sync; }

# BENCH_WARM_MB=N: before each timed run (after bench_prep), N MB of memory are touched and freed
# (bench/warm_memory.c says why), so that every contender writes into memory its host backs. Unset: the machine
# as it is.
bench_warm() {
  [ "${BENCH_WARM_MB:-0}" -gt 0 ] || return 0
  local bin=$BENCH_WORK/warm_memory
  if [ ! -x "$bin" ]; then
    cc -O2 -o "$bin" "$(dirname "$bench_timeit")/warm_memory.c" || { echo "cannot build bench/warm_memory.c" >&2; exit 2; }
  fi
  "$bin" "$BENCH_WARM_MB"
}

bench_median() {  # bench_median "1.2 0.9 1.5": the median of the numbers
  echo $1 | tr ' ' '\n' | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}

bench_load() { cut -d' ' -f1-3 /proc/loadavg; }

# bench_header: when, where and how busy, printed once at the top of a bench's output.
bench_header() {
  echo "$(date -u '+%F %T UTC'), $(nproc) cores, load average $(bench_load) ($(uptime -p))"
  [ "${BENCH_WARM_MB:-0}" -gt 0 ] && echo "memory warmed before each run: ${BENCH_WARM_MB} MB touched and freed (BENCH_WARM_MB)"
  return 0
}

# bench_once NAME CMD...: one timed run of CMD (bench_prep NAME first), its wall and CPU times appended to
# W_NAME and U_NAME, its peak RSS kept in K_NAME if the largest so far, the load when the first run started in
# L_NAME. A non-zero exit stops the bench unless BENCH_ANY_STATUS=1 (a loop over many inputs whose last exit
# status means nothing).
bench_once() {
  local name=$1 w u s k
  shift
  mkdir -p "$BENCH_WORK"
  eval "[ -n \"\${L_$name:-}\" ] || L_$name=$(cut -d' ' -f1 /proc/loadavg)"
  bench_prep "$name"
  bench_warm
  if ! python3 "$bench_timeit" "$@" >/dev/null 2>"$BENCH_WORK/err.$name"; then
    if [ "${BENCH_ANY_STATUS:-0}" != 1 ]; then
      echo "failed: $*" >&2
      tail -20 "$BENCH_WORK/err.$name" >&2
      exit 1
    fi
  fi
  read -r w u s k < <(tail -1 "$BENCH_WORK/err.$name")  # timeit.py's line comes after the command's stderr
  eval "W_$name=\"\${W_$name:-} $w\" U_$name=\"\${U_$name:-} $(echo "$u + $s" | bc)\""
  eval "[ \"\${K_$name:-0}\" -ge $k ] || K_$name=$k"
}

# bench_reset NAME: forgets NAME's runs (a script may time the same name again, on another input).
bench_reset() { eval "W_$1='' U_$1='' K_$1=0 L_$1=''"; }

# bench_summary NAME: from NAME's runs (bench_once), sets T_NAME (median wall s), C_NAME (median CPU s), M_NAME
# (peak RSS MB over the runs) and prints them with every wall time.
bench_summary() {
  local name=$1 walls cpus kb load
  eval "walls=\$W_$name cpus=\$U_$name kb=\${K_$name:-0} load=\$L_$name"
  local w u
  w=$(bench_median "$walls")
  u=$(bench_median "$cpus")
  printf "%-26s %8.3f s   cpu %8.3f s   peak %6d MB   load %5s   (wall:%s)\n" "$name" "$w" "$u" $((kb / 1024)) \
    "$load" "$walls"
  eval "T_$name=$w C_$name=$u M_$name=$((kb / 1024))"
}

# bench_run NAME CMD...: RUNS (default 1) runs of CMD in a row (bench_once), then bench_summary: sets T_NAME,
# C_NAME, M_NAME and L_NAME (1-minute load when the first run started) and prints them.
bench_run() {
  local name=$1 i
  shift
  bench_reset "$name"
  for ((i = 0; i < ${RUNS:-1}; i++)); do bench_once "$name" "$@"; done
  bench_summary "$name"
}

# bench_paired_ratio F R: the median over rounds of F's wall time over R's in the same round (bench_once called
# in rotation, one run of each per round), into P_F_R. A ratio of medians compares runs made up to minutes
# apart; on this shared disk `cp` of the 2 GB wheel took 0.63-2.1 s within one day, so each ferry run is set
# against the cp run just before it, under the same load.
bench_paired_ratio() {
  local f=$1 r=$2 fw rw
  eval "fw=\$W_$f rw=\$W_$r"
  eval "P_${f}_$r=$(paste <(echo $fw | tr ' ' '\n') <(echo $rw | tr ' ' '\n') |
    awk '{printf "%.4f\n", $1 / ($2 < 0.000001 ? 0.000001 : $2)}' | sort -n |
    awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')"
}

bench_ratio() {  # bench_ratio X Y [SCALE]: X / Y
  echo "scale=${3:-2}; $1 / $2" | bc
}

# bench_compare FERRY REF GOAL: ferry's run against the reference's, by name (both already run by bench_run):
# times, ratio ferry/reference and its inverse, how many times faster ferry is (wall and CPU), both peak RSS,
# the goal as text.
bench_compare() {
  local f=$1 r=$2 goal=$3 tf tr cf cr mf mr
  eval "tf=\$T_$f tr=\$T_$r cf=\$C_$f cr=\$C_$r mf=\$M_$f mr=\$M_$r"
  awk -v f="$f" -v r="$r" -v tf="$tf" -v tr="$tr" -v cf="$cf" -v cr="$cr" -v mf="$mf" -v mr="$mr" -v goal="$goal" 'BEGIN {
    if (tf < 0.000001) tf = 0.000001; if (cf < 0.000001) cf = 0.000001
    printf "%s / %s: wall %.3f s / %.3f s = %.3fx (%.1fx faster), cpu %.3f s / %.3f s = %.3fx (%.1fx faster) (goal: %s); peak RSS %s MB vs %s MB\n",
      f, r, tf, tr, tf / tr, tr / tf, cf, cr, cf / cr, cr / cf, goal, mf, mr }'
}

# --- The synthetic-wheel repair benches (bench/repair.sh, bench/repair_huge.sh) ---

# bench_cached_wheel WORK WHEEL KEY BUILD: WHEEL (a synthetic wheel cached under WORK) is made by the function BUILD
# when it is missing or was made for another KEY (its size), after the fixture wheel and its library are built into
# WORK/fx. Then prints what it holds and reads it once, so that every contender finds it in the page cache.
bench_cached_wheel() {
  local work=$1 wheel=$2 key=$3 build=$4
  if [ ! -f "$wheel" ] || [ "$(cat "$work/size" 2>/dev/null)" != "$key" ]; then
    echo "building $(basename "$wheel") ($key) in $work (cached) ..."
    bash "$(dirname "$bench_timeit")/../fixtures/wheel/build.sh" "$work/fx" >/dev/null
    "$build"
    echo "$key" >"$work/size"
  fi
  ls -l "$wheel"
  python3 -c 'import sys,zipfile; i=zipfile.ZipFile(sys.argv[1]).infolist(); print(len(i), "members,", sum(x.file_size for x in i) >> 20, "MB unpacked, largest", max(x.file_size for x in i) >> 20, "MB")' "$wheel"
  cat "$wheel" >/dev/null
}

# bench_goal FERRY REF MAX_RATIO [MAX_RSS_MB]: whether FERRY's wall time is within MAX_RATIO of REF's (and its
# peak RSS within MAX_RSS_MB), as one line. The ratio is the median of the paired ratios when the two were run in
# rotation (bench_paired_ratio set P_FERRY_REF), else the ratio of the median wall times.
bench_goal() {
  local f=$1 r=$2 max=$3 rss=${4:-} tf tr mf pr
  eval "tf=\$T_$f tr=\$T_$r mf=\$M_$f pr=\${P_${f}_$r:-}"
  awk -v f="$f" -v r="$r" -v tf="$tf" -v tr="$tr" -v max="$max" -v mf="$mf" -v rss="$rss" -v pr="$pr" 'BEGIN {
    ratio = pr != "" ? pr + 0 : tf / (tr < 0.000001 ? 0.000001 : tr)
    how = pr != "" ? " (median of the runs paired in rotation)" : ""
    line = sprintf("goal %s <= %sx %s: %.2fx%s, %s", f, max, r, ratio, how, ratio <= max ? "met" : "NOT met")
    if (rss != "") line = line sprintf("; peak RSS %d MB <= %d MB: %s", mf, rss, mf <= rss + 0 ? "met" : "NOT met")
    print line }'
}

# bench_repair_vs_cp WORK WHEEL MAX_RATIO MAX_RSS_MB: RUNS rounds, each timing in turn cp of WHEEL, `ferry
# repair` at its defaults (every member inflated and checked against RECORD) and `ferry repair --trust-record`
# (members copied byte for byte are not inflated), with their peak RSS; then both ratios against cp (of the
# medians, and the median of each round's own ratio, which the goals use) and the goals. Uses $ferry; the fixture
# library directory WORK/fx/lib is the LD_LIBRARY_PATH the wheel's extension needs.
# BENCH_STEPS=1 adds one untimed --trust-record run that prints each step's wall time (FERRY_TIMINGS=1).
# Before each run the previous output is removed and everything written back, then the disk is left alone for
# BENCH_SETTLE seconds (default 3): `sync` returns before the virtual disk has finished with the blocks freed
# and written, and a run started at once paid for the one before it (the 2 GB wheel: cp 0.57 s after a pause,
# 0.8 s right after a repair; a repair's write 0.9 s against 2.9 s).
bench_repair_vs_cp() {
  local work=$1 wheel=$2 max=$3 rss=$4 i n
  bench_prep() { rm -rf "$BENCH_WORK/out" && mkdir -p "$BENCH_WORK/out" && sync && sleep "${BENCH_SETTLE:-3}"; }
  # A run that wrote no repaired wheel is not a time: the bench stops.
  repaired() { ls "$work"/out/*manylinux*.whl >/dev/null 2>&1 || { echo "no repaired wheel in $work/out" >&2; exit 1; }; }
  for n in cp ferry_repair ferry_trust_record; do bench_reset "$n"; done
  for ((i = 0; i < ${RUNS:-1}; i++)); do
    bench_once cp cp "$wheel" "$work/out/copy.whl"
    bench_once ferry_repair env LD_LIBRARY_PATH="$work/fx/lib" "$ferry" repair "$wheel" -w "$work/out"
    repaired
    bench_once ferry_trust_record env LD_LIBRARY_PATH="$work/fx/lib" "$ferry" repair "$wheel" -w "$work/out" --trust-record
    repaired
  done
  for n in cp ferry_repair ferry_trust_record; do bench_summary "$n"; done
  if [ "${BENCH_STEPS:-0}" = 1 ]; then  # one more --trust-record run, its steps' wall times (FERRY_TIMINGS)
    bench_prep steps
    bench_warm
    echo "steps of one ferry repair --trust-record run:"
    FERRY_TIMINGS=1 LD_LIBRARY_PATH="$work/fx/lib" "$ferry" repair "$wheel" -w "$work/out" --trust-record 2>&1 >/dev/null |
      sed 's/^ferry: /  /'
  fi
  echo
  bench_paired_ratio ferry_repair cp
  bench_paired_ratio ferry_trust_record cp
  bench_compare ferry_repair cp "<= ${max}x cp"
  bench_compare ferry_trust_record cp "<= ${max}x cp"
  echo "paired (each run against the cp run of its round): ferry_repair / cp median ${P_ferry_repair_cp}x," \
    "ferry_trust_record / cp median ${P_ferry_trust_record_cp}x"
  bench_goal ferry_repair cp "$max" "$rss"
  bench_goal ferry_trust_record cp "$max" "$rss"
}
