#!/usr/bin/env bash
# A 32-bit program is bundled with its own loader (ld-linux.so.2), its 32-bit libc and the gconv modules beside
# that libc, and runs: argv[0] through the launcher, /proc/self/exe, iconv, C.UTF-8, exit code.
# On a kernel that cannot execute i386 (or with FERRY_TEST_FORCE_QEMU=1) the launcher's exec of the bundled
# loader would fail with "Exec format error", so the test does the launcher's step itself: the bundled loader
# under qemu-i386 with exactly the arguments and variables tools/launcher/launcher.c gives it.
source "$(dirname "$0")/../common.sh"
probe=$FIX/bundle/probe32
[ -x "$probe" ] || skip "no 32-bit probe (no -m32 toolchain)"
need_i386
"$FERRY" bundle "$probe" -o "$T/b" >/dev/null

# launch_emulated ROOT NAME ARGV0 ARGS...: the launcher's relocatable case (not installed in place).
launch_emulated() {
  local root=$1 name=$2 argv0=$3; shift 3
  local loaders=("$root"/ld/*) libpath=$root/lib host vars=() args=()
  [ ${#loaders[@]} = 1 ] && [ -f "${loaders[0]}" ] || fail "the bundle must hold exactly one loader in ld/"
  if [ -s "$root/.ferry/host-path" ]; then host=$(head -n1 "$root/.ferry/host-path"); libpath+=":$host"; fi
  [ -d "$root/data/gconv" ] && vars+=("FERRYGCONV=$root/data/gconv")
  [ -d "$root/data/locale" ] && vars+=("FERRYLC=$root/data/locale")
  args=(--library-path "$libpath" --inhibit-cache)
  [ -f "$root/.ferry/no-argv0" ] || args+=(--argv0 "$argv0")
  run_i386 "${vars[@]}" "${loaders[0]}" "${args[@]}" "$root/libexec/$name" "$@"
}

if [ "$I386_VIA" = native ]; then
  out=$("$T/b/bin/probe32" argv0 exe iconv locale exit 6) && rc=0 || rc=$?
else
  out=$(launch_emulated "$T/b" probe32 "$T/b/bin/probe32" argv0 exe iconv locale exit 6) && rc=0 || rc=$?
fi
expect_eq "exit code" 6 "$rc"
expect_eq "32-bit probe" "argv0=$T/b/bin/probe32
exe=$T/b/ld/ld-linux.so.2
iconv=e974e9
locale=ok" "$out"
[[ "$(file -L "$T/b/lib/libc.so.6")" == *32-bit* ]] || fail "bundled libc is not the 32-bit one"
if [ "$I386_VIA" = native ]; then echo "PASS (ran natively through the launcher)"
else echo "PASS (the launcher's command run under qemu-i386: the kernel cannot execute i386, or FERRY_TEST_FORCE_QEMU=1)"; fi
