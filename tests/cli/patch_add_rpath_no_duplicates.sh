#!/usr/bin/env bash
# --add-rpath appends directories in order and never duplicates one already present (patchelf 0.14 does);
# on a file with no search path it creates DT_RUNPATH.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc
build_set "$T/b"
"$FERRY" patch --add-rpath /opt/a:/opt/b "$T/b/prog" >/dev/null
expect_eq "appended" '$ORIGIN:/opt/a:/opt/b' "$(dyn "$T/b/prog" RUNPATH)"
"$FERRY" patch --add-rpath '/opt/b:$ORIGIN:/opt/c' "$T/b/prog" >/dev/null
expect_eq "no duplicates" '$ORIGIN:/opt/a:/opt/b:/opt/c' "$(dyn "$T/b/prog" RUNPATH)"
"$FERRY" patch --add-rpath /opt/z "$T/b/libbar.so.1" >/dev/null
expect_eq "created" '/opt/z' "$(dyn "$T/b/libbar.so.1" RUNPATH)"
expect_eq "still runs" "ctor=1 tls=4 foo=42 name=foo" "$(run_bound "$T/b/prog")"
echo ok
