#!/usr/bin/env python3
"""Pins down that the one-pass member check (CRC-32 + SHA-256 while inflating, every member, on every core) still
catches what it must: a flipped byte in a stored member's data (CRC-32 mismatch), a flipped byte in a deflated
member's data: repair refuses each with a one-line error naming the member (exit 2) and writes nothing; and a RECORD
hash that lies about a 65 MiB member (streamed through ISA-L or zlib, not inflated whole): repair hashes it all the
same, warns with the content's true hash and writes that into the output's RECORD. `show` does not inflate non-ELF
members, so the same corrupt data member does not stop it (exit 0 or 1, never 2).
Oracle: the wheels are written by Python's zipfile, hashes by hashlib, corruption at offsets zipfile reports."""
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
DATA = "simple/data.bin"


def build(name, blob, compress, lie=False):
    members = simple_members() + [(DATA, blob, 0o100644)]
    lines = record_lines(members)
    if lie:
        lines = lying_record(lines, DATA, len(blob))
    d = os.path.join(tmp, name)
    os.makedirs(d)
    whl = os.path.join(d, SIMPLE_NAME)
    write_wheel(whl, members, lines)
    if compress == zipfile.ZIP_STORED:  # rewrite the data member stored
        with zipfile.ZipFile(whl) as z:
            items = [(i, z.read(i)) for i in z.infolist()]
        with zipfile.ZipFile(whl, "w") as z:
            for i, d2 in items:
                i.compress_type = zipfile.ZIP_STORED if i.filename == DATA else zipfile.ZIP_DEFLATED
                z.writestr(i, d2)
    return whl


def flip_in_data(whl):
    with zipfile.ZipFile(whl) as z:
        i = z.getinfo(DATA)
    with open(whl, "r+b") as f:
        f.seek(i.header_offset + 26)
        nlen, xlen = int.from_bytes(f.read(2), "little"), int.from_bytes(f.read(2), "little")
        at = i.header_offset + 30 + nlen + xlen + i.compress_size // 2
        f.seek(at)
        b = f.read(1)
        f.seek(at)
        f.write(bytes([b[0] ^ 0x40]))


def expect_refused(whl, what, *needles):
    out = os.path.join(os.path.dirname(whl), "out")
    r = ferry("repair", whl, "-w", out)
    expect_one_line_error(r, 2, DATA, *needles, what=what)
    if os.path.exists(out) and [n for n in os.listdir(out) if n.endswith(".whl")]:
        fail(f"{what}: output written: {os.listdir(out)}")


stored = build("stored", os.urandom(3 << 20), zipfile.ZIP_STORED)
flip_in_data(stored)
expect_refused(stored, "stored member, flipped byte", "CRC")
r = ferry("show", stored)
if r.returncode not in (0, 1):
    fail(f"show inflated a non-ELF member: exit {r.returncode}: {r.stderr}")

text = b"".join(b"line %08d of a compressible member\n" % i for i in range(60000))
deflated = build("deflated", text, zipfile.ZIP_DEFLATED)
flip_in_data(deflated)
expect_refused(deflated, "deflated member, flipped byte")

big = (b"\0" * 4096 + os.urandom(512) + text[:4096]) * 7900  # 65 MiB: streamed, not inflated whole
lying = build("lying", big[: 65 << 20], zipfile.ZIP_DEFLATED, lie=True)
out = os.path.join(os.path.dirname(lying), "out")
expect_record_corrected(ferry("repair", lying, "-w", out), out, DATA, big[: 65 << 20], what="65 MiB member, lying RECORD")
print("ok")
