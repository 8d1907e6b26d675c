#!/usr/bin/env bash
# Pins down: a repaired wheel carries <dist-info>/sboms/ferry.cdx.json, CycloneDX 1.4, with the wheel as a pkg:pypi
# component (the output file name in its purl), the same distribution-package purls auditwheel 6.8.2 writes in its
# own SBOM for the same input (dpkg queries on this Debian machine), a SHA-256 per grafted file equal to the file
# in the wheel, and a RECORD entry. Oracles: auditwheel's auditwheel.cdx.json, dpkg -S, hashlib over the members.
# A tiny extension linking Debian's libzip (which brings zlib, bzip2, xz, zstd, OpenSSL) is built here (~2 s).
source "$(dirname "$0")/../common.sh"
need_cmd gcc
need_cmd dpkg
[ -f /usr/lib/x86_64-linux-gnu/libzip.so ] || skip "libzip-dev is not installed"
inc=$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
[ -f "$inc/Python.h" ] || skip "python3-dev is not installed"
need_oracles
suffix=$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
pytag=$(/usr/bin/python3 -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')

mkdir -p "$T/b/zipext"
gcc -O2 -fPIC -shared -I"$inc" -DMODNAME=_zipext -DMODSTR='"_zipext"' -DVALUE_CALL='zip_libzip_version()[0]' \
  -DEXTRA_DECL='const char* zip_libzip_version(void);' -o "$T/b/zipext/_zipext$suffix" \
  "$SRC/fixtures/wheel/src/ext.c" -lzip
printf 'from ._zipext import value\n' >"$T/b/zipext/__init__.py"
WHL=$T/zipext-1.0-$pytag-$pytag-linux_x86_64.whl
/usr/bin/python3 "$SRC/fixtures/wheel/make_wheel.py" "$WHL" zipext 1.0 "$pytag-$pytag-linux_x86_64" \
  zipext/__init__.py="$T/b/zipext/__init__.py" "zipext/_zipext$suffix=$T/b/zipext/_zipext$suffix"

env -u LD_LIBRARY_PATH "$FERRY" repair --json -w "$T/f" "$WHL" >"$T/f.json" || fail "ferry repair failed"
env -u LD_LIBRARY_PATH PATH="$ORACLES:$PATH" "$ORACLES/auditwheel" repair -w "$T/a" "$WHL" >/dev/null 2>&1 ||
  fail "auditwheel repair failed"

python3 - "$T"/f/*.whl "$T"/a/*.whl "$T/f.json" <<'PY'
import base64, csv, hashlib, io, json, os, sys, zipfile
fw, aw, report = sys.argv[1:4]
def sbom(path, name):
    z = zipfile.ZipFile(path)
    n = [m for m in z.namelist() if m.endswith(".dist-info/sboms/" + name)]
    assert len(n) == 1, f"{os.path.basename(path)}: no single sboms/{name}: {z.namelist()}"
    return z, n[0], json.loads(z.read(n[0]))
fz, fname, f = sbom(fw, "ferry.cdx.json")
az, _, a = sbom(aw, "auditwheel.cdx.json")
assert f["bomFormat"] == "CycloneDX" and f["specVersion"] == "1.4", f
wheel_purl = f["metadata"]["component"]["purl"]
expect = "pkg:pypi/zipext@1.0?file_name=" + os.path.basename(fw)
assert wheel_purl == expect.replace("+", "%2B"), (wheel_purl, expect)
assert wheel_purl == a["metadata"]["component"]["purl"], (wheel_purl, a["metadata"]["component"]["purl"])
purls = lambda d: sorted({c["purl"] for c in d["components"][1:] if "purl" in c})
fp, ap = purls(f), purls(a)
print("auditwheel:", ap)
print("ferry:     ", fp)
assert ap, "auditwheel named no package: the oracle says nothing here"
assert fp == ap, f"package purls differ:\n auditwheel {ap}\n ferry      {fp}"
assert any(p.startswith("pkg:deb/debian/libzip4@") for p in fp), fp
# Every grafted file has a component with its SHA-256 as it is in the wheel.
grafted = [m for m in fz.namelist() if ".libs/" in m and not m.endswith("/")]
by_file = {p["value"]: c for c in f["components"][1:] for p in c.get("properties", []) if p["name"] == "ferry:file"}
assert sorted(by_file) == sorted(grafted), (sorted(by_file), grafted)
for m in grafted:
    h = [x["content"] for x in by_file[m]["hashes"] if x["alg"] == "SHA-256"]
    assert h == [hashlib.sha256(fz.read(m)).hexdigest()], (m, h)
# The wheel depends on every component; RECORD lists the SBOM with its hash.
refs = [c["bom-ref"] for c in f["components"][1:]]
assert f["dependencies"][0] == {"ref": wheel_purl, "dependsOn": refs}, f["dependencies"][0]
record = next(m for m in fz.namelist() if m.endswith(".dist-info/RECORD"))
rows = {r[0]: r for r in csv.reader(io.StringIO(fz.read(record).decode()))}
data = fz.read(fname)
assert rows[fname][1] == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
r = json.load(open(report))["wheels"][0]["sbom"]
assert r == {"file": fname, "packages": fp}, r
PY
# dpkg itself agrees on the owner of the libzip that was grafted.
dpkg -S "$(realpath /usr/lib/x86_64-linux-gnu/libzip.so.4)" | grep -q '^libzip4' || fail "dpkg does not name libzip4"
echo ok
