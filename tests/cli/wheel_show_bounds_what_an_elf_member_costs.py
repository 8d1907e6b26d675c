#!/usr/bin/env python3
"""Pins down: an ELF member that inflates to far more than it stores (here the fixture's extension followed by
80 MiB of zeros: ~1000:1) is refused by show and repair before anything is extracted, with a one-line error naming
it and the ratio (exit 2), so a small wheel cannot make ferry spend seconds and gigabytes of scratch disk; the
ELF alone (a few KB, normal ratio) is accepted.
Oracle: the wheel is written by Python's zipfile; the ratio is computed here from its own ZipInfo."""
import atexit
import os
import shutil
import sys
import tempfile
import time
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from wheel_fixtures import *  # noqa: E402,F403

require_fixtures()
tmp = tempfile.mkdtemp()
atexit.register(shutil.rmtree, tmp, True)  # on every exit, failures included
members = [(n, d + (b"\0" * (80 << 20) if n == EXT else b""), m) for n, d, m in simple_members()]
whl = os.path.join(tmp, SIMPLE_NAME)
write_wheel(whl, members)
with zipfile.ZipFile(whl) as z:
    zi = z.getinfo(EXT)
    if zi.file_size // zi.compress_size <= 100:
        fail(f"oracle: the crafted member inflates only {zi.file_size // zi.compress_size}:1")
for cmd in (["show", whl], ["repair", whl, "-w", os.path.join(tmp, "out")]):
    t = time.time()
    r = ferry(*cmd)
    expect_one_line_error(r, 2, EXT, "100:1", what=cmd[0])
    if time.time() - t > 5:
        fail(f"{cmd[0]}: took {time.time() - t:.1f}s to refuse")
if os.path.exists(os.path.join(tmp, "out")) and os.listdir(os.path.join(tmp, "out")):
    fail("repair wrote an output")
r = ferry("show", SIMPLE)
if r.returncode not in (0, 1):
    fail(f"control: show of the plain wheel exits {r.returncode}: {r.stderr}")
print("ok")
