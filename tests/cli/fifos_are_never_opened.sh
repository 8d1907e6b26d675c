#!/usr/bin/env bash
# No command blocks on a FIFO: `inspect FIFO`, `check FIFO`, `deps FIFO` say in one line that it is not a regular
# file (exit 2); a FIFO inside a walked directory is skipped; in a sysroot, a FIFO as etc/ld.so.cache (a warning),
# etc/ld.so.conf (a warning) or as a library (not a candidate) is never opened. Each run is bounded by timeout(1):
# before the fix every one of them blocked forever waiting for a writer.
source "$(dirname "$0")/../common.sh"
need_cmd mkfifo
make_resolve_pair "$T/b"
mkfifo "$T/fifo"
run() { set +e; timeout 30 "$@" >"$T/out" 2>"$T/err"; rc=$?; set -e; [ "$rc" != 124 ] || fail "blocked: $*"; }

for cmd in inspect check deps; do
  run "$FERRY" $cmd "$T/fifo"
  [ "$rc" = 2 ] || fail "$cmd FIFO: exit $rc, expected 2"
  grep -q "^ferry: $T/fifo: .*a FIFO, not a regular file" "$T/err" || { cat "$T/err"; fail "$cmd: no line naming the FIFO"; }
done
mkdir "$T/dir"
cp "$T/b/prog" "$T/dir/"
mkfifo "$T/dir/pipe"
run "$FERRY" inspect "$T/dir"
[ "$rc" = 0 ] || { cat "$T/err"; fail "inspect DIR with a FIFO inside: exit $rc"; }
run "$FERRY" check "$T/dir"
[ "$rc" = 0 ] || { cat "$T/err"; fail "check DIR with a FIFO inside: exit $rc"; }

r=$T/root
mkdir -p "$r/etc" "$r/opt/c/lib" "$r/usr/bin" "$r/lib/x86_64-linux-gnu"
cp "$T/b/prog" "$r/usr/bin/prog"
cp "$T/b/libhr.so.1" "$r/opt/c/lib/"
echo /opt/c/lib >"$r/etc/ld.so.conf"
mkfifo "$r/lib/x86_64-linux-gnu/libc.so.6"      # a library the profile detection and the search both look at
mkfifo "$r/etc/ld.so.cache"
run "$FERRY" deps --json --sysroot "$r" /usr/bin/prog
grep -q "warning: /etc/ld.so.cache: not read: a FIFO" "$T/err" || { cat "$T/err"; fail "no warning naming the FIFO cache"; }
python3 - "$T/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
kids = {c["name"]: c for c in d["files"][0]["tree"]["children"]}
assert kids["libc.so.6"]["path"] is None, kids["libc.so.6"]   # a FIFO is not a library
PY
rm "$r/etc/ld.so.cache" "$r/etc/ld.so.conf"
mkfifo "$r/etc/ld.so.conf"
run "$FERRY" deps --sysroot "$r" /usr/bin/prog
grep -q "warning: /etc/ld.so.conf: not read: a FIFO" "$T/err" || { cat "$T/err"; fail "no warning naming the FIFO ld.so.conf"; }
echo ok
