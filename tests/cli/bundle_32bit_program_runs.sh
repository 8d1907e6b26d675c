#!/usr/bin/env bash
# A 32-bit program is bundled with its own loader (ld-linux.so.2), its 32-bit libc and the gconv modules beside
# that libc, and runs: argv[0] through the launcher, /proc/self/exe, iconv, C.UTF-8, exit code.
source "$(dirname "$0")/../common.sh"
probe=$FIX/bundle/probe32
[ -x "$probe" ] || skip "no 32-bit probe (no -m32 toolchain)"
"$FERRY" bundle "$probe" -o "$T/b" >/dev/null
out=$("$T/b/bin/probe32" argv0 exe iconv locale exit 6) && rc=0 || rc=$?
expect_eq "exit code" 6 "$rc"
expect_eq "32-bit probe" "argv0=$T/b/bin/probe32
exe=$T/b/ld/ld-linux.so.2
iconv=e974e9
locale=ok" "$out"
[[ "$(file -L "$T/b/lib/libc.so.6")" == *32-bit* ]] || fail "bundled libc is not the 32-bit one"
echo PASS
