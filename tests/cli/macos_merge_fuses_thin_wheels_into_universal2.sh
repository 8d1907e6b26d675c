#!/usr/bin/env bash
# Pins down `ferry merge` (delocate-merge): mergepkg's x86_64 and arm64 wheels become one
# mergepkg-1.0-cp311-cp311-macosx_10_13_universal2.whl; each differing Mach-O member becomes a universal file
# whose slices are the two inputs byte for byte; identical members (__init__.py) are kept once; RECORD matches
# the members; a differing non-binary member is an error naming it, with no output.
# Oracles: llvm-lipo -info and -thin (slices compared with cmp), tests/lib/macho_signature_check.py (fat layout),
# Python's zipfile + hashlib for RECORD.
source "$(dirname "$0")/../common.sh"
W=$FIX/macos_wheel
x86=$W/mergepkg-1.0-cp311-cp311-macosx_10_13_x86_64.whl
arm=$W/mergepkg-1.0-cp311-cp311-macosx_11_0_arm64.whl
[ -f "$x86" ] || skip "macOS wheel fixtures were not built"
lipo=/usr/lib/llvm-14/bin/llvm-lipo
[ -x $lipo ] || skip "llvm-lipo-14 is not installed"
"$FERRY" merge -w "$T/out" "$x86" "$arm"
out=$T/out/mergepkg-1.0-cp311-cp311-macosx_10_13_universal2.whl
[ -f "$out" ] || fail "no universal2 wheel: $(ls "$T/out")"
mkdir "$T/m" "$T/a" "$T/b"
(cd "$T/m" && python3 -m zipfile -e "$out" .) && (cd "$T/a" && python3 -m zipfile -e "$x86" .) && (cd "$T/b" && python3 -m zipfile -e "$arm" .)
for f in mergepkg/_ext.so mergepkg/.dylibs/libb.dylib; do
  expect_eq "$f archs" "x86_64 arm64" "$($lipo -archs "$T/m/$f" | xargs)"
  $lipo "$T/m/$f" -thin x86_64 -output "$T/x.bin" && cmp "$T/x.bin" "$T/a/$f" || fail "$f: x86_64 slice changed"
  $lipo "$T/m/$f" -thin arm64 -output "$T/y.bin" && cmp "$T/y.bin" "$T/b/$f" || fail "$f: arm64 slice changed"
  python3 "$SRC/tests/lib/macho_signature_check.py" "$T/m/$f" >/dev/null || fail "$f: layout or signature"
done
cmp "$T/m/mergepkg/__init__.py" "$T/a/mergepkg/__init__.py"
python3 - "$out" <<'PY' || fail "RECORD or WHEEL"
import base64, hashlib, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
rec = {l.split(",")[0]: l.split(",")[1] for l in z.read("mergepkg-1.0.dist-info/RECORD").decode().splitlines()}
names = [n for n in z.namelist() if not n.endswith("/")]
assert sorted(rec) == sorted(names), (sorted(rec), names)
for n in names:
    if not n.endswith("RECORD"):
        assert rec[n] == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(z.read(n)).digest()).rstrip(b"=").decode(), n
assert "Tag: cp311-cp311-macosx_10_13_universal2" in z.read("mergepkg-1.0.dist-info/WHEEL").decode()
PY
# A differing non-binary member: an error naming it, no output.
mkdir "$T/bad" && cp -r "$T/b/." "$T/bad/" && echo "x = 1" >"$T/bad/mergepkg/__init__.py"
python3 "$SRC/fixtures/wheel/make_wheel.py" "$T/mergepkg-1.0-cp311-cp311-macosx_11_0_arm64.whl" mergepkg 1.0 \
  cp311-cp311-macosx_11_0_arm64 mergepkg/__init__.py="$T/bad/mergepkg/__init__.py" mergepkg/_ext.so="$T/b/mergepkg/_ext.so"
set +e
"$FERRY" merge -w "$T/out2" "$x86" "$T/mergepkg-1.0-cp311-cp311-macosx_11_0_arm64.whl" 2>"$T/err"
rc=$?
set -e
expect_eq "exit on a differing __init__.py" 1 "$rc"
grep -q "mergepkg/__init__.py" "$T/err" || fail "the member is not named: $(cat "$T/err")"
[ -z "$(ls -A "$T/out2" 2>/dev/null)" ] || fail "an output was written"
echo ok
