#!/usr/bin/env bash
# Builds the ferry wheel: dist/ferry-VERSION-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl, holding the
# fully static ferry (target ferry_static: no DT_NEEDED, no versioned glibc symbol) as the console command `ferry`
# (`<name>.data/scripts/ferry`, installed as it is: no Python start-up per call) and a small `ferry` package for
# `python -m ferry`. Metadata 2.1 with summary, license, project URL and Requires-Python; RECORD with sha256.
# Reproducible: member times are SOURCE_DATE_EPOCH (default: the last commit's time), members in a fixed order.
# Usage: scripts/build-wheel.sh [--build-dir DIR] [--dist DIR] [--no-deps]
#   --build-dir  the CMake build directory (default build/; configured Release here when it is not yet)
#   --dist       where the wheel goes (default dist/)
#   --no-deps    do not run scripts/install-deps.sh (the packages are known to be there)
# FERRY_PROJECT_URL sets the Project-URL (default: the git remote "origin", without credentials).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build
dist=$src/dist
deps=1
while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) build=$(realpath -m "$2"); shift 2 ;;
    --dist) dist=$(realpath -m "$2"); shift 2 ;;
    --no-deps) deps=0; shift ;;
    *) echo "usage: scripts/build-wheel.sh [--build-dir DIR] [--dist DIR] [--no-deps]" >&2; exit 2 ;;
  esac
done
[ "$(uname -m)" = x86_64 ] || { echo "build-wheel.sh: builds the x86_64 wheel on an x86_64 machine" >&2; exit 2; }
if [ "$deps" = 1 ]; then bash "$src/scripts/install-deps.sh"; fi
command -v python3 >/dev/null || { echo "build-wheel.sh: needs python3 (to write the zip)" >&2; exit 2; }

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target ferry_static -j"$(nproc)"
bin=$build/bin/static/ferry
version=$("$bin" --version | awk '{print $2}')
[ -n "$version" ] || { echo "build-wheel.sh: $bin --version printed no version" >&2; exit 3; }
# What the wheel promises is checked before it is written: nothing newer than manylinux2014 needs, and no
# library at all (readelf: no dynamic section).
"$bin" check -t manylinux2014 "$bin" >/dev/null || { "$bin" check -t manylinux2014 "$bin"; exit 1; }
if readelf -d "$bin" | grep -q NEEDED; then echo "build-wheel.sh: $bin has DT_NEEDED entries" >&2; exit 1; fi

url=${FERRY_PROJECT_URL:-}
if [ -z "$url" ]; then
  url=$(git -C "$src" remote get-url origin 2>/dev/null || true)
  url=$(printf '%s' "$url" | sed -E 's#^([a-z+]+://)[^/@]*@#\1#; s#^git@([^:]+):#https://\1/#')  # no user:token@
  case $url in
    *://*) ;;
    "") url="file://$src" ;;
    /*) url="file://$url" ;;  # cloned from a local path
    *) url="file://$(realpath -m "$src/$url")" ;;
  esac
fi
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$src" log -1 --format=%ct 2>/dev/null || echo 315532800)}

stage=$(mktemp -d "$build/ferry-wheel.XXXXXX")
trap 'rm -rf "$stage"' EXIT
strip -o "$stage/ferry" "$bin"  # 19 MB with symbols, about 13 MB without; the build keeps its unstripped copy
mkdir -p "$dist"
python3 "$src/scripts/wheel/pack.py" --binary "$stage/ferry" --version "$version" --url "$url" --epoch "$epoch" \
  --package "$src/scripts/wheel/ferry" --dist "$dist"
