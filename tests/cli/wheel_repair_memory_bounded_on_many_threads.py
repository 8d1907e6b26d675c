#!/usr/bin/env python3
"""Pins down: the members inflated whole stay within one memory budget (192 MB) however many threads check them.
A wheel with 36 data members of 32 MiB each (zeros: 32 KB compressed) repaired with -j 12 peaks under 300 MB of
RSS; when each thread kept its own buffers for its next member, 12 threads held 12 x 32 MiB (over 400 MB).
Oracle: the kernel's peak RSS of the child (getrusage), the wheel written by Python's zipfile."""
import atexit
import os
import shutil
import resource
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from wheel_fixtures import *  # noqa: E402,F403

require_fixtures()
tmp = tempfile.mkdtemp()
atexit.register(shutil.rmtree, tmp, True)  # on every exit, failures included
blob = bytes(32 << 20)  # one object, referenced by every member
members = simple_members() + [(f"simple/data/{i:02d}.bin", blob, 0o100644) for i in range(36)]
whl = os.path.join(tmp, SIMPLE_NAME)
blob_hash = record_hash(blob)  # hashed once, not once per member
write_wheel(whl, members, [f"{n},{blob_hash if d is blob else record_hash(d)},{len(d)}" for n, d, _ in members])
before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
r = ferry("repair", whl, "-w", os.path.join(tmp, "out"), "-j", "12")
if r.returncode != 0:
    fail(f"repair: exit {r.returncode}: {r.stderr}")
peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
if before / 1024 >= 300:
    print(f"SKIP: an earlier child of this test already peaked at {before / 1024:.0f} MB")
    sys.exit(77)
print(f"ferry repair -j 12: peak RSS {peak_mb:.0f} MB")
if peak_mb >= 300:
    fail(f"peak RSS {peak_mb:.0f} MB with 12 threads (budget 192 MB for members inflated whole)")
print("ok")
