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
"$ferry" inspect "${targets[@]}"
"$ferry" deps "${targets[@]}" || true
"$ferry" check --target manylinux2014 --target centos7 "${targets[@]}"
