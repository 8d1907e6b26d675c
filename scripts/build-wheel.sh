#!/usr/bin/env bash
# Builds the ferry wheel: dist/ferry-VERSION-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (or the
# aarch64 one, --arch aarch64), holding the fully static ferry (target ferry_static: no DT_NEEDED, no versioned
# glibc symbol) as the console command `ferry` (`<name>.data/scripts/ferry`, installed as it is: no Python
# start-up per call) and a small `ferry` package for `python -m ferry`. Metadata 2.1 with summary, license,
# project URL and Requires-Python; RECORD with sha256.
# Reproducible: member times are SOURCE_DATE_EPOCH (default: the last commit's time), members in a fixed order.
# Usage: scripts/build-wheel.sh [--arch x86_64|aarch64] [--build-dir DIR] [--dist DIR] [--no-deps]
#   --arch       aarch64: cross-builds ferry-VERSION-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.whl with
#                Debian's cross compiler (cmake/aarch64-linux-gnu.cmake) against the arm64 -dev packages
#                (scripts/install-deps.sh --cross-aarch64); its --version runs under qemu-aarch64
#   --build-dir  the CMake build directory (default build/, build/aarch64 for aarch64; configured Release here when
#                it is not yet: for aarch64 without tests, and only ferry_static is built)
#   --dist       where the wheel goes (default dist/)
#   --no-deps    do not run scripts/install-deps.sh (the packages are known to be there)
# FERRY_PROJECT_URL sets the Project-URL (default: the git remote "origin", without credentials).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=""
dist=$src/dist
deps=1
arch=x86_64
while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) build=$(realpath -m "$2"); shift 2 ;;
    --dist) dist=$(realpath -m "$2"); shift 2 ;;
    --no-deps) deps=0; shift ;;
    --arch) arch=$2; shift 2 ;;
    *) echo "usage: scripts/build-wheel.sh [--arch x86_64|aarch64] [--build-dir DIR] [--dist DIR] [--no-deps]" >&2
       exit 2 ;;
  esac
done
[ "$(uname -m)" = x86_64 ] ||
  { echo "build-wheel.sh: builds on an x86_64 machine (aarch64 by cross compiling)" >&2; exit 2; }
case $arch in
  x86_64) build=${build:-$src/build}; run=(); strip=strip ;;
  # The cross-built ferry runs under qemu-user (static: no -L sysroot needed).
  aarch64) build=${build:-$src/build/aarch64}; run=(qemu-aarch64); strip=aarch64-linux-gnu-strip ;;
  *) echo "build-wheel.sh: --arch is x86_64 or aarch64, not $arch" >&2; exit 2 ;;
esac
if [ "$deps" = 1 ]; then
  if [ "$arch" = aarch64 ]; then bash "$src/scripts/install-deps.sh" --cross-aarch64
  else bash "$src/scripts/install-deps.sh"; fi
fi
command -v python3 >/dev/null || { echo "build-wheel.sh: needs python3 (to write the zip)" >&2; exit 2; }

if [ ! -f "$build/CMakeCache.txt" ]; then
  if [ "$arch" = aarch64 ]; then
    cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DFERRY_BUILD_TESTS=OFF \
      -DCMAKE_TOOLCHAIN_FILE="$src/cmake/aarch64-linux-gnu.cmake" >/dev/null
  else
    cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
fi
# x86-64: ISA-L linked into the static ferry (scripts/isal-static.sh, tools/static/static.cmake), unless the
# build already has it (scripts/test.sh configures it so) or it cannot be had (offline: zlib streams, slower).
if [ "$arch" = x86_64 ] && ! grep -q '^FERRY_ISAL_STATIC:FILEPATH=.' "$build/CMakeCache.txt"; then
  if isal=$(bash "$src/scripts/isal-static.sh" "$build"); then
    cmake -S "$src" -B "$build" -DFERRY_ISAL_STATIC="$isal" >/dev/null
  else
    echo "build-wheel.sh: no static ISA-L archive: the wheel's ferry streams large members through zlib" >&2
  fi
fi
cmake --build "$build" --target ferry_static -j"$(nproc)"
bin=$build/bin/static/ferry
version=$("${run[@]}" "$bin" --version | awk '{print $2}')
[ -n "$version" ] || { echo "build-wheel.sh: $bin --version printed no version" >&2; exit 3; }
# What the wheel promises is checked before it is written: nothing newer than manylinux2014 needs, and no
# library at all (readelf: no dynamic section). For aarch64 the judge is a ferry of this machine when there is one
# (FERRY_HOST, else build/bin/ferry, else build/bin/static/ferry), else the aarch64 ferry itself under qemu.
judge=("${run[@]}" "$bin")
if [ "$arch" = aarch64 ]; then
  for h in "${FERRY_HOST:-}" "$src/build/bin/ferry" "$src/build/bin/static/ferry"; do
    if [ -n "$h" ] && [ -x "$h" ]; then judge=("$h"); break; fi
  done
fi
"${judge[@]}" check -t manylinux2014 "$bin" >/dev/null || { "${judge[@]}" check -t manylinux2014 "$bin"; exit 1; }
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
"$strip" -o "$stage/ferry" "$bin"  # 19 MB with symbols, about 13 MB without; the build keeps its unstripped copy
mkdir -p "$dist"
python3 "$src/scripts/wheel/pack.py" --binary "$stage/ferry" --version "$version" --url "$url" --epoch "$epoch" \
  --package "$src/scripts/wheel/ferry" --dist "$dist" --arch "$arch"
