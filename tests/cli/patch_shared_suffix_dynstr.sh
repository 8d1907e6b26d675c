#!/usr/bin/env bash
# GNU ld merges string suffixes in .dynstr: a NEEDED name may be the tail of the RUNPATH string. Shortening the
# RUNPATH in place must not overwrite the shared bytes: NEEDED still reads libfoo.so.1 and the program runs.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc
build_set "$T/b"
gcc -O1 -o "$T/b/p" "$PFX/prog.c" -L"$T/b" -l:libfoo.so.1 -Wl,-rpath,"$T/b:/opt/libfoo.so.1"
strtab=$(readelf -dW "$T/b/p" | awk '/STRTAB/{print $3}')
run_off=$(readelf -dW "$T/b/p" | awk '/RUNPATH/{print $0}')
readelf -p .dynstr "$T/b/p" | has "libfoo.so.1$" || skip "no libfoo.so.1 string"
"$FERRY" patch --set-rpath "$T/b" "$T/b/p" >/dev/null
expect_eq "needed intact" "libfoo.so.1 libc.so.6" "$(dyn "$T/b/p" NEEDED)"
expect_eq "rpath" "$T/b" "$(dyn "$T/b/p" RUNPATH)"
expect_eq "runs" "ctor=1 tls=4 foo=42 name=foo" "$(run_bound "$T/b/p")"
# The same with the suffix shared by the string being replaced itself: set a path whose tail is reused.
"$FERRY" patch --set-rpath "/x/libfoo.so.1" "$T/b/p" >/dev/null
expect_eq "needed intact 2" "libfoo.so.1 libc.so.6" "$(dyn "$T/b/p" NEEDED)"
"$FERRY" patch --set-rpath "$T/b" "$T/b/p" >/dev/null
expect_eq "runs 2" "ctor=1 tls=4 foo=42 name=foo" "$(run_bound "$T/b/p")"
echo ok
