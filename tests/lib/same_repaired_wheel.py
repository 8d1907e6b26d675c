#!/usr/bin/env python3
"""same_repaired_wheel.py INSIDE_DIR HOST_DIR HOST_LIB INSIDE_LIB: the one wheel in INSIDE_DIR (written by a ferry
run in another root) equals the one in HOST_DIR (written by the host ferry from the same input): same name and
members, every member byte-identical except ferry-provenance.json, whose grafted "from" paths may differ by the
library directory (HOST_LIB seen as INSIDE_LIB), and RECORD, whose every line is checked against the data."""
import base64, glob, hashlib, json, os, sys, zipfile

inside_dir, host_dir, host_lib, inside_lib = sys.argv[1:5]
inside, host = glob.glob(os.path.join(inside_dir, "*.whl")), glob.glob(os.path.join(host_dir, "*.whl"))
assert len(inside) == 1 and len(host) == 1, (inside, host)
assert os.path.basename(inside[0]) == os.path.basename(host[0]), (inside, host)
a, b = zipfile.ZipFile(inside[0]), zipfile.ZipFile(host[0])
assert a.namelist() == b.namelist(), (a.namelist(), b.namelist())
for n in a.namelist():
    if n.endswith("/ferry-provenance.json"):
        pa, pb = json.loads(a.read(n)), json.loads(b.read(n))
        for g in pb["grafted"]:
            g["from"] = g["from"].replace(host_lib, inside_lib)
        assert pa == pb, (pa, pb)
    elif not n.endswith("/RECORD"):
        assert a.read(n) == b.read(n), f"{n} differs from the host ferry's"
record = [n for n in a.namelist() if n.endswith("/RECORD")][0]
for line in a.read(record).decode().splitlines():
    name, digest, size = line.split(",")
    if name == record:
        continue
    data = a.read(name)
    assert digest == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode(), name
    assert int(size) == len(data), name
print(f"same wheel as the host ferry's: {os.path.basename(inside[0])}")
