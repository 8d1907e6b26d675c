#!/usr/bin/env bash
# Benchmark: `ferry show` against `auditwheel show` (6.8.2, the pinned venv of scripts/oracles.sh) over every Linux
# wheel of the real-wheel corpus (scripts/corpus.sh), same run: one process per wheel for both, and ferry once with
# every wheel on one command line. Prints total seconds, peak RSS of the largest process, and the ratio.
# Target (issue 13): ferry >= 20x faster. Usage: bench/show_corpus.sh [BUILD_DIR] (FERRY=path overrides).
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
ferry=${FERRY:-$build/bin/ferry}
work=${BENCH_DIR:-$build/bench-show-corpus}
[ -x "$ferry" ] || { echo "ferry not built: $ferry" >&2; exit 2; }
bash "$here/scripts/corpus.sh" "$build" >/dev/null || { echo "the corpus is not available" >&2; exit 2; }
oracles=$(bash "$here/scripts/oracles.sh" "$build" | tail -1)
mkdir -p "$work"
mapfile -t wheels < <(ls "$build"/corpus/wheels/*linux*.whl)
bytes=$(cat "${wheels[@]}" | wc -c)  # also warms the page cache for both
echo "${#wheels[@]} Linux wheels, $((bytes >> 20)) MB"
printf '%s\n' "${wheels[@]}" >"$work/list"
run() {  # run NAME CMD...: runs CMD over the list; prints seconds and peak RSS
  local name=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/time.$name" "$@" >/dev/null 2>"$work/err.$name"
  read -r secs kb < <(tail -1 "$work/time.$name")  # GNU time puts "Command exited with ..." first
  printf "%-22s %8.2f s   peak %5d MB\n" "$name" "$secs" $((kb / 1024))
  eval "T_$name=$secs"
}
run auditwheel_show bash -c 'while read -r w; do "$0" show "$w" >/dev/null 2>&1; done <"$1"' "$oracles/auditwheel" "$work/list"
run ferry_show bash -c 'while read -r w; do "$0" show "$w" >/dev/null 2>&1; done <"$1"' "$ferry" "$work/list"
run ferry_show_one_call "$ferry" show "${wheels[@]}"
ratio() { echo "scale=1; $1 / $2" | bc; }
echo
echo "auditwheel show / ferry show (one process per wheel): $(ratio "$T_auditwheel_show" "$T_ferry_show")x (target >= 20)"
echo "auditwheel show / ferry show (one call):              $(ratio "$T_auditwheel_show" "$T_ferry_show_one_call")x"
