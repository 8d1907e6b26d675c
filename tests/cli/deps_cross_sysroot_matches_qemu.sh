#!/usr/bin/env bash
# --sysroot on a cross sysroot (Debian's /usr/aarch64-linux-gnu): an AArch64 program built outside the root
# resolves with that root's loader rules for its machine; oracle: the AArch64 loader itself, run under
# qemu-aarch64 -L ROOT with LD_DEBUG=libs — the objects it initialises are exactly ferry's load list.
source "$(dirname "$0")/../common.sh"
need_cmd aarch64-linux-gnu-gcc
need_cmd qemu-aarch64
root=/usr/aarch64-linux-gnu
[ -f $root/lib/libc.so.6 ] || skip "no AArch64 libc in $root"
cat > "$T/p.c" <<'C'
#include <math.h>
#include <stdio.h>
int main(int argc, char** argv) { printf("%f\n", pow(argc, 2.5)); return 0; }
C
aarch64-linux-gnu-gcc -o "$T/prog" "$T/p.c" -lm
qemu-aarch64 -E LD_DEBUG=libs -L $root "$T/prog" 2> "$T/debug.txt" > /dev/null || fail "program does not run under qemu"
sed -n 's/.*calling init: //p' "$T/debug.txt" | sort > "$T/loader.txt"
[ -s "$T/loader.txt" ] || fail "no LD_DEBUG output from the AArch64 loader"
"$FERRY" deps --sysroot $root --list "$T/prog" | sed 's/.* => //' | sort > "$T/ferry.txt"
diff "$T/loader.txt" "$T/ferry.txt" || fail "ferry's load list differs from the AArch64 loader's"
"$FERRY" deps --sysroot $root "$T/prog" | grep -q "libm.so.6 => /lib/libm.so.6 \[default path\]" ||
  fail "libm not found by the default path of the root"
echo ok
