#!/usr/bin/env bash
# A sysroot's ld.so.cache whose 20,000 entries all name one 100 KB string (a 2.5 MB file that copied string by
# string would cost 4 GB) is read as views into the file: `deps --sysroot` under `ulimit -v` 1 GB resolves through
# it, at once. Oracle: the entry written for libhr.so.1 (the cache's own bytes) and the file in the root.
source "$(dirname "$0")/../common.sh"
make_resolve_pair "$T/b"
r=$T/root
mkdir -p "$r/etc" "$r/opt/c/lib" "$r/usr/bin"
cp "$T/b/libhr.so.1" "$r/opt/c/lib/"
mini_root "$r" "$T/b/prog"
python3 - "$r/etc/ld.so.cache" <<'PY'
import struct, sys
n = 20001
strings = bytearray()
def add(s):
    off = 48 + 24 * n + len(strings)
    strings.extend(s + b"\0")
    return off
k, v = add(b"libhr.so.1"), add(b"/opt/c/lib/libhr.so.1")
big = add(b"x" * 100_000)
head = bytearray(b"glibc-ld.so.cache1.1") + struct.pack("<I", n) + struct.pack("<I", len(strings)) + bytes(20)
head[28] = 2  # little endian
assert len(head) == 48
table = struct.pack("<iIIIQ", 0x0303, k, v, 0, 0)
table += struct.pack("<iIIIQ", 0x0303, big, big, 0, 0) * (n - 1)
open(sys.argv[1], "wb").write(bytes(head) + table + bytes(strings))
PY
set +e
( ulimit -v 1000000; exec timeout 60 "$FERRY" deps -j 1 --json --sysroot "$r" /usr/bin/prog ) >"$T/out.json" 2>"$T/err"
rc=$?
set -e
[ "$rc" = 0 ] || { cat "$T/err"; fail "exit $rc under ulimit -v 1000000 (expected 0)"; }
python3 - "$T/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
node = d["files"][0]["tree"]["children"][0]
assert node["path"] == "/opt/c/lib/libhr.so.1" and node["rule"] == "ld_so_cache", node
assert d["warnings"] == [], d["warnings"]
PY
echo ok
