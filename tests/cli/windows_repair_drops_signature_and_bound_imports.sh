#!/usr/bin/env bash
# When repair rewrites the imports of a DLL that is signed, bound and checksummed (libmid.dll of the fixtures,
# given an Authenticode-style certificate table at its end, a bound import directory and a non-zero CheckSum),
# the vendored copy has no signature (directory 4 zeroed, the certificate bytes cut off) and repair says so, no
# bound imports (directory 11 zeroed, descriptors' TimeDateStamp 0), and a CheckSum equal to pefile's
# generate_checksum(); pefile still reads the renamed import. The wheel's RECORD.jws is dropped with a note, and
# the DLLs are found through PATH.
source "$(dirname "$0")/../common.sh"
need_oracles
d=$FIX/winwheel/x64
[ -d "$d" ] || skip "no MinGW-built Windows wheel fixtures"
mkdir -p "$T/deps" && cp "$d/deps/"*.dll "$T/deps/"
"$ORACLES/python" - "$T/deps/libmid.dll" <<'PY'
import struct, sys, pefile
path = sys.argv[1]
pe = pefile.PE(path)
data = bytearray(pe.__data__)
pe.close()
pe = pefile.PE(data=bytes(data))
dirs = pe.OPTIONAL_HEADER.DATA_DIRECTORY
# A WIN_CERTIFICATE-shaped table (length, revision 0x200, type PKCS#7) at the 8-aligned end of the file.
while len(data) % 8:
    data += b"\0"
cert = struct.pack("<IHH", 8 + 64, 0x200, 2) + b"\x30" * 64
off = len(data)
data += cert
struct.pack_into("<II", data, dirs[4].get_file_offset(), off, len(cert))
# A bound import directory entry pointing into the headers (its content is never read by ferry) and bound
# descriptors (TimeDateStamp -1).
struct.pack_into("<II", data, dirs[11].get_file_offset(), 0x200, 0x20)
for e in pe.DIRECTORY_ENTRY_IMPORT:
    struct.pack_into("<I", data, e.struct.get_file_offset() + 4, 0xFFFFFFFF)
struct.pack_into("<I", data, pe.OPTIONAL_HEADER.get_file_offset() + 64, 0x12345)
open(path, "wb").write(data)
PY
# The wheel is signed too: a RECORD.jws (JSON web signature of RECORD), which no longer matches after repair.
cp "$d/winpkg-1.0-cp312-cp312-win_amd64.whl" "$T/winpkg-1.0-cp312-cp312-win_amd64.whl"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1], "a").writestr("winpkg-1.0.dist-info/RECORD.jws", "{}")' \
  "$T/winpkg-1.0-cp312-cp312-win_amd64.whl"
# libmid.dll is found through PATH this time (read by the CLI), not --add-path.
PATH="$T/deps:$PATH" "$FERRY" repair -w "$T/out" "$T/winpkg-1.0-cp312-cp312-win_amd64.whl" >"$T/log"
grep -q "RECORD.jws: wheel signature removed" "$T/log" || fail "repair did not say RECORD.jws was dropped"
unzip -Z1 "$T/out/winpkg-1.0-cp312-cp312-win_amd64.whl" >"$T/members"
grep -q 'RECORD.jws' "$T/members" && fail "RECORD.jws kept"
grep -q '^winpkg.libs/libmid-' "$T/members" || fail "libmid.dll not found through PATH"
grep -q "libmid.dll: Authenticode signature removed" "$T/log" || fail "repair did not say the signature was removed: $(cat "$T/log")"
grep -q "libmid.dll: stale bound imports cleared" "$T/log" || fail "repair did not say bound imports were cleared"
mkdir -p "$T/x" && (cd "$T/x" && unzip -q "$T/out/winpkg-1.0-cp312-cp312-win_amd64.whl")
mid=$(ls "$T"/x/winpkg.libs/libmid-*.dll)
"$ORACLES/python" - "$mid" "$T/deps/libmid.dll" <<'PY' || fail "pefile disagrees with the rewritten libmid.dll"
import sys, pefile
pe = pefile.PE(sys.argv[1])
dirs = pe.OPTIONAL_HEADER.DATA_DIRECTORY
assert dirs[4].VirtualAddress == 0 and dirs[4].Size == 0, "security directory kept"
assert dirs[11].VirtualAddress == 0 and dirs[11].Size == 0, "bound import directory kept"
assert b"\x30" * 64 not in pe.__data__[-80:], "certificate bytes kept"
assert all(e.struct.TimeDateStamp == 0 for e in pe.DIRECTORY_ENTRY_IMPORT), "descriptors still bound"
assert pe.OPTIONAL_HEADER.CheckSum != 0 and pe.OPTIONAL_HEADER.CheckSum == pe.generate_checksum(), \
    (hex(pe.OPTIONAL_HEADER.CheckSum), hex(pe.generate_checksum()))
names = [e.dll.decode() for e in pe.DIRECTORY_ENTRY_IMPORT]
assert any(n.startswith("libleaf-") for n in names), names
orig = len(open(sys.argv[2], "rb").read())
print("ok: signature, bound imports removed; CheckSum", hex(pe.OPTIONAL_HEADER.CheckSum), "size", orig, "->", len(pe.__data__))
PY
