#!/usr/bin/env bash
# One command for a fresh Debian 12 machine: installs what is missing (tools used as test oracles too), builds
# ferry and runs the whole test suite with ctest. Idempotent; reuses the build directory and the cached roots.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
build=${FERRY_BUILD_DIR:-build}
# ccache (when installed) hashes paths relative to the clone, so a fresh clone reuses an earlier clone's objects.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
# The static ferry (the ferry wheel's, built by the ship tests) streams large members through ISA-L, linked from
# an archive built from Debian's source package; without one (offline) it streams them through zlib.
isal_args=()
if [ "$(uname -m)" = x86_64 ]; then
  if isal=$(bash scripts/isal-static.sh "$build"); then isal_args=(-DFERRY_ISAL_STATIC="$isal")
  else echo "test.sh: no static ISA-L archive: the static ferry streams large members through zlib" >&2; fi
fi
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DFERRY_BUILD_TESTS=ON "${isal_args[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest --output-on-failure -j"$(nproc)" --timeout 1200 "$@"
