#!/usr/bin/env bash
# --rename-dynamic-symbols on 32-bit x86 (32-bit bloom words, Elf32_Rel relocations), AArch64 and big-endian
# s390x (GNU hash, and SysV hash alone: 8-byte entries on s390x): the renamed library and program pass eu-elflint (which follows every hash chain) and the program runs
# with LD_BIND_NOW=1 — natively, or under qemu-user when this kernel cannot run it; readelf checks only when
# neither can.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd eu-elflint
need_cmd nm
n=60
{
  echo 'int ferry_counter = 7;'
  for i in $(seq 1 $n); do echo "int ferry_fn$i(int x) { return x + $i; }"; done
} >"$T/lib.c"
{
  echo 'extern int ferry_counter;'
  for i in $(seq 1 $n); do echo "int ferry_fn$i(int);"; done
  echo 'int main(void) { long s = ferry_counter;'
  for i in $(seq 1 $n); do echo "  s += ferry_fn$i(1);"; done
  echo "  return s == 7 + $n + $n * ($n + 1) / 2 ? 0 : 1; }"
} >"$T/main.c"
ran=0
try_arch() {  # NAME CC QEMU-COMMAND [flags]
  local name=$1 cc=$2 qemu=$3; shift 3
  command -v "$cc" >/dev/null || { echo "$name: no $cc"; return 0; }
  echo 'int main(){return 0;}' | $cc "$@" -x c - -o "$T/probe-$name" 2>/dev/null || { echo "$name: $cc cannot link"; return 0; }
  local d=$T/$name runner=""
  STRIP=strip; [ "${cc%-gcc}" != "$cc" ] && STRIP=${cc%-gcc}-strip
  mkdir -p "$d"
  $cc "$@" -O1 -shared -fPIC -o "$d/libren.so" "$T/lib.c"
  $cc "$@" -O1 -o "$d/main" "$T/main.c" -L"$d" -lren
  if "$T/probe-$name" 2>/dev/null; then runner=" "
  elif [ -n "$qemu" ] && command -v "${qemu%% *}" >/dev/null && $qemu "$T/probe-$name" 2>/dev/null; then runner=$qemu
  fi
  nm -D --defined-only "$d/libren.so" | awk '$NF ~ /^ferry_/ {print $NF, $NF "_renamed"}' >"$T/map-$name"
  cp "$d/libren.so" "$d/libren.orig"; cp "$d/main" "$d/main.orig"
  "$FERRY" patchelf --rename-dynamic-symbols "$T/map-$name" "$d/libren.so" "$d/main" || fail "$name: refused"
  expect_eq "$name: exports" "$(awk '{print $2}' "$T/map-$name" | sort)" \
    "$(nm -D --defined-only "$d/libren.so" | awk '$NF ~ /^ferry_/ {print $NF}' | sort)"
  check_clean "$d/libren.orig" "$d/libren.so"
  check_clean "$d/main.orig" "$d/main"
  if [ -n "$runner" ]; then
    (cd "$d" && LD_BIND_NOW=1 LD_LIBRARY_PATH=$d $runner ./main) || fail "$name: the renamed program fails"
    [ "$runner" = " " ] && runner=natively || runner="under $runner"
    echo "$name: ok (ran $runner)"
  else
    echo "$name: ok (not run: no way to execute it here)"
  fi
  ran=$((ran + 1))
}
try_arch m32 gcc "qemu-i386" -m32
try_arch aarch64 aarch64-linux-gnu-gcc "qemu-aarch64 -L /usr/aarch64-linux-gnu"
try_arch s390x s390x-linux-gnu-gcc "qemu-s390x -L /usr/s390x-linux-gnu"
# 64-bit s390's SysV .hash has 8-byte entries; with GNU hash absent the loader must use it.
try_arch s390x-sysv s390x-linux-gnu-gcc "qemu-s390x -L /usr/s390x-linux-gnu" -Wl,--hash-style=sysv
try_arch m32-sysv gcc "qemu-i386" -m32 -Wl,--hash-style=sysv
[ "$ran" -gt 0 ] || skip "no 32-bit or cross compiler"
echo ok
