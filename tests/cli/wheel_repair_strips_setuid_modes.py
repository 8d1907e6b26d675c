#!/usr/bin/env python3
"""Pins down: setuid, setgid and sticky bits of wheel members never reach the repaired wheel (pip would install
them as they are); the permission bits stay (0755 stays 0755).
Oracle: Python's zipfile writes the modes and reads them back from the output's external attributes."""
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
modes = {"simple/suid.sh": 0o104755, "simple/sgid.sh": 0o102755, "simple/both.sh": 0o106755,
         "simple/sticky.txt": 0o101644}
whl = os.path.join(tmp, SIMPLE_NAME)
write_wheel(whl, simple_members() + [(n, b"#!/bin/sh\n", m) for n, m in modes.items()])
with zipfile.ZipFile(whl) as z:
    if any((z.getinfo(n).external_attr >> 16) != m for n, m in modes.items()):
        fail("oracle: zipfile did not store the modes")
r = ferry("repair", whl, "-w", os.path.join(tmp, "out"))
if r.returncode != 0:
    fail(f"exit {r.returncode}: {r.stderr}")
out = os.path.join(tmp, "out", os.listdir(os.path.join(tmp, "out"))[0])
with zipfile.ZipFile(out) as z:
    for n, m in modes.items():
        got = z.getinfo(n).external_attr >> 16
        if got & 0o7000 or got & 0o777 != m & 0o777:
            fail(f"{n}: mode {oct(got)} in the output (input {oct(m)})")
print("ok")
