#!/usr/bin/env bash
# A damaged ld.so.cache in a sysroot is not ignored without a word: `deps --sysroot` warns on stderr (naming the
# cache and the damage), lists it as unusable among the places tried (text, --json, --why) and puts the warning in
# --json's "warnings". The loader ignores such a cache and searches the default directories: the library, listed
# only by the damaged cache, is missing (exit 1). Oracle: the damage written (an entry count past the file's end).
source "$(dirname "$0")/../common.sh"
make_resolve_pair "$T/b"
r=$T/root
mkdir -p "$r/etc" "$r/opt/c/lib" "$r/usr/bin"
cp "$T/b/libhr.so.1" "$r/opt/c/lib/"
cp "$T/b/prog" "$r/usr/bin/prog"
python3 - "$r/etc/ld.so.cache" <<'PY'
import struct, sys
head = bytearray(b"glibc-ld.so.cache1.1") + struct.pack("<I", 1000) + bytes(24)
head[28] = 2
open(sys.argv[1], "wb").write(bytes(head) + bytes(24))
PY
expect_rc 1 "$FERRY" deps --sysroot "$r" /usr/bin/prog >"$T/tree.txt" 2>"$T/err"
grep -q "^ferry: warning: /etc/ld.so.cache: new cache entry table (1000 entries).*the cache is not used" "$T/err" ||
  { cat "$T/err"; fail "no warning naming the damaged cache"; }
grep -q "tried /etc/ld.so.cache  (ld.so.cache) \[unusable: new cache entry table (1000 entries)" "$T/tree.txt" ||
  { cat "$T/tree.txt"; fail "the tree does not list the cache as unusable"; }
expect_rc 1 "$FERRY" deps --why libhr.so.1 --sysroot "$r" /usr/bin/prog >"$T/why.txt" 2>/dev/null
grep -q "/etc/ld.so.cache  (ld.so.cache) \[unusable:" "$T/why.txt" || { cat "$T/why.txt"; fail "--why does not say the cache was unusable"; }
expect_rc 1 "$FERRY" deps --json --sysroot "$r" /usr/bin/prog >"$T/out.json" 2>/dev/null
python3 - "$T/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["warnings"]) == 1 and "/etc/ld.so.cache" in d["warnings"][0], d["warnings"]
node = d["files"][0]["tree"]["children"][0]
assert node["path"] is None, node
cache = [t for t in node["tried"] if t["rule"] == "ld_so_cache"]
assert len(cache) == 1 and cache[0]["note"].startswith("unusable: new cache entry table"), node["tried"]
# After the cache, the default directories, as the loader does.
assert node["tried"][-1]["rule"] == "default_dir", node["tried"]
PY
echo ok
