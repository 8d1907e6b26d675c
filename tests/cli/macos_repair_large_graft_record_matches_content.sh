#!/usr/bin/env bash
# Pins down the output of a repair that grafts a library larger than one deflate chunk (bigpkg: libbig.dylib,
# 2 MiB, handed to the zip writer as a file while small rewrites go from memory): every member's RECORD hash and
# size equal those of its bytes in the output wheel (Python's zipfile + hashlib), the graft is re-signed and its
# id set, and the small rewritten _ext.so references it by @loader_path.
# Oracles: hashlib over the extracted members, llvm-otool -L, tests/lib/macho_signature_check.py.
source "$(dirname "$0")/../common.sh"
need_macos_wheel bigpkg-1.0-cp311-cp311-macosx_11_0_arm64.whl
need_llvm_otool
unset MACOSX_DEPLOYMENT_TARGET DYLD_LIBRARY_PATH DYLD_FALLBACK_LIBRARY_PATH
"$FERRY" repair -w "$T/o" "$whl" >/dev/null
out=$T/o/$(basename "$whl")
python3 - "$out" <<'PY'
import base64, csv, hashlib, io, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
rec = [n for n in z.namelist() if n.endswith(".dist-info/RECORD")][0]
rows = {r[0]: r for r in csv.reader(io.StringIO(z.read(rec).decode()))}
assert set(rows) == set(z.namelist()), f"RECORD lists {sorted(rows)}, the wheel holds {sorted(z.namelist())}"
for name in z.namelist():
    if name == rec:
        continue
    data = z.read(name)
    digest = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    assert rows[name][1:] == [digest, str(len(data))], f"{name}: RECORD {rows[name][1:]}, content {digest} {len(data)}"
big = z.getinfo("bigpkg/.dylibs/libbig.dylib")
assert big.file_size > 1 << 20, big.file_size
PY
mkdir "$T/x" && (cd "$T/x" && python3 -m zipfile -e "$out" .)
grep -q "@loader_path/.dylibs/libbig.dylib" <<<"$($llvm/llvm-otool -L "$T/x/bigpkg/_ext.so")" || fail "_ext.so not rewritten"
expect_eq "libbig id" /DLC/bigpkg/.dylibs/libbig.dylib "$($llvm/llvm-otool -L "$T/x/bigpkg/.dylibs/libbig.dylib" | sed -n '2{s/^[[:space:]]*//;s/ (.*//;p}')"
python3 "$SRC/tests/lib/macho_signature_check.py" --no-linker-signed --require-signature \
  "$T/x/bigpkg/_ext.so" "$T/x/bigpkg/.dylibs/libbig.dylib"
echo ok
