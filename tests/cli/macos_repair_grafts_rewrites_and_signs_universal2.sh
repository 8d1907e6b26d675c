#!/usr/bin/env bash
# Pins down delocate's job on a universal2 wheel (fixtures/macos_wheel): fixpkg/_ext.so needs libabs by absolute
# path and liba through @rpath (liba needs libb through its own @loader_path rpath). Repair grafts the three into
# fixpkg/.dylibs/, rewrites every reference to @loader_path, sets the grafts' ids to /DLC/..., drops the absolute
# LC_RPATH, keeps /usr/lib, re-signs every modified slice ad hoc and keeps the tag, in the file name and in WHEEL's
# Tag lines (which a repair that kept its tag once dropped). Repairing the output again changes nothing (same
# bytes).
# Oracles: llvm-otool -L and llvm-objdump --macho --private-headers for references, ids and rpaths;
# tests/lib/macho_signature_check.py (independent of ferry) for fat layout, load commands and every page hash,
# itself shown to fail on a one-byte change.
source "$(dirname "$0")/../common.sh"
need_macos_wheel fixpkg-1.0-cp311-cp311-macosx_10_13_universal2.whl
need_llvm_otool
"$FERRY" repair -w "$T/wh" "$whl" >"$T/out"
cat "$T/out"
out=$T/wh/$(basename "$whl")
[ -f "$out" ] || fail "no output wheel with the same tag"
mkdir "$T/x" && (cd "$T/x" && python3 -m zipfile -e "$out" .)
tags() { python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); w = [n for n in z.namelist() if n.endswith(".dist-info/WHEEL")][0]; print(" ".join(l[5:] for l in z.read(w).decode().splitlines() if l.startswith("Tag: ")))' "$1"; }
expect_eq "WHEEL Tag lines" "$(tags "$whl")" "$(tags "$out")"
[ -n "$(tags "$out")" ] || fail "the repaired WHEEL has no Tag line"
expect_eq "grafted set" "liba.dylib libabs.dylib libb.dylib" "$(cd "$T/x/fixpkg/.dylibs" && ls | tr '\n' ' ' | sed 's/ $//')"
deps() { $llvm/llvm-otool -L "$1" | tail -n +2 | awk '{print $1}' | sort | tr '\n' ' ' | sed 's/ $//'; }
expect_eq "_ext.so references" "/usr/lib/libSystem.B.dylib @loader_path/.dylibs/liba.dylib @loader_path/.dylibs/libabs.dylib" \
  "$(deps "$T/x/fixpkg/_ext.so")"
expect_eq "liba references (id first in otool)" "/DLC/fixpkg/.dylibs/liba.dylib /usr/lib/libSystem.B.dylib @loader_path/libb.dylib" \
  "$(deps "$T/x/fixpkg/.dylibs/liba.dylib")"
for arch in x86_64 arm64; do
  hdr=$($llvm/llvm-objdump --macho --private-headers --arch=$arch "$T/x/fixpkg/_ext.so")
  ! grep -q "LC_RPATH" <<<"$hdr" || fail "$arch: the absolute LC_RPATH to the build machine is still there"
  id=$($llvm/llvm-objdump --macho --private-headers --arch=$arch "$T/x/fixpkg/.dylibs/libb.dylib" | grep -A2 LC_ID_DYLIB | awk '/name/{print $2}')
  expect_eq "$arch libb id" /DLC/fixpkg/.dylibs/libb.dylib "$id"
  # liba's @loader_path rpath is not a build-machine path: kept
  grep -q "path @loader_path" <<<"$($llvm/llvm-objdump --macho --private-headers --arch=$arch "$T/x/fixpkg/.dylibs/liba.dylib")" \
    || fail "$arch: liba lost its @loader_path LC_RPATH"
done
check=$SRC/tests/lib/macho_signature_check.py
python3 "$check" --no-linker-signed --require-signature "$T/x/fixpkg/_ext.so" "$T/x/fixpkg/.dylibs/"*.dylib
[ "$(python3 "$check" --require-signature "$T/x/fixpkg/_ext.so" | grep -c 'flags=0x2 ')" = 2 ] || fail "both slices must be ad hoc"
# The checker is not vacuous: one byte changed in a hashed page fails it.
cp "$T/x/fixpkg/_ext.so" "$T/bad.so"
printf 'X' | dd of="$T/bad.so" bs=1 seek=$((4096 + 100)) conv=notrunc 2>/dev/null
expect_rc 1 python3 "$check" "$T/bad.so" >/dev/null
# Idempotent: the repaired wheel is already delocated.
grep -q "copied unchanged" <<<"$("$FERRY" repair -w "$T/wh2" "$out")" || fail "second repair changed something"
cmp "$out" "$T/wh2/$(basename "$whl")" || fail "second repair changed bytes"
echo ok
