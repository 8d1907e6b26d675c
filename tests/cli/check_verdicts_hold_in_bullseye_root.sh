#!/usr/bin/env bash
# needs: bullseye
# timeout: 300
# Verdicts are proven by running: against a debootstrapped Debian bullseye root (glibc 2.31), every fixture
# program that `ferry check --sysroot` passes really starts in a chroot of that root, and every one it fails
# really fails to start, with the loader naming the version ferry named (needs_234: GLIBC_2.34).
source "$(dirname "$0")/../common.sh"
need_bullseye ferry-check
C=$FIX/check
[ -x "$C/needs_234" ] || skip "check fixtures were not built"

# The named failure: __libc_start_main@GLIBC_2.34 is not defined by the root's libc.so.6.
set +e; "$FERRY" check --sysroot "$R" "$C/needs_234" >"$T/234"; rc=$?; set -e
expect_eq "needs_234 against bullseye" 1 "$rc"
grep -q "__libc_start_main@GLIBC_2.34 (libc.so.6) is not defined by /lib/x86_64-linux-gnu/libc.so.6" "$T/234" ||
  fail "not named: $(cat "$T/234")"
cp "$C/needs_234" "$run_dir/"
set +e; chroot "$R" "$inside/needs_234" >/dev/null 2>"$T/run"; rc=$?; set -e
[ "$rc" != 0 ] || fail "needs_234 ran in bullseye although it needs GLIBC_2.34"
grep -q "GLIBC_2.34' not found" "$T/run" || fail "loader gave another reason: $(cat "$T/run")"

# The pinned program passes and runs.
expect_rc 0 "$FERRY" check --sysroot "$R" "$C/pinned_old"
cp "$C/pinned_old" "$run_dir/"
out=$(chroot "$R" "$inside/pinned_old")
expect_eq "pinned_old output in bullseye" "pinned-old ok 1" "$out"

# Every program fixture: ferry's verdict (against the root, and against the built-in debian11 target) equals
# what really happens when it starts there.
for f in pinned_old memcpy_new getrandom pow_new needs_234 cxx_new; do
  set +e
  "$FERRY" check --no-hints --sysroot "$R" "$C/$f" >/dev/null; verdict=$?
  "$FERRY" check --no-hints -t debian11 "$C/$f" >/dev/null; builtin=$?
  cp "$C/$f" "$run_dir/"
  chroot "$R" "$inside/$f" >/dev/null 2>"$T/err.$f"; ran=$?
  set -e
  [ "$verdict" = 0 ] || [ "$verdict" = 1 ] || fail "$f: exit $verdict"
  if [ "$verdict" = 0 ]; then
    expect_eq "$f passes the check, so it must run" 0 "$ran"
  else
    [ "$ran" != 0 ] || fail "$f fails the check but ran in bullseye"
    grep -q "not found" "$T/err.$f" || fail "$f: unexpected failure: $(cat "$T/err.$f")"
  fi
  expect_eq "$f: debian11 target agrees with the bullseye root" "$verdict" "$builtin"
done
# A wheel member checked against the root: memcpy@GLIBC_2.14 is defined there, libshipped ships inside.
expect_rc 0 "$FERRY" check --sysroot "$R" "$C/pkg-1.0-cp311-cp311-linux_x86_64.whl"
echo ok
