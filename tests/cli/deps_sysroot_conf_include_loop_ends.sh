#!/usr/bin/env bash
# A sysroot's ld.so.conf whose files all include each other (four conf files, each `include
# /etc/ld.so.conf.d/*.conf`) is read once per file: `deps --sysroot` finishes at once, finds the library in the
# directory those files list (rule ld_so_conf), and warns about the loop. Oracle: the directories written into the
# files, and a run of the program with that directory on LD_LIBRARY_PATH.
source "$(dirname "$0")/../common.sh"
make_resolve_pair "$T/b"
"$T/b/prog" 2>/dev/null && fail "the program starts without its library: the oracle cannot tell"
LD_LIBRARY_PATH=$T/b "$T/b/prog" || fail "the program does not run with its library"
r=$T/root
mkdir -p "$r/etc/ld.so.conf.d" "$r/opt/c/lib" "$r/usr/bin"
cp "$T/b/libhr.so.1" "$r/opt/c/lib/"
mini_root "$r" "$T/b/prog"
echo 'include /etc/ld.so.conf.d/*.conf' >"$r/etc/ld.so.conf"
for n in a b c d; do printf 'include /etc/ld.so.conf.d/*.conf\n/opt/%s/lib\n' "$n" >"$r/etc/ld.so.conf.d/$n.conf"; done
set +e
timeout 60 "$FERRY" deps --json --sysroot "$r" /usr/bin/prog >"$T/out.json" 2>"$T/err"
rc=$?
set -e
[ "$rc" != 124 ] || fail "deps --sysroot did not finish in 60 s (include loop followed)"
[ "$rc" = 0 ] || { cat "$T/err"; fail "exit $rc, expected 0"; }
grep -q "warning: /etc/ld.so.conf.d/a.conf: .*include loop" "$T/err" || { cat "$T/err"; fail "no warning about the include loop"; }
python3 - "$T/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
node = d["files"][0]["tree"]["children"][0]
assert node["path"] == "/opt/c/lib/libhr.so.1" and node["rule"] == "ld_so_conf", node
tried = [t["path"] for t in node["tried"] if t["rule"] == "ld_so_conf"]
# Each file is read where it is first included, before the lines after that include: a.conf includes b.conf
# (a.conf itself is being read), b.conf includes c.conf, c.conf d.conf; so d's directory comes first.
assert tried == ["/opt/d/lib", "/opt/c/lib"], tried
assert any("include loop" in w for w in d["warnings"]), d["warnings"]
PY
echo ok
