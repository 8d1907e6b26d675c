#!/usr/bin/env bash
# One command for a fresh Debian 12 machine: installs what is missing, builds ferry (Release) and runs the main
# job on a built-in default: inspect and check ferry's own binary, and resolve its dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
build=${FERRY_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DFERRY_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target ferry_cli
ferry="$build/bin/ferry"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("$ferry")
# A failed verdict (exit 1: a missing library, a target not met) is the job's answer, not a failure of the job;
# usage errors and unreadable inputs (2) or internal errors (3) still fail the script.
verdict() { set +e; "$@"; local rc=$?; set -e; [ "$rc" -le 1 ] || exit "$rc"; return 0; }
echo "== ferry inspect"
verdict "$ferry" inspect "${targets[@]}"
echo "== ferry deps"
verdict "$ferry" deps "${targets[@]}"
echo "== ferry check -t manylinux2014 -t centos7"
verdict "$ferry" check -t manylinux2014 -t centos7 "${targets[@]}"
