#!/usr/bin/env bash
# --set-execstack/--clear-execstack flip PF_X on PT_GNU_STACK (the loader then maps the stack accordingly);
# --no-default-lib sets DF_1_NODEFLIB (the loader then skips default directories for this object's dependencies).
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc
build_set "$T/b"
stack() { readelf -lW "$1" | awk '/GNU_STACK/{print $7}'; }
"$FERRY" patch --set-execstack "$T/b/prog" >/dev/null
expect_eq "execstack" "RWE" "$(stack "$T/b/prog")"
expect_eq "print" "execstack: X" "$("$FERRY" patch --print-execstack "$T/b/prog")"
"$FERRY" patch --clear-execstack "$T/b/prog" >/dev/null
expect_eq "cleared" "RW" "$(stack "$T/b/prog")"
expect_eq "runs" "ctor=1 tls=4 foo=42 name=foo" "$(run_bound "$T/b/prog")"
"$FERRY" patch --no-default-lib "$T/b/libfoo.so.1" >/dev/null
readelf -dW "$T/b/libfoo.so.1" | has "FLAGS_1.*NODEFLIB" || fail "DF_1_NODEFLIB not set"
expect_eq "a library with NODEFLIB still loads" "ctor=1 tls=4 foo=42 name=foo" "$(run_bound "$T/b/prog")"
"$FERRY" patch --no-default-lib "$T/b/prog" >/dev/null
out=$(run_bound "$T/b/prog" || true)
grep -q "libc.so.6: cannot open" <<<"$out" || fail "NODEFLIB on the program did not stop the default search: $out"
echo ok
