#!/usr/bin/env bash
# --set-execstack/--clear-execstack flip PF_X on PT_GNU_STACK (the loader then maps the stack accordingly), and
# add PT_GNU_STACK to a file that has none (glibc then stops making the stack executable when it loads it);
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

# A library without PT_GNU_STACK (its entry removed from the table): glibc's dlopen makes the stack executable.
# --clear-execstack adds the header; the same dlopen then leaves the stack rw-p.
need_cmd python3
cp "$T/b/libbar.so.1" "$T/nostack.so"
python3 - "$T/nostack.so" <<'P'
import struct, sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read())
phoff, = struct.unpack_from('<Q', b, 32); phent, phnum = struct.unpack_from('<HH', b, 54)
ents = [bytes(b[phoff + i * phent: phoff + (i + 1) * phent]) for i in range(phnum)]
keep = [e for e in ents if struct.unpack_from('<I', e, 0)[0] != 0x6474e551]  # PT_GNU_STACK
assert len(keep) == phnum - 1
for i, e in enumerate(keep): b[phoff + i * phent: phoff + (i + 1) * phent] = e
b[phoff + len(keep) * phent: phoff + phnum * phent] = bytes(phent)
struct.pack_into('<H', b, 56, len(keep))
open(p, 'wb').write(b)
P
stack_after_dlopen() {
  python3 -c 'import ctypes, sys; ctypes.CDLL(sys.argv[1]); print([l.split()[1] for l in open("/proc/self/maps") if "[stack]" in l][0])' "$1"
}
[ -z "$(stack "$T/nostack.so")" ] || fail "the fixture still has PT_GNU_STACK"
expect_eq "stack without PT_GNU_STACK" "rwxp" "$(stack_after_dlopen "$T/nostack.so")"
cp "$T/nostack.so" "$T/cleared.so"
"$FERRY" patch --clear-execstack "$T/cleared.so" >/dev/null
expect_eq "PT_GNU_STACK added" "RW" "$(stack "$T/cleared.so")"
expect_eq "stack after --clear-execstack" "rw-p" "$(stack_after_dlopen "$T/cleared.so")"
check_clean "$T/nostack.so" "$T/cleared.so"
cp "$T/nostack.so" "$T/set.so"
"$FERRY" patch --set-execstack "$T/set.so" >/dev/null
expect_eq "PT_GNU_STACK added, executable" "RWE" "$(stack "$T/set.so")"
echo ok
