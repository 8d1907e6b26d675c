#!/usr/bin/env python3
"""Pins down that a DLL a Windows repair keeps as it is is inflated once, not twice: the discovery reads it (to
follow its imports) and RECORD's line for it is hashed from those bytes, not from a second read of the wheel.
The fixture wheel (winpkg) gets libleaf.dll, which its libmid.dll imports, as a member of its own; repaired with
--ignore-existing (as delvewheel: a DLL in the wheel keeps its place and its name) and libmid.dll vendored from
--add-path, libleaf.dll is copied unchanged. Under strace, the preads of the wheel that touch libleaf.dll's
compressed bytes before the output archive is created (the writer then copies them) are counted: one (it was
two: the second to hash it for RECORD). Its RECORD line is its content's (hashlib), and the output's member is the
input's byte for byte (zipfile). Oracles: strace, Python's zipfile and hashlib."""
import atexit
import base64
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from strace_log import strace_calls  # noqa: E402

fix = os.path.join(os.environ.get("FERRY_FIXTURES", ""), "winwheel", "x64")
src = os.path.join(fix, "winpkg-1.0-cp312-cp312-win_amd64.whl")
if not os.path.exists(src):
    print("skipped: no MinGW-built Windows wheel fixtures")
    sys.exit(77)
if not shutil.which("strace"):
    print("skipped: no strace")
    sys.exit(77)
tmp = tempfile.mkdtemp()
atexit.register(shutil.rmtree, tmp, True)
deps = os.path.join(fix, "deps")


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def sha(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


kept = "winpkg/libleaf.dll"
with zipfile.ZipFile(src) as z:
    members = [(i.filename, z.read(i)) for i in z.infolist() if not i.filename.endswith("/RECORD")]
with open(os.path.join(deps, "libleaf.dll"), "rb") as f:
    members.append((kept, f.read()))
whl = os.path.join(tmp, "in", os.path.basename(src))
os.makedirs(os.path.dirname(whl))
with zipfile.ZipFile(whl, "w", zipfile.ZIP_DEFLATED) as z:
    for n, d in members:
        z.writestr(n, d)
    z.writestr("winpkg-1.0.dist-info/RECORD",
               "".join(f"{n},{sha(d)},{len(d)}\n" for n, d in members) + "winpkg-1.0.dist-info/RECORD,,\n")
with zipfile.ZipFile(whl) as z:
    info = z.getinfo(kept)
with open(whl, "rb") as f:  # where the member's compressed bytes are: after its local header
    f.seek(info.header_offset)
    head = f.read(30)
    name_len, extra_len = struct.unpack("<HH", head[26:30])
start = info.header_offset + 30 + name_len + extra_len
end = start + info.compress_size

out = os.path.join(tmp, "out")
trace = os.path.join(tmp, "trace")
r = subprocess.run(["strace", "-f", "-e", "trace=pread64,openat", "-o", trace, os.environ["FERRY"], "repair",
                    "--ignore-existing", "--add-path", deps, "-w", out, whl], capture_output=True, text=True)
if r.returncode != 0:
    if "ptrace" in r.stderr or "Operation not permitted" in r.stderr:
        print("skipped: strace cannot trace here: " + r.stderr.strip().splitlines()[-1])
        sys.exit(77)
    fail(f"exit {r.returncode}: {r.stderr.strip()}")

# The reads of the wheel that touch the member's compressed bytes, told by their range, until the output archive
# is created: after that the writer copies the member's compressed bytes into it (a copy, not an inflate).
reads, created = 0, False
for line in strace_calls(trace):
    if "openat(" in line and out in line and "O_CREAT" in line:
        created = True
    m = re.search(r"pread64\(\d+, .*, (\d+), (\d+)\) = (\d+)", line)
    if m and not created:
        at, got = int(m.group(2)), int(m.group(3))
        if at < end and at + got > start:
            reads += 1
if not created:
    fail("the trace shows no output archive being created")
if reads != 1:
    fail(f"libleaf.dll's compressed bytes were read {reads} times before the output was written, expected once")

with zipfile.ZipFile(os.path.join(out, os.path.basename(src))) as z:
    data = z.read(kept)
    if data != dict(members)[kept]:
        fail("the kept DLL changed")
    line = [l for l in z.read("winpkg-1.0.dist-info/RECORD").decode().splitlines() if l.startswith(kept + ",")]
    if line != [f"{kept},{sha(data)},{len(data)}"]:
        fail(f"RECORD's line for the kept DLL is {line}")
    if not any(n.startswith("winpkg.libs/libmid") for n in z.namelist()):
        fail(f"libmid.dll was not vendored: {z.namelist()}")
print("ok")
