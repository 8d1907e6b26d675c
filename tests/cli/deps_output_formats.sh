#!/usr/bin/env bash
# --list gives ldd's lines for the same program (minus the vdso); --dot is a Graphviz digraph naming every
# library; --why on a library that is found names the rule; a file that is not a binary is a one-line error
# with exit 2; a directory argument skips non-binaries; --target rejects unknown profiles with exit 2.
source "$(dirname "$0")/../common.sh"
need_cmd ldd
prog=/usr/bin/ls
"$FERRY" deps --list "$prog" | sed 's/ *$//' | sort > "$T/ferry.txt"
env -u LD_LIBRARY_PATH ldd "$prog" | grep -v vdso | sed -e 's/^\t//' -e 's/ (0x[0-9a-f]*)$//' |
  sed -E 's#^(/[^ ]*/)?(ld-linux[^ ]*)$#\2 => \1\2#' | sort > "$T/ldd.txt"
diff "$T/ldd.txt" "$T/ferry.txt" || fail "--list differs from ldd"

"$FERRY" deps --dot "$prog" > "$T/g.dot"
head -1 "$T/g.dot" | grep -q '^digraph deps {' || fail "--dot is not a digraph"
grep -q 'libc.so.6' "$T/g.dot" || fail "--dot lacks libc.so.6"
tail -1 "$T/g.dot" | grep -q '^}' || fail "--dot is not closed"

"$FERRY" deps --why libc.so.6 "$prog" > "$T/why.txt"
grep -q "rule: ld.so.cache" "$T/why.txt" || fail "--why does not name the cache"
expect_rc 1 "$FERRY" deps --why libnothing.so.9 "$prog"

echo "not a binary" > "$T/text.txt"
set +e; "$FERRY" deps "$T/text.txt" > /dev/null 2> "$T/err.txt"; rc=$?; set -e
[ "$rc" = 2 ] || fail "a non-binary argument gave exit $rc, expected 2"
[ "$(wc -l < "$T/err.txt")" = 1 ] || fail "error is not one line: $(cat "$T/err.txt")"
grep -q "$T/text.txt" "$T/err.txt" || fail "error does not name the file"

mkdir -p "$T/dir" && cp "$prog" "$T/dir/" && cp "$T/text.txt" "$T/dir/"
"$FERRY" deps --list "$T/dir" > "$T/dir.txt" || fail "a directory with one non-binary file should resolve cleanly"
grep -q "libc.so.6" "$T/dir.txt" || fail "directory walk did not resolve the program"
expect_rc 2 "$FERRY" deps --target nosuchloader "$prog"
echo ok
