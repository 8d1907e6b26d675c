#!/usr/bin/env bash
# --shrink-rpath keeps only directories that hold a NEEDED library of the same machine (and relative entries
# such as $ORIGIN); --allowed-rpath-prefixes further drops directories outside the given prefixes.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc
build_set "$T/b"
mkdir -p "$T/empty" "$T/has" "$T/other/has" "$T/wrongarch"
cp "$T/b/libfoo.so.1" "$T/has/"; cp "$T/b/libfoo.so.1" "$T/other/has/"
if gcc -m32 -shared -fPIC -o "$T/wrongarch/libfoo.so.1" "$PFX/libbar.c" 2>/dev/null; then :; else echo "not elf" > "$T/wrongarch/libfoo.so.1"; fi
"$FERRY" patch --set-rpath "$T/empty:$T/wrongarch:\$ORIGIN/x:$T/has:$T/other/has" "$T/b/prog" >/dev/null
cp "$T/b/prog" "$T/p2"
"$FERRY" patch --shrink-rpath "$T/b/prog" >/dev/null
expect_eq "shrunk" "\$ORIGIN/x:$T/has" "$(dyn "$T/b/prog" RUNPATH)"
"$FERRY" patch --shrink-rpath --allowed-rpath-prefixes "$T/other" "$T/p2" >/dev/null
expect_eq "shrunk with prefixes" "\$ORIGIN/x:$T/other/has" "$(dyn "$T/p2" RUNPATH)"
expect_rc 2 "$FERRY" patch --allowed-rpath-prefixes /x "$T/p2"
echo ok
