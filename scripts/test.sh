#!/usr/bin/env bash
# One command for a fresh Debian 12 machine: installs what is missing (tools used as test oracles too), builds
# ferry and runs the whole test suite with ctest. Idempotent; reuses the build directory and the cached roots.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
build=${FERRY_BUILD_DIR:-build}
# ccache (when installed) hashes paths relative to the clone, so a fresh clone reuses an earlier clone's objects.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DFERRY_BUILD_TESTS=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest --output-on-failure -j"$(nproc)" --timeout 1200 "$@"
