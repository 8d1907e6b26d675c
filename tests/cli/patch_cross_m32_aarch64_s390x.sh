#!/usr/bin/env bash
# 32-bit x86 (run natively, or under qemu-i386 when the kernel cannot: tests/common.sh need_i386), AArch64 (run
# under qemu-aarch64) and big-endian s390x (run under qemu-s390x when present; readelf checks otherwise): long RUNPATH + NEEDED rename + SONAME on the library, read back with
# readelf, and the programs print what they printed before.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd eu-elflint
ran=0
try_arch() {  # NAME CC RUNNER(or empty) [flags]
  local name=$1 cc=$2 runner=$3; shift 3
  command -v "${cc%% *}" >/dev/null || { echo "$name: no $cc"; return 0; }
  echo 'int main(){return 0;}' | $cc "$@" -x c - -o "$T/probe-$name" 2>/dev/null || { echo "$name: $cc cannot link"; return 0; }
  local d=$T/$name
  CC="$cc" build_set "$d" "$@"
  STRIP=strip; [ "${cc%-gcc}" != "$cc" ] && STRIP=${cc%-gcc}-strip
  cp "$d/prog" "$d/prog.orig"; cp "$d/libfoo.so.1" "$d/libfoo.orig"
  local base=""
  if [ -n "$runner" ]; then base=$(cd "$d" && LD_BIND_NOW=1 $runner ./prog 2>&1) || fail "$name: unpatched program fails: $base"; fi
  cp "$d/libbar.so.1" "$d/libbar-renamed-longer.so.1"
  local long="\$ORIGIN:/opt/$name/$(printf 'z%.0s' {1..150})"
  "$FERRY" patch --set-rpath "$long" --replace-needed libfoo.so.1 libfoo-renamed-longer.so.1 "$d/prog" >/dev/null
  "$FERRY" patch --set-soname libfoo-renamed-longer.so.1 --set-rpath /opt/lib/$name/long/enough/to/grow "$d/libfoo.so.1" >/dev/null
  mv "$d/libfoo.so.1" "$d/libfoo-renamed-longer.so.1"
  expect_eq "$name rpath" "$long" "$(dyn "$d/prog" RUNPATH)"
  expect_eq "$name needed" "libfoo-renamed-longer.so.1 libc.so.6" "$(dyn "$d/prog" NEEDED)"
  expect_eq "$name soname" "libfoo-renamed-longer.so.1" "$(dyn "$d/libfoo-renamed-longer.so.1" SONAME)"
  readelf -VW "$d/prog" | has "File: libfoo-renamed-longer.so.1" || fail "$name: Verneed not renamed"
  check_clean "$d/prog.orig" "$d/prog"
  check_clean "$d/libfoo.orig" "$d/libfoo-renamed-longer.so.1"
  if [ -n "$runner" ]; then
    expect_eq "$name output" "$base" "$(cd "$d" && LD_BIND_NOW=1 $runner ./prog 2>&1)"
  fi
  ran=$((ran + 1)); echo "$name: ok${runner:+ (ran)}"
}
if probe_i386; then
  echo "m32: 32-bit programs run $([ "$I386_VIA" = native ] && echo natively || echo under qemu-i386)"
  try_arch m32 gcc run_i386 -m32
  [ ! -d "$T/m32" ] || expect_eq "m32 runs" "ctor=1 tls=4 foo=42 name=foo" "$(cd "$T/m32" && LD_BIND_NOW=1 run_i386 ./prog 2>&1)"
else
  echo "m32: cannot run 32-bit x86 programs here (no /lib/ld-linux.so.2, or no IA32 kernel and no qemu-i386)"
  try_arch m32 gcc "" -m32
fi
qa=""; command -v qemu-aarch64 >/dev/null && qa="qemu-aarch64 -L /usr/aarch64-linux-gnu"
try_arch aarch64 aarch64-linux-gnu-gcc "$qa"
qs=""; command -v qemu-s390x >/dev/null && [ -d /usr/s390x-linux-gnu ] && qs="qemu-s390x -L /usr/s390x-linux-gnu"
try_arch s390x s390x-linux-gnu-gcc "$qs"
[ "$ran" -gt 0 ] || skip "no 32-bit or cross compiler"
echo "ok: $ran architectures"
