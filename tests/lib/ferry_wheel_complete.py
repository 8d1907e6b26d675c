#!/usr/bin/env python3
"""ferry_wheel_complete.py WHEEL VERSION ARCH OUT: the ferry wheel scripts/build-wheel.sh packed for ARCH (x86_64 or
aarch64) is complete: METADATA has every field pip and PyPI show (name and version as given, a Source Project-URL,
a lower bound on Python, a description naming the architecture), WHEEL says platlib with exactly the
manylinux_2_17/manylinux2014 tags of ARCH, RECORD lists every member (its own row without hash) with the right
sha256 and size, and the package's Python files are there. Writes the ferry executable (an executable member of
<dist>.data/scripts) to OUT. Oracles: Python's zipfile, hashlib and email parser."""
import base64, email.parser, hashlib, sys, zipfile

whl, version, arch, out = sys.argv[1:5]
cpu = {"x86_64": "x86-64", "aarch64": "AArch64"}[arch]
z = zipfile.ZipFile(whl)
di = f"ferry-{version}.dist-info"
md = email.parser.Parser().parsestr(z.read(f"{di}/METADATA").decode())
for field in ("Metadata-Version", "Name", "Version", "Summary", "License", "Project-URL", "Requires-Python"):
    assert md.get(field), f"METADATA has no {field}"
assert md["Name"] == "ferry" and md["Version"] == version, (md["Name"], md["Version"])
assert md["Project-URL"].startswith("Source, ") and "://" in md["Project-URL"], md["Project-URL"]
assert md["Requires-Python"].startswith(">="), md["Requires-Python"]
assert cpu in md.get_payload(), f"the description does not name the architecture ({cpu})"
wheel = email.parser.Parser().parsestr(z.read(f"{di}/WHEEL").decode())
assert wheel["Root-Is-Purelib"] == "false", wheel["Root-Is-Purelib"]
tags = sorted(wheel.get_all("Tag"))
assert tags == [f"py3-none-manylinux2014_{arch}", f"py3-none-manylinux_2_17_{arch}"], tags
rows = [l.split(",") for l in z.read(f"{di}/RECORD").decode().splitlines()]
listed = {r[0] for r in rows}
assert listed == set(z.namelist()), set(z.namelist()) ^ listed
for name, digest, size in rows:
    if name == f"{di}/RECORD":
        assert digest == "" and size == "", "RECORD hashes itself"
        continue
    data = z.read(name)
    want = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    assert digest == want and int(size) == len(data), f"RECORD lies about {name}"
assert {"ferry/__init__.py", "ferry/__main__.py"} <= set(z.namelist()), z.namelist()
name = [n for n in z.namelist() if n.endswith(".data/scripts/ferry")]
assert len(name) == 1, z.namelist()
assert (z.getinfo(name[0]).external_attr >> 16) & 0o111, "the ferry member is not executable"
open(out, "wb").write(z.read(name[0]))
print(f"complete: {whl}")
