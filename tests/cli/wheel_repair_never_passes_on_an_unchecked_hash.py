#!/usr/bin/env python3
"""Pins down: a repaired wheel never carries a RECORD hash ferry did not check. A 2 MiB non-ELF member (above the
size under which members were always hashed) whose RECORD hash is wrong is repaired with a warning naming it (exit
0), and the output's RECORD gives the hash of its bytes, not the wrong one (what auditwheel's rewritten RECORD gives;
pip installs either); with a true hash the member is repaired and the output's RECORD hash matches its bytes.
Oracle: the wheel is written by Python's zipfile, hashes computed by hashlib."""
import atexit
import os
import shutil
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from wheel_fixtures import *  # noqa: E402,F403

require_fixtures()
tmp = tempfile.mkdtemp()
atexit.register(shutil.rmtree, tmp, True)  # on every exit, failures included
blob, members, true_record, lying = wheel_with_lying_data_member()

for name, record, lie in [("lie", lying, True), ("truth", true_record, False)]:
    d = os.path.join(tmp, name)
    os.makedirs(d)
    whl = os.path.join(d, SIMPLE_NAME)
    write_wheel(whl, members, record)
    out = os.path.join(d, "out")
    r = ferry("repair", whl, "-w", out)
    if lie:
        expect_record_corrected(r, out, "simple/data.bin", blob, what=name)
        continue
    if r.returncode != 0:
        fail(f"{name}: exit {r.returncode}: {r.stderr}")
    with zipfile.ZipFile(os.path.join(out, os.listdir(out)[0])) as z:
        rec = {l.split(",")[0]: l.split(",")[1] for l in z.read("simple-1.0.dist-info/RECORD").decode().splitlines()}
        if rec.get("simple/data.bin") != record_hash(z.read("simple/data.bin")):
            fail(f"{name}: the output's RECORD hash of simple/data.bin does not match its bytes")
print("ok")
