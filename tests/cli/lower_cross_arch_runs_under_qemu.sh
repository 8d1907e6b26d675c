#!/usr/bin/env bash
# timeout: 120
# ferry lower on aarch64 and i386: a program cross-built here (glibc 2.36; constructor, threads, dlopen, exp,
# fcntl64; on aarch64 also the stat and mknod families) fails against Debian 11's glibc 2.31 for its architecture (libc6 .deb, pinned, run with qemu -L);
# lowered to debian11, and to an older manylinux (exp and fcntl64 rebound too), it prints there what the
# original prints against this machine's cross glibc, and the lowered file still runs against that one; so does
# a program linked to a shared library of its own (threads, exp), both lowered. Where
# ferry has no polyfill the refusal names the symbol (fcntl64 on i386, whose old fcntl is another function).
source "$(dirname "$0")/../common.sh"
need_cmd qemu-aarch64
need_cmd qemu-i386
need_cmd readelf
src=$SRC/fixtures/lower/xprog.c
ran=0

# old_root ARCH: the extracted bullseye libc6 root, or skip when the archive is unreachable.
old_root() {
  local rc=0 r
  r=$(bash "$SRC/scripts/bullseye-libc.sh" "$BUILD" "$1") || rc=$?
  [ "$rc" = 77 ] && skip "Debian's archive is unreachable and no bullseye libc6 ($1) is cached"
  [ "$rc" = 0 ] || fail "scripts/bullseye-libc.sh $1 failed"
  echo "$r"
}

# check_arch NAME QEMU NEW_ROOT OLD_ROOT PROG OLDER_TARGET
check_arch() {
  local name=$1 q=$2 new=$3 old=$4 prog=$5 older=$6 want out
  want=$($q -L "$new" "$prog")
  expect_eq "$name original, new glibc" "ctor=1 thread=42 cos(0)=1.0 exp(1)=2.718 fcntl=1" "$want"
  set +e; $q -L "$old" "$prog" >/dev/null 2>"$T/err"; local rc=$?; set -e
  [ "$rc" != 0 ] || fail "$name: the unlowered program ran against glibc 2.31"
  grep -q "version \`GLIBC_2.34' not found" "$T/err" || fail "$name: unexpected failure: $(cat "$T/err")"
  for target in debian11 "$older"; do
    out=$T/$name.$target
    "$FERRY" lower -t "$target" "$prog" -o "$out" >"$T/log" || { cat "$T/log"; fail "$name: lower -t $target failed"; }
    readelf -VW "$out" | grep -q "GLIBC_2.3[2-9]" && fail "$name $target: readelf still finds a GLIBC_2.32+ requirement"
    expect_eq "$name lowered to $target, glibc 2.31" "$want" "$($q -L "$old" "$out")"
    expect_eq "$name lowered to $target, glibc 2.31, LD_BIND_NOW" "$want" "$($q -L "$old" -E LD_BIND_NOW=1 "$out")"
    expect_eq "$name lowered to $target, new glibc" "$want" "$($q -L "$new" "$out")"
  done
  grep -q "rebind	exp@GLIBC_2.29" "$T/log" || fail "$name: exp was not rebound for $older"
  ran=$((ran + 1))
}

# check_library NAME QEMU NEW_ROOT OLD_ROOT CC...: a shared library (pthread_create@2.34, exp@2.29) and a program
# linked to it, both lowered to debian11, run against glibc 2.31 as the originals do against the new one.
check_library() {
  local name=$1 q=$2 new=$3 old=$4 want
  shift 4
  mkdir -p "$T/$name-lib/orig" "$T/$name-lib/low"
  printf '#include <math.h>\n#include <pthread.h>\nstatic void* w(void* p) { *(double*)p = exp(*(double*)p); return p; }\ndouble libx(double x) { pthread_t t; pthread_create(&t, 0, w, &x); pthread_join(t, 0); return x; }\n' >"$T/libx.c"
  printf '#include <stdio.h>\ndouble libx(double);\nint main(int argc, char** argv) { (void)argv; printf("libx(%%d)=%%.3f\\n", argc, libx(argc)); return 0; }\n' >"$T/host.c"
  "$@" -O1 -shared -fPIC -Wl,-soname,libx.so -o "$T/$name-lib/orig/libx.so" "$T/libx.c" -lm
  "$@" -O1 -o "$T/$name-lib/orig/host" "$T/host.c" "$T/$name-lib/orig/libx.so"
  want=$($q -L "$new" -E LD_LIBRARY_PATH="$T/$name-lib/orig" "$T/$name-lib/orig/host")
  expect_eq "$name library, original" "libx(1)=2.718" "$want"
  for f in libx.so host; do "$FERRY" lower -t debian11 "$T/$name-lib/orig/$f" -o "$T/$name-lib/low/$f" >/dev/null; done
  expect_eq "$name library lowered, glibc 2.31" "$want" \
    "$($q -L "$old" -E LD_LIBRARY_PATH="$T/$name-lib/low" -E LD_BIND_NOW=1 "$T/$name-lib/low/host")"
}

if command -v aarch64-linux-gnu-gcc >/dev/null && [ -f /usr/aarch64-linux-gnu/lib/libc.so.6 ]; then
  aarch64-linux-gnu-gcc -O1 -D_FILE_OFFSET_BITS=64 -o "$T/a64" "$src" -lm
  check_arch aarch64 qemu-aarch64 /usr/aarch64-linux-gnu "$(old_root arm64)" "$T/a64" manylinux2014
  grep -q "rebind	fcntl64@GLIBC_2.28 (libc.so.6) -> fcntl@GLIBC_2.17" "$T/log" || fail "aarch64: fcntl64 not rebound to fcntl@2.17"
  check_library aarch64 qemu-aarch64 /usr/aarch64-linux-gnu "$(old_root arm64)" aarch64-linux-gnu-gcc
  # The stat and mknod families (2.33) through aarch64 glue: x86_64's fixture program, cross-built.
  aarch64-linux-gnu-gcc -O1 -D_FILE_OFFSET_BITS=64 -o "$T/a64-stat" "$SRC/fixtures/lower/prog.c"
  want=$(qemu-aarch64 -L /usr/aarch64-linux-gnu "$T/a64-stat")
  case $want in *"stat=0 same=1 dir=1 mknod=0 fifos=1"*) ;; *) fail "aarch64 stat program, original: $want" ;; esac
  "$FERRY" lower -t debian11 "$T/a64-stat" -o "$T/a64-stat.low" >"$T/log"
  grep -q "glue	fstatat64@GLIBC_2.33 (libc.so.6) -> __fxstatat64@GLIBC_2.17" "$T/log" || fail "aarch64: no stat glue: $(cat "$T/log")"
  expect_eq "aarch64 stat program lowered, glibc 2.31" "$want" \
    "$(qemu-aarch64 -L "$(old_root arm64)" -E LD_BIND_NOW=1 "$T/a64-stat.low")"
  expect_eq "aarch64 stat program lowered, lazy binding" "$want" "$(qemu-aarch64 -L "$(old_root arm64)" "$T/a64-stat.low")"
fi
if [ -f /usr/lib32/libc.so.6 ] && gcc -m32 -O1 -D_FILE_OFFSET_BITS=64 -o "$T/i386" "$src" -lm 2>/dev/null; then
  check_arch i386 qemu-i386 / "$(old_root i386)" "$T/i386" manylinux_2_28
  expect_rc 1 "$FERRY" lower -t manylinux2014 "$T/i386" -o "$T/i386.refused" 2>"$T/err"
  grep -q "fcntl64@GLIBC_2.28" "$T/err" || fail "i386: the refusal does not name fcntl64: $(cat "$T/err")"
  [ ! -e "$T/i386.refused" ] || fail "i386: a refused lowering wrote its output"
  check_library i386 qemu-i386 / "$(old_root i386)" gcc -m32
fi
[ "$ran" -gt 0 ] || skip "no aarch64 cross compiler and no gcc -m32 (libc6-dev-i386)"
echo "ok ($ran architectures)"
