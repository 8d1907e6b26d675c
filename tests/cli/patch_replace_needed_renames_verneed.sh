#!/usr/bin/env bash
# --replace-needed renames the DT_NEEDED entry and the Verneed file of the same library, with growth (a longer
# name: new strings appended) and without (a name that fits); the program then loads the replacement and its
# versioned symbols bind to it (LD_BIND_NOW=1). Combined with --set-rpath in one call (patchelf 0.14.3's bug).
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc; need_cmd eu-elflint
build_set "$T/b"
cp "$T/b/prog" "$T/b/orig"
verneed_files() { readelf -VW "$1" | sed -n 's/.*File: \([^ ]*\).*/\1/p' | sort | tr '\n' ' '; }
# Without growth: libbar.so.1 is as long as libfoo.so.1.
"$FERRY" patch --replace-needed libfoo.so.1 libbar.so.1 "$T/b/prog" >/dev/null
expect_eq "needed" "libbar.so.1 libc.so.6" "$(dyn "$T/b/prog" NEEDED)"
expect_eq "verneed files" "libbar.so.1 libc.so.6 " "$(verneed_files "$T/b/prog")"
expect_eq "runs with libbar" "ctor=1 tls=4 foo=60 name=bar" "$(run_bound "$T/b/prog")"
check_clean "$T/b/orig" "$T/b/prog"
# With growth, together with a long rpath.
cp "$T/b/libbar.so.1" "$T/b/libbar-with-a-longer-name.so.1"
mkdir -p "$T/b/sub"; mv "$T/b/libbar-with-a-longer-name.so.1" "$T/b/sub/"
"$FERRY" patch --replace-needed libbar.so.1 libbar-with-a-longer-name.so.1 --set-rpath "\$ORIGIN/sub:/some/long/unused/directory/for/growth" "$T/b/prog" >/dev/null
expect_eq "needed after growth" "libbar-with-a-longer-name.so.1 libc.so.6" "$(dyn "$T/b/prog" NEEDED)"
expect_eq "verneed after growth" "libbar-with-a-longer-name.so.1 libc.so.6 " "$(verneed_files "$T/b/prog")"
expect_eq "rpath after growth" "\$ORIGIN/sub:/some/long/unused/directory/for/growth" "$(dyn "$T/b/prog" RUNPATH)"
expect_eq "runs with the renamed libbar" "ctor=1 tls=4 foo=60 name=bar" "$(run_bound "$T/b/prog")"
check_clean "$T/b/orig" "$T/b/prog"
echo ok
