#!/usr/bin/env bash
# Benchmark: `ferry bundle PROG -o OUT.tar.zst` (resolve the closure, edit, hash, write a reproducible archive)
# vs `tar --zstd` of the same file set (the bundle directory ferry writes, so the bytes are identical): the floor
# any bundler pays to pack these files. Prints wall and CPU (user+sys) times, sizes and the ratios ferry/floor
# (target: within 2x). CPU time is the steadier figure on a shared machine.
# usage: bench/bundle.sh [path/to/ferry] [program...]   (default: clang-tidy-14, git, /usr/bin/python3)
set -euo pipefail
ferry=${1:-build/bin/ferry}
shift || true
progs=("$@")
[ ${#progs[@]} -gt 0 ] || progs=(clang-tidy-14 git /usr/bin/python3)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
timed() {  # OUTFILE CMD...: runs CMD, writes "wall cpu" seconds
  local out=$1; shift
  /usr/bin/time -f '%e %U %S' -o "$out.raw" "$@" >/dev/null
  awk '{printf "%s %.2f\n", $1, $2 + $3}' "$out.raw" >"$out"
}
printf '%-16s %8s %8s %8s %8s %7s %7s %11s %11s %7s\n' program ferry_s tar_s ferry_cpu tar_cpu wall_x cpu_x \
  ferry_bytes tar_bytes size_x
for p in "${progs[@]}"; do
  exe=$(command -v "$p" || true)
  [ -n "$exe" ] || { echo "$p: not installed, skipped"; continue; }
  rm -rf "$tmp/dir" "$tmp"/*.tar.zst
  "$ferry" bundle "$exe" -o "$tmp/dir" >/dev/null   # also warms the page cache for both runs
  timed "$tmp/f" "$ferry" bundle "$exe" -o "$tmp/ferry.tar.zst"
  timed "$tmp/t" tar --zstd -cf "$tmp/floor.tar.zst" -C "$tmp/dir" .
  read -r fw fc <"$tmp/f"; read -r tw tc <"$tmp/t"
  fs=$(stat -c %s "$tmp/ferry.tar.zst"); ts=$(stat -c %s "$tmp/floor.tar.zst")
  awk -v p="$(basename "$p")" -v fw="$fw" -v fc="$fc" -v tw="$tw" -v tc="$tc" -v fs="$fs" -v ts="$ts" 'BEGIN {
    printf "%-16s %8.2f %8.2f %8.2f %8.2f %7.2f %7.2f %11d %11d %7.2f\n", p, fw, tw, fc, tc, fw / tw,
      (tc > 0 ? fc / tc : 0), fs, ts, fs / ts }'
done
