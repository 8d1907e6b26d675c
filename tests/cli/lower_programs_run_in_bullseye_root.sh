#!/usr/bin/env bash
# needs: bullseye
# timeout: 120
# Proof by running: programs and a library built here (glibc >= 2.34) fail to start in a Debian 11 root
# (glibc 2.31); lowered to debian11 they start there with the same output as the originals here (also with
# LD_BIND_NOW=1: every binding resolves), `check -t debian11` passes on them, and they still run here.
# Covers: C program (constructor, threads, dlopen/dlsym, stat family, memcpy), C++ program (static
# constructors, throw/catch, __libc_single_threaded), a shared library loaded by a host program.
# C program also: mknod/mknodat (glue passing the device by pointer).
source "$(dirname "$0")/../common.sh"
need_bullseye ferry-lower
L=$FIX/lower
[ -x "$L/prog" ] || skip "lower fixtures were not built (needs x86-64, gcc and glibc >= 2.34)"
mkdir -p "$T/orig" "$T/low" "$run_dir/orig" "$run_dir/low"
cp "$L/prog" "$L/cxx" "$L/host" "$L/libdemo.so" "$T/orig/"

for f in prog cxx host libdemo.so; do
  expect_rc 1 "$FERRY" check --no-hints -t debian11 "$T/orig/$f"
  "$FERRY" lower -t debian11 "$T/orig/$f" -o "$T/low/$f" >"$T/lower.$f" || fail "$f: $(cat "$T/lower.$f")"
  expect_rc 0 "$FERRY" check --no-hints -t debian11 "$T/low/$f"
  # Oracle: readelf names no GLIBC version above 2.31 in the lowered file's requirements.
  if readelf -V -W "$T/low/$f" | grep -oE 'GLIBC_2\.(3[2-9]|[4-9][0-9])' >"$T/too_new"; then
    fail "$f still requires $(sort -u "$T/too_new" | tr '\n' ' ')"
  fi
done
cp "$T/orig/"* "$run_dir/orig/" && cp "$T/low/"* "$run_dir/low/"

for p in prog cxx host; do
  want=$(cd "$T/orig" && "./$p")
  [ -n "$want" ] || fail "$p printed nothing here"
  # Unlowered: the loader refuses it in bullseye, naming a GLIBC version.
  set +e; chroot "$R" sh -c "cd $inside/orig && ./$p" >/dev/null 2>"$T/err"; rc=$?; set -e
  [ "$rc" != 0 ] || fail "$p (not lowered) ran in bullseye"
  grep -q "GLIBC_2.3[2-9]' not found" "$T/err" || fail "$p (not lowered): unexpected failure: $(cat "$T/err")"
  # Lowered: same output in bullseye (lazy and immediate binding) and here.
  got=$(chroot "$R" sh -c "cd $inside/low && ./$p") || fail "$p (lowered) failed in bullseye"
  expect_eq "$p lowered, in bullseye" "$want" "$got"
  got=$(chroot "$R" env LD_BIND_NOW=1 sh -c "cd $inside/low && ./$p") || fail "$p (lowered, LD_BIND_NOW) failed in bullseye"
  expect_eq "$p lowered, in bullseye with LD_BIND_NOW=1" "$want" "$got"
  got=$(cd "$T/low" && "./$p")
  expect_eq "$p lowered, here" "$want" "$got"
done
# The constructors really ran (the glue's whole point): their lines lead the C++ output, the C flag is 1.
(cd "$T/orig" && ./cxx) | head -n2 | grep -qx "constructor second" || fail "cxx: constructors did not print"
(cd "$T/orig" && ./prog) | grep -q "^ctor=1 thread=42 cos(0)=1.0 memcpy stat=0 same=1 dir=1 mknod=0 fifos=1 fcntl=1$" || fail "prog output"
# Lower still (manylinux2014, glibc 2.17): fcntl64@2.28 becomes fcntl@2.2.5; the program still runs there.
"$FERRY" lower -t manylinux2014 "$T/orig/prog" -o "$T/prog2014" >/dev/null
readelf --dyn-syms -W "$T/prog2014" | grep -q " fcntl@GLIBC_2.2.5" || fail "fcntl64 was not rebound to fcntl@GLIBC_2.2.5"
if readelf -V -W "$T/prog2014" | grep -oE 'GLIBC_2\.(1[89]|[2-9][0-9])' >"$T/too_new"; then
  fail "prog2014 still requires $(sort -u "$T/too_new" | tr '\n' ' ')"
fi
cp "$T/prog2014" "$run_dir/low/"
expect_eq "prog lowered to manylinux2014, in bullseye" "$(cd "$T/orig" && ./prog)" "$(chroot "$R" sh -c "cd $inside/low && ./prog2014")"
echo ok
