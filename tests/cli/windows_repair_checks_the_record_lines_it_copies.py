#!/usr/bin/env python3
"""Pins down that a repaired Windows wheel never carries a RECORD line ferry did not check, as on Linux and macOS:
the members copied as they are (METADATA, a data file) are read and hashed, and their lines in the new RECORD
are the content's. The fixture wheel (winpkg, vendoring through PATH) with RECORD wrong about a data member's
hash and METADATA's size is repaired (exit 0) with one warning for each, and every line of the output's RECORD
matches its member; the sound wheel gives no warning. With --trust-record (opt-in, as on Linux) the data member's
line, which has its true size, is carried over as it was and counted in members_trusted; METADATA's, whose size
is wrong, is not trusted: warned and corrected. Oracles: Python's zipfile and hashlib."""
import atexit
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

fix = os.path.join(os.environ.get("FERRY_FIXTURES", ""), "winwheel", "x64")
src = os.path.join(fix, "winpkg-1.0-cp312-cp312-win_amd64.whl")
if not os.path.exists(src):
    print("skipped: no MinGW-built Windows wheel fixtures")
    sys.exit(77)
tmp = tempfile.mkdtemp()
atexit.register(shutil.rmtree, tmp, True)  # on every exit, failures included
env = dict(os.environ, PATH=os.path.join(fix, "deps") + os.pathsep + os.environ["PATH"])


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def sha(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build(name, lie):
    """The fixture's members plus winpkg/data.bin, with a RECORD that is true or (lie) wrong about two members."""
    with zipfile.ZipFile(src) as z:
        members = [(i.filename, z.read(i)) for i in z.infolist() if not i.filename.endswith("/RECORD")]
    members.append(("winpkg/data.bin", os.urandom(200 << 10)))
    lines = []
    for n, d in members:
        h, size = sha(d), len(d)
        if lie and n == "winpkg/data.bin":
            h = sha(b"other")
        if lie and n.endswith("/METADATA"):
            size += 3
        lines.append(f"{n},{h},{size}")
    path = os.path.join(tmp, name, os.path.basename(src))
    os.makedirs(os.path.dirname(path))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in members:
            z.writestr(n, d)
        z.writestr("winpkg-1.0.dist-info/RECORD", "\n".join(lines + ["winpkg-1.0.dist-info/RECORD,,"]) + "\n")
    return path


for name, lie in [("lie", True), ("truth", False)]:
    whl = build(name, lie)
    out = os.path.join(tmp, name, "out")
    r = subprocess.run([os.environ["FERRY"], "repair", "--json", "-w", out, whl], capture_output=True, text=True,
                       env=env)
    if r.returncode != 0:
        fail(f"{name}: exit {r.returncode}: {r.stderr.strip()}")
    rep = json.loads(r.stdout)["wheels"][0]
    warned = sorted(w.split("'")[1] for w in rep.get("warnings", []))
    want = ["winpkg-1.0.dist-info/METADATA", "winpkg/data.bin"] if lie else []
    if warned != want:
        fail(f"{name}: warnings {rep.get('warnings')}, expected one for each of {want}")
    with zipfile.ZipFile(os.path.join(out, os.path.basename(src))) as z:
        rec = z.read("winpkg-1.0.dist-info/RECORD").decode().splitlines()
        for line in rec:
            n, h, size = line.rsplit(",", 2)
            if n.endswith("/RECORD"):
                continue
            d = z.read(n)
            if h != sha(d) or int(size) != len(d):
                fail(f"{name}: the output's RECORD line of {n} is {h},{size}; the member is {sha(d)},{len(d)}")
        if len(rec) != len([n for n in z.namelist() if not n.endswith("/")]):
            fail(f"{name}: RECORD does not list every member once")
# --trust-record: the line with a true size is believed and carried over; the one with a wrong size is checked.
whl = build("trusted", True)
out = os.path.join(tmp, "trusted", "out")
r = subprocess.run([os.environ["FERRY"], "repair", "--json", "--trust-record", "-w", out, whl], capture_output=True,
                   text=True, env=env)
if r.returncode != 0:
    fail(f"--trust-record: exit {r.returncode}: {r.stderr.strip()}")
rep = json.loads(r.stdout)["wheels"][0]
if [w.split("'")[1] for w in rep.get("warnings", [])] != ["winpkg-1.0.dist-info/METADATA"] or rep["members_trusted"] < 1:
    fail(f"--trust-record: warnings {rep.get('warnings')}, members_trusted {rep['members_trusted']}")
with zipfile.ZipFile(whl) as zi, zipfile.ZipFile(os.path.join(out, os.path.basename(src))) as z:
    lie = [l for l in zi.read("winpkg-1.0.dist-info/RECORD").decode().splitlines() if l.startswith("winpkg/data.bin,")]
    got = [l for l in z.read("winpkg-1.0.dist-info/RECORD").decode().splitlines() if l.startswith("winpkg/data.bin,")]
    if got != lie:
        fail(f"--trust-record: data.bin's line {got}, expected the input's {lie}")
print("ok")
