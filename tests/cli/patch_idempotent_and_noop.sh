#!/usr/bin/env bash
# Applying the same edits twice gives the same bytes as applying them once; an empty edit (or --output with no
# edit) gives a byte-identical copy; an edit that changes nothing leaves the file's bytes and mtime alone.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc
build_set "$T/b"
for f in prog libfoo.so.1; do
  cp "$T/b/$f" "$T/once"; cp "$T/b/$f" "$T/twice"
  args=(--set-rpath /opt/idempotent/long/enough/to/need/a/new/string --add-needed libextra.so --replace-needed libc.so.6 libc.so.6)
  [ $f = prog ] && args+=(--set-interpreter "$(readelf -l /bin/true | sed -n 's/.*interpreter: \(.*\)]/\1/p')")
  [ $f = libfoo.so.1 ] && args+=(--set-soname libfoo-renamed-for-idempotence.so.1)
  "$FERRY" patch "${args[@]}" "$T/once" >/dev/null
  "$FERRY" patch "${args[@]}" "$T/twice" >/dev/null
  touch -d '2001-01-01' "$T/twice"
  "$FERRY" patch "${args[@]}" "$T/twice" >/dev/null
  cmp "$T/once" "$T/twice" || fail "$f: a second identical edit changed the bytes"
  expect_eq "$f: mtime kept when nothing changes" "2001-01-01" "$(date -r "$T/twice" +%F)"
  "$FERRY" patch --output "$T/copy" "$T/b/$f" >/dev/null
  cmp "$T/b/$f" "$T/copy" || fail "$f: an empty edit list changed the bytes"
done
# In place through a symlink: the target file changes, the link stays a link.
ln -s libfoo.so.1 "$T/b/libfoo.so"
"$FERRY" patch --set-soname libfoo.so.7 "$T/b/libfoo.so" >/dev/null
[ -L "$T/b/libfoo.so" ] || fail "the symlink was replaced by a file"
expect_eq "target patched" "libfoo.so.7" "$("$FERRY" patch --print-soname "$T/b/libfoo.so.1")"
echo ok
