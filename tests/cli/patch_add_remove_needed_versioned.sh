#!/usr/bin/env bash
# --add-needed puts new entries first in the order given (patchelf's semantics) and skips present ones;
# --remove-needed drops the entry and its Verneed, but is refused (exit 2, file untouched) while versioned
# symbols still bind to that library.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc; need_cmd eu-elflint
build_set "$T/b"
cp "$T/b/prog" "$T/b/orig"
cp "$T/b/libextra.so" "$T/b/libextra2.so"
"$FERRY" patch --add-needed libextra.so --add-needed libextra2.so --add-needed libfoo.so.1 "$T/b/prog" >/dev/null
expect_eq "order" "libextra.so libextra2.so libfoo.so.1 libc.so.6" "$(dyn "$T/b/prog" NEEDED)"
expect_eq "extra loaded first" "libextra loaded
libextra loaded
ctor=1 tls=4 foo=42 name=foo" "$(run_bound "$T/b/prog")"
check_clean "$T/b/orig" "$T/b/prog"
"$FERRY" patch --remove-needed libextra2.so "$T/b/prog" >/dev/null
expect_eq "removed" "libextra.so libfoo.so.1 libc.so.6" "$(dyn "$T/b/prog" NEEDED)"
sum=$(sha256sum < "$T/b/prog")
err=$("$FERRY" patch --remove-needed libfoo.so.1 "$T/b/prog" 2>&1) && fail "removing a library symbols bind to succeeded"
grep -q "cannot remove NEEDED libfoo.so.1: .* still bind to its version FOO_1.0" <<<"$err" || fail "unclear error: $err"
expect_eq "untouched after refusal" "$sum" "$(sha256sum < "$T/b/prog")"
# A versioned library nothing binds to any more: its Verneed goes with it.
gcc -O1 -o "$T/b/p2" "$PFX/prog.c" -L"$T/b" -l:libfoo.so.1 -l:libbar.so.1 -Wl,--no-as-needed -Wl,-rpath,'$ORIGIN'
readelf -VW "$T/b/p2" | has "File: libbar.so.1" && skip "linker bound symbols to libbar"
"$FERRY" patch --remove-needed libbar.so.1 "$T/b/p2" >/dev/null
expect_eq "no libbar" "libfoo.so.1 libc.so.6" "$(dyn "$T/b/p2" NEEDED)"
echo ok
