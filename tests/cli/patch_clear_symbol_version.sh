#!/usr/bin/env bash
# --clear-symbol-version SYM makes SYM unversioned (.gnu.version = 1) and drops the Vernaux it used once no
# other symbol uses it (and the Verneed when it has no Vernaux left); the program still runs.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc; need_cmd eu-elflint
build_set "$T/b"
cp "$T/b/prog" "$T/b/orig"
"$FERRY" patch --clear-symbol-version foo_value "$T/b/prog" >/dev/null
readelf -sW --dyn-syms "$T/b/prog" | has " foo_value$" || fail "foo_value still versioned"
readelf -VW "$T/b/prog" | has "FOO_1.0" || fail "FOO_1.0 dropped while foo_name still uses it"
"$FERRY" patch --clear-symbol-version foo_name "$T/b/prog" >/dev/null
readelf -VW "$T/b/prog" | has "FOO_1.0" && fail "FOO_1.0 kept after its last user was cleared"
readelf -VW "$T/b/prog" | has "File: libfoo.so.1" && fail "empty Verneed for libfoo.so.1 kept"
expect_eq "runs" "ctor=1 tls=4 foo=42 name=foo" "$(run_bound "$T/b/prog")"
check_clean "$T/b/orig" "$T/b/prog"
# Now nothing binds to libfoo's versions: removing it is allowed.
"$FERRY" patch --remove-needed libfoo.so.1 --output "$T/b/p2" "$T/b/prog" >/dev/null
expect_eq "removed" "libc.so.6" "$(dyn "$T/b/p2" NEEDED)"
expect_rc 2 "$FERRY" patch --clear-symbol-version no_such_symbol "$T/b/prog"
echo ok
