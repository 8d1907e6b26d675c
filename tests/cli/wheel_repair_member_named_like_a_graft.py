#!/usr/bin/env python3
"""Pins down: a wheel that already holds a member at the path a library would be grafted to
(`simple.libs/libfb-<hash8>.so.1`) never yields a wheel with two members of one name. A copy of the very library
is replaced by the graft (one member, SONAME set to the graft name: auditwheel's copylib reuses the existing file
too); any other content is a clash, refused with a one-line error naming the member (exit 2, nothing written).
Oracle: the graft name follows auditwheel's copylib rule (first 8 hex digits of the library's sha256), computed
here; readelf reads the SONAME; Python's zipfile lists the names."""
import atexit
import collections
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from wheel_fixtures import *  # noqa: E402,F403

require_fixtures()
tmp = tempfile.mkdtemp()
atexit.register(shutil.rmtree, tmp, True)  # on every exit, failures included
lib = os.path.realpath(os.path.join(W, "lib", "libfb.so.1"))
lib_bytes = open(lib, "rb").read()
base_name, ext = os.path.basename(lib).split(".", 1)
graft = f"simple.libs/{base_name}-{hashlib.sha256(lib_bytes).hexdigest()[:8]}.{ext}"

# Control: the plain wheel grafts exactly there (else this test checks nothing).
r = ferry("repair", SIMPLE, "-w", os.path.join(tmp, "control"))
if r.returncode != 0:
    fail(f"control: exit {r.returncode}: {r.stderr}")
with zipfile.ZipFile(os.path.join(tmp, "control", os.listdir(os.path.join(tmp, "control"))[0])) as z:
    if graft not in z.namelist():
        fail(f"control: expected the graft {graft}, got {z.namelist()}")

def case(name, content):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    whl = os.path.join(d, SIMPLE_NAME)
    write_wheel(whl, simple_members() + [(graft, content, 0o100755)])
    return whl, os.path.join(d, "out")

whl, out = case("clash", b"#!/bin/sh\necho not the library\n")
r = ferry("repair", whl, "-w", out)
expect_one_line_error(r, 2, graft, "already has a member", what="different content")
if os.path.exists(out) and os.listdir(out):
    fail(f"clash: output written: {os.listdir(out)}")

whl, out = case("copy", lib_bytes)
r = ferry("repair", whl, "-w", out)
if r.returncode != 0:
    fail(f"copy of the library: exit {r.returncode}: {r.stderr}")
repaired = os.path.join(out, os.listdir(out)[0])
with zipfile.ZipFile(repaired) as z:
    dups = [n for n, c in collections.Counter(z.namelist()).items() if c > 1]
    if dups or graft not in z.namelist():
        fail(f"copy of the library: duplicates {dups} or no {graft} in {z.namelist()}")
    data = z.read(graft)
    if z.testzip() is not None:
        fail("copy of the library: a member fails its CRC")
path = os.path.join(tmp, "grafted.so")
open(path, "wb").write(data)
dyn = subprocess.run(["readelf", "-d", path], capture_output=True, text=True).stdout
if f"[{os.path.basename(graft)}]" not in dyn:
    fail(f"copy of the library: the member is not the patched graft (SONAME): {dyn}")
print("ok")
