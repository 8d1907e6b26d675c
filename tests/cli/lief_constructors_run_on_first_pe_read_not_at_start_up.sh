#!/usr/bin/env bash
# The ferry the build makes links LIEF's archive with its PE tables' constructors moved out of .init_array
# (tools/static/defer_lief_init.sh): a command that reads no PE or Mach-O file never runs them, and the first
# LIEF cross-check does, before LIEF is used. It does not load libLIEF.so, whose constructors would run at every
# start. Oracles: readelf (NEEDED, sections, the constructor's address), gdb (the .init_array in memory at main,
# a breakpoint on the constructor), and the PE read's output.
source "$(dirname "$0")/../common.sh"
command -v gdb >/dev/null || skip "gdb is not installed"
F=$FERRY
sections=$(readelf -SW "$F")
grep -q ' ferry_deferred_init ' <<< "$sections" ||
  skip "this build links libLIEF.so (no libLIEF.a, or not as defer_lief_init.sh expects): nothing is deferred"
if readelf -d "$F" | grep -q 'NEEDED.*libLIEF'; then fail "ferry defers LIEF's constructors and still loads libLIEF.so"; fi
main=$(nm "$F" | awk '$3 == "main" {print $1}')
read -r ia isz < <(awk '$2 == ".init_array" {print $4, $6}' <<< "$sections")
[ -n "$main" ] && [ -n "$ia" ] || skip "ferry has no symbol table or no .init_array to look in"
dll=$FIX/pe/x64/mylib.dll
[ -f "$dll" ] || fail "fixture missing: $dll"

# At main, every start-up constructor has run: the deferred one must not be among them. Then run on, stopping
# once at the deferred constructor if it runs ("Breakpoint 2, ...", then its callers).
cat > "$T/g.gdb" <<EOF
set pagination off
set confirm off
break main
run
set \$base = (long)&main - 0x$main
set \$ctor = *(void**)&__start_ferry_deferred_init
set \$p = (void**)(\$base + 0x$ia)
set \$end = (void**)(\$base + 0x$ia + 0x$isz)
set \$n = 0
set \$found = 0
while \$p < \$end
  if *\$p == \$ctor
    set \$found = 1
  end
  set \$n = \$n + 1
  set \$p = \$p + 1
end
printf "START-UP: %d constructors, the deferred one among them: %d\n", \$n, \$found
break *\$ctor
continue
bt 8
continue
EOF
trace() { timeout 120 gdb -batch -nx -x "$T/g.gdb" --args "$F" "$@" >"$T/gdb.out" 2>&1 || true; }

trace --version
grep -q 'START-UP:' "$T/gdb.out" || skip "gdb could not run ferry here: $(grep -m1 -iE 'error|denied|cannot' "$T/gdb.out")"
grep -q 'START-UP: [1-9][0-9]* constructors, the deferred one among them: 0' "$T/gdb.out" ||
  fail "the deferred constructor is in .init_array at start-up: $(grep START-UP "$T/gdb.out")"
! grep -q '^Breakpoint 2, ' "$T/gdb.out" || fail "ferry --version ran LIEF's deferred constructor"
grep -q '^ferry ' "$T/gdb.out" || fail "ferry --version printed no version under gdb"

trace inspect "$dll"
grep -q '^Breakpoint 2, ' "$T/gdb.out" || fail "reading a DLL never ran LIEF's deferred constructor"
grep -q 'run_deferred_constructors' "$T/gdb.out" || fail "the deferred constructor ran from elsewhere than run_deferred_constructors"
grep -q 'start_lief_quietly' "$T/gdb.out" || fail "the deferred constructor ran before LIEF's first use was asked for"
grep -q 'PE32+ DLL, x86_64' "$T/gdb.out" || fail "the DLL was not read after the constructor ran: $(tail -3 "$T/gdb.out")"
echo ok
