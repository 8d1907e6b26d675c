#!/usr/bin/env bash
# Benchmark: `ferry show` against `auditwheel show` (6.8.2, the pinned venv of scripts/oracles.sh) over every Linux
# wheel of the real-wheel corpus (scripts/corpus.sh), same run: one process per wheel for both, and ferry once with
# every wheel on one command line. Prints total seconds, peak RSS of the largest process, and the ratio.
# Target (issue 13): ferry >= 20x faster. Timing: bench/lib.sh. Usage: bench/show_corpus.sh [BUILD_DIR] (FERRY=path overrides).
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
BENCH_WORK=$work BENCH_ANY_STATUS=1  # `show` exits 1 for a wheel that is not compliant
source "$here/bench/lib.sh"
bench_header
bench_run auditwheel_show bash -c 'while read -r w; do "$0" show "$w" >/dev/null 2>&1; done <"$1"' "$oracles/auditwheel" "$work/list"
bench_run ferry_show bash -c 'while read -r w; do "$0" show "$w" >/dev/null 2>&1; done <"$1"' "$ferry" "$work/list"
bench_run ferry_show_one_call "$ferry" show "${wheels[@]}"
echo
echo "auditwheel show / ferry show (one process per wheel): $(bench_ratio "$T_auditwheel_show" "$T_ferry_show" 1)x (goal >= 20)"
echo "auditwheel show / ferry show (one call):              $(bench_ratio "$T_auditwheel_show" "$T_ferry_show_one_call" 1)x"
echo "peak RSS: ferry ${M_ferry_show} MB per process, ${M_ferry_show_one_call} MB in one call; auditwheel ${M_auditwheel_show} MB"
echo "load average at the end: $(bench_load)"
