#!/usr/bin/env bash
# Run as an unprivileged user, `check DIR` where DIR holds an unreadable subdirectory (with a library that would
# fail the target inside) does not pass: the directory is named on stderr and in --json's "errors", and the exit
# status is 2, while the readable library is still judged. Oracle: ls(1) run as the same user cannot list it.
source "$(dirname "$0")/../common.sh"
need_cmd cc
# As root, the check runs as nobody (root reads every directory); as another user, as that user.
as=()
if [ "$(id -u)" = 0 ]; then
  need_cmd setpriv
  as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  "${as[@]}" "$FERRY" --version >/dev/null 2>&1 || skip "nobody cannot run $FERRY (a parent directory is not searchable)"
fi
chmod 755 "$T"
mkdir -p "$T/d/locked"
echo 'int ok(void) { return 1; }' >"$T/ok.c"
printf '#include <sys/random.h>\nint f(void) { char b[4]; return (int)getrandom(b, 4, 0); }\n' >"$T/bad.c"
cc -shared -fPIC -o "$T/d/libok.so" "$T/ok.c"
cc -shared -fPIC -o "$T/d/locked/libbad.so" "$T/bad.c"
# The library inside fails the target when it can be read (getrandom is GLIBC_2.25, above manylinux2014's 2.17).
expect_rc 1 "$FERRY" check -t manylinux2014 "$T/d/locked/libbad.so" >/dev/null
chmod 000 "$T/d/locked"
trap 'chmod 755 "$T/d/locked"; rm -rf "$T"' EXIT
if "${as[@]}" ls "$T/d/locked" >/dev/null 2>&1; then skip "the locked directory is readable by this user (capabilities?)"; fi

set +e
"${as[@]}" "$FERRY" check -t manylinux2014 "$T/d" >"$T/out" 2>"$T/err"
rc=$?
set -e
[ "$rc" = 2 ] || { cat "$T/out" "$T/err"; fail "exit $rc, expected 2 (a directory was not read)"; }
grep -q "^ferry: $T/d/locked: directory not read: Permission denied" "$T/err" || { cat "$T/err"; fail "the unreadable directory is not named"; }
grep -q "libok.so" "$T/out" || fail "the readable library was not judged"
set +e
"${as[@]}" "$FERRY" check --json -t manylinux2014 "$T/d" >"$T/out.json" 2>/dev/null
rc=$?
set -e
[ "$rc" = 2 ] || fail "--json: exit $rc, expected 2"
python3 - "$T/out.json" "$T/d/locked" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["pass"] is False, d["pass"]
assert any(e["path"] == sys.argv[2] for e in d["errors"]), d["errors"]
PY
# inspect and deps name it too.
set +e
"${as[@]}" "$FERRY" inspect "$T/d" >/dev/null 2>"$T/err"; rc_i=$?
"${as[@]}" "$FERRY" deps "$T/d" >/dev/null 2>"$T/err2"; rc_d=$?
set -e
[ "$rc_i" = 2 ] && grep -q "$T/d/locked" "$T/err" || fail "inspect: exit $rc_i, $(cat "$T/err")"
[ "$rc_d" = 2 ] && grep -q "$T/d/locked" "$T/err2" || fail "deps: exit $rc_d, $(cat "$T/err2")"
echo ok
