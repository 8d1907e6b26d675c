#!/usr/bin/env bash
# The static ferry (the one in the ferry wheel) runs LIEF's PE ordinal-table constructors on LIEF's first use
# instead of at start-up (tools/static/defer_lief_init.sh): its start-up .init_array no longer holds them, and
# with them run late it still reads PE and Mach-O files as llvm-readobj and llvm-objdump do (the inspect tests,
# run with FERRY set to the static binary; LIEF cross-checks every PE and Mach-O file they read).
# Oracles: readelf -S on the binary; llvm-readobj / llvm-objdump through the two inspect tests.
# timeout: 900
source "$(dirname "$0")/../common.sh"
source "$SRC/tests/lib/ship_wheel.sh"
need_ferry_wheel
[ -x /usr/lib/llvm-14/bin/llvm-readobj ] || skip "llvm-readobj 14 is not installed"
sections=$(readelf -SW "$STATIC_FERRY")
grep -q ' ferry_deferred_init ' <<< "$sections" ||
  skip "this build's libLIEF.a has no PE utils object as defer_lief_init.sh expects: nothing is deferred"
FERRY=$STATIC_FERRY bash "$SRC/tests/cli/inspect_pe_json_matches_readobj.sh" || fail "the static ferry reads PE files differently"
rc=0
FERRY=$STATIC_FERRY bash "$SRC/tests/cli/inspect_macho_json_matches_objdump.sh" || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 77 ] || fail "the static ferry reads Mach-O files differently"
echo ok
