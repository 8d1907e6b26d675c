#!/usr/bin/env python3
"""Pins down that ferry's own zip reader (which replaced libzip) refuses, before reading any member, the archives
two readers would see differently: a local header naming another file than the central directory, and a member
whose data overlaps the next member (the overlapping-member zip bomb). `ferry show`, `ferry repair` (lib/wheel)
and `ferry check` (lib/archive) each exit 2 with one line naming the member; the untouched wheel passes.
Oracles: Python's zipfile rejects the renamed header (BadZipFile); the overlap is computed from zipfile's own
header offsets and sizes (Python 3.11 before 3.11.8 and Info-ZIP unzip 6.0 still read it); the untouched wheel
passes both."""
import atexit
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from wheel_fixtures import ENV, FERRY, SIMPLE, SIMPLE_NAME, fail, require_fixtures  # noqa: E402

require_fixtures()
tmp = tempfile.mkdtemp()
atexit.register(shutil.rmtree, tmp, True)  # on every exit, failures included


def copy(name):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    p = os.path.join(d, SIMPLE_NAME)
    shutil.copy(SIMPLE, p)
    return p


def infos(path):
    with zipfile.ZipFile(path) as z:
        return sorted(z.infolist(), key=lambda i: i.header_offset)


def python_rejects(path):
    try:
        with zipfile.ZipFile(path) as z:
            for i in z.infolist():
                z.read(i)
    except zipfile.BadZipFile as e:
        return str(e)
    return None


def overlapping(path):
    # From zipfile's view of the headers: the first member's data runs past the second member's local header.
    with open(path, "rb") as f:
        raw = f.read()
    x, y = infos(path)[:2]
    nlen, xlen = struct.unpack_from("<HH", raw, x.header_offset + 26)
    end = x.header_offset + 30 + nlen + xlen + x.compress_size
    return f"data of {x.filename} ends at {end}, past {y.filename}'s header at {y.header_offset}" \
        if end > y.header_offset else None


# 1. The first member's local header names another file (same length, last byte changed).
renamed = copy("renamed")
first = infos(renamed)[0]
with open(renamed, "r+b") as f:
    f.seek(first.header_offset + 30 + len(first.orig_filename.encode()) - 1)
    b = f.read(1)
    f.seek(-1, 1)
    f.write(bytes([b[0] ^ 1]))

# 2. The first member claims data running into the second member's local header (sizes raised in both headers
#    consistently, so only the overlap is wrong).
overlap = copy("overlap")
a, b = infos(overlap)[:2]
with open(overlap, "r+b") as f:
    data = bytearray(f.read())
grow = b.header_offset - a.header_offset  # certainly past a's data end
struct.pack_into("<I", data, a.header_offset + 18, a.compress_size + grow)
p = data.find(b"PK\x01\x02")
while p >= 0:
    nlen = struct.unpack_from("<H", data, p + 28)[0]
    if data[p + 46:p + 46 + nlen] == a.orig_filename.encode():
        struct.pack_into("<I", data, p + 20, a.compress_size + grow)
    p = data.find(b"PK\x01\x02", p + 4)
with open(overlap, "wb") as f:
    f.write(data)

if python_rejects(SIMPLE) or overlapping(SIMPLE):
    fail(f"the oracles reject the untouched fixture: {python_rejects(SIMPLE)} {overlapping(SIMPLE)}")
for path, needle, oracle in ((renamed, "names another file", python_rejects), (overlap, "overlaps", overlapping)):
    why = oracle(path)
    if not why:
        fail(f"oracle {oracle.__name__} reads {path}")
    for cmd in (["show", path], ["repair", path, "-w", os.path.join(os.path.dirname(path), "out")], ["check", path]):
        r = subprocess.run([FERRY] + cmd, env=ENV, capture_output=True, text=True)
        lines = r.stderr.strip().splitlines()
        if r.returncode != 2 or len(lines) != 1 or needle not in lines[0] or a.orig_filename not in lines[0]:
            fail(f"ferry {cmd[0]} on {os.path.basename(os.path.dirname(path))}: exit {r.returncode}, "
                 f"expected 2 and one line saying '{needle}' about {a.orig_filename}: {r.stderr}")
    print(f"{os.path.basename(os.path.dirname(path))}: the oracle says {why!r}; ferry: {lines[0]}")
r = subprocess.run([FERRY, "show", SIMPLE], env=ENV, capture_output=True, text=True)
if r.returncode not in (0, 1):
    fail(f"ferry show on the untouched wheel: exit {r.returncode}: {r.stderr}")
print("ok")
