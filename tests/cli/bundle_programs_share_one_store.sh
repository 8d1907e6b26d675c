#!/usr/bin/env bash
# Several executables share one library store, deduplicated by content (libc stored once; a second name of the
# same bytes is a hard link); --rename sets a launcher name and argv[0] follows it; --add places files
# prefix-relative or at SRC=DEST; bad arguments are usage errors (exit 2) naming the problem, and nothing is
# written.
source "$(dirname "$0")/../common.sh"
probe=$FIX/bundle/probe
cp -r "$FIX/bundle" "$T/copy"   # the same program and library from another place: same content
mkdir -p "$T/share/doc"
echo data > "$T/share/doc/readme.txt"
printf '#!/bin/sh\necho tool\n' > "$T/share/doc/tool.sh" && chmod 755 "$T/share/doc/tool.sh"
"$FERRY" bundle "$probe" "$T/copy/probe" /bin/true --rename "$probe=myprobe" --add "$T/share/doc=share/doc" -o "$T/b" >/dev/null
ls "$T/b/bin" "$T/b/libexec"
expect_eq "launchers" "myprobe probe true" "$(ls "$T/b/bin" | xargs)"
expect_eq "argv0 of a renamed program" "argv0=$T/b/bin/myprobe" "$("$T/b/bin/myprobe" argv0)"
expect_eq "libc stored once" 1 "$(ls "$T/b/lib" | grep -c '^libc\.so\.6$')"
expect_eq "same program content linked" "$(stat -c %i "$T/b/libexec/myprobe")" "$(stat -c %i "$T/b/libexec/probe")"
expect_eq "added file" data "$(cat "$T/b/share/doc/readme.txt")"
expect_eq "added executable keeps its x bit" tool "$("$T/b/share/doc/tool.sh")"
python3 - "$T/b/manifest.json" "$FIX/bundle" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
names = [p["name"] for p in m["programs"]]
assert names == ["myprobe", "probe", "true"], names
f = {x["path"]: x for x in m["files"]}
assert f["libexec/probe"].get("hardlink_to") == "libexec/myprobe", f["libexec/probe"]
assert f["lib/libprobedep.so"]["origin"].startswith(sys.argv[2]), "first origin kept"
assert f["share/doc/readme.txt"]["role"] == "added"
assert "DF_1_NODEFLIB" in f["libexec/myprobe"]["edits"]
assert any(e.startswith("sealed /etc/ld.so.cache") for e in f["ld/ld-linux-x86-64.so.2"]["edits"])
assert "GCONV_PATH read as FERRYGCONV" in f["lib/libc.so.6"]["edits"]
assert f["lib/libprobedep.so"]["edits"] == ["search path $ORIGIN"], f["lib/libprobedep.so"]
PY

usage() {  # EXPECTED_MESSAGE ARGS...: exit 2, message on stderr, no output written
  local want=$1; shift
  set +e
  err=$("$FERRY" bundle "$@" 2>&1 >/dev/null)
  rc=$?
  set -e
  expect_eq "exit code of bundle $*" 2 "$rc"
  grep -q -- "$want" <<<"$err" || fail "message for bundle $*: [$err] lacks [$want]"
}
usage "-o OUT is required" "$probe"
usage "no such file" "$T/missing" -o "$T/o1"
usage "--rename takes OLD=NEW" "$probe" --rename probe -o "$T/o2"
usage "two programs named" "$probe" "$probe" -o "$T/o3"
usage "output exists and is not an empty directory" "$probe" -o "$T/b"
usage "not a ferry bundle" --install "$T/share"
cp "$FERRY_BUILD/bin/ferry-launcher" "$T/static-prog"
usage "has no PT_INTERP" "$T/static-prog" -o "$T/o4"
# A library that cannot be found fails the bundle (exit 1) and names it; nothing is written.
cp "$probe" "$T/lonely-probe"
set +e
err=$("$FERRY" bundle "$T/lonely-probe" -o "$T/o5" 2>&1)
rc=$?
set -e
expect_eq "exit code for a missing library" 1 "$rc"
grep -q "libraries not found: libprobedep.so" <<<"$err" || fail "missing library not named: $err"
for o in o1 o2 o3 o4 o5; do [ ! -e "$T/$o" ] || fail "$o was written"; done
echo PASS
