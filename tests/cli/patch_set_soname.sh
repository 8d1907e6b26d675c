#!/usr/bin/env bash
# --set-soname replaces DT_SONAME (in place when it fits, appended otherwise) and adds one to a library that
# has none; a program linked against the renamed library records the new name.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc; need_cmd eu-elflint
build_set "$T/b"
cp "$T/b/libfoo.so.1" "$T/orig.so"
# In place: libextra's SONAME string has no other reader (libfoo's is shared with its base version definition).
cp "$T/b/libextra.so" "$T/extra.orig"
"$FERRY" patch --set-soname libextra.sx "$T/b/libextra.so" >/dev/null
expect_eq "short" "libextra.sx" "$("$FERRY" patch --print-soname "$T/b/libextra.so")"
expect_eq "same size" "$(stat -c %s "$T/extra.orig")" "$(stat -c %s "$T/b/libextra.so")"
"$FERRY" patch --set-soname libfoo.so.2 "$T/b/libfoo.so.1" >/dev/null
expect_eq "versioned" "libfoo.so.2" "$("$FERRY" patch --print-soname "$T/b/libfoo.so.1")"
"$FERRY" patch --set-soname libfoo-a-much-longer-soname.so.2 "$T/b/libfoo.so.1" >/dev/null
expect_eq "long" "libfoo-a-much-longer-soname.so.2" "$(dyn "$T/b/libfoo.so.1" SONAME)"
check_clean "$T/orig.so" "$T/b/libfoo.so.1"
gcc -shared -fPIC -o "$T/nosoname.so" "$PFX/libbar.c"
"$FERRY" patch --set-soname libnew.so.7 "$T/nosoname.so" >/dev/null
expect_eq "added" "libnew.so.7" "$(dyn "$T/nosoname.so" SONAME)"
cp "$T/b/libfoo.so.1" "$T/b/libfoo-a-much-longer-soname.so.2"
gcc -o "$T/b/p" "$PFX/prog.c" "$T/b/libfoo.so.1" -Wl,-rpath,'$ORIGIN'
expect_eq "program records the new name" "libfoo-a-much-longer-soname.so.2 libc.so.6" "$(dyn "$T/b/p" NEEDED)"
expect_eq "runs" "ctor=1 tls=4 foo=42 name=foo" "$(run_bound "$T/b/p")"
echo ok
