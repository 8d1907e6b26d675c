#!/usr/bin/env python3
"""Pins down the zip side of repair: with SOURCE_DATE_EPOCH two runs are byte-identical and every member carries
that time; unchanged members are copied as their compressed bytes (a level-9 member keeps its compressed size and
CRC although -z 1 is asked); permissions and symlinks survive; repairing a repaired wheel gives back the same
bytes; a wheel with more than 65,535 members (ZIP64 end of central directory) is read and written; a member over
1 MiB starts at the same offset within a page as in the input (an alignment extra field in its local header,
as zipalign does, lets the kernel copy it page by page) and still reads back.
Oracle: Python's zipfile reading ferry's output."""
import atexit, base64, filecmp, hashlib, os, random, shutil, struct, subprocess, sys, tempfile, time, zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from wheel_fixtures import FERRY, SIMPLE, W, fail, record_hash, require_fixtures  # noqa: E402

require_fixtures()
h = record_hash

tmp = tempfile.mkdtemp()
atexit.register(shutil.rmtree, tmp, True)  # on every exit, failures included
with zipfile.ZipFile(SIMPLE) as z:
    base = [(i.filename, z.read(i), i.external_attr >> 16) for i in z.infolist() if not i.filename.endswith("/RECORD")]

def make(path, extra):
    entries = base + extra
    lines = [f"{n},{h(d)},{len(d)}" for n, d, _ in entries] + ["simple-1.0.dist-info/RECORD,,"]
    with zipfile.ZipFile(path, "w") as z:
        for n, d, mode in entries:
            zi = zipfile.ZipInfo(n, (2021, 6, 1, 12, 0, 0))
            zi.external_attr = mode << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, d, compresslevel=9)
        z.writestr("simple-1.0.dist-info/RECORD", "\n".join(lines) + "\n")

big = b"".join(b"line %d of a compressible data member\n" % i for i in range(120000))
src = os.path.join(tmp, "in", "simple-1.0-cp311-cp311-linux_x86_64.whl")
os.makedirs(os.path.dirname(src))
blob = random.Random(1).randbytes(3 << 19)  # incompressible: stays over 1 MiB compressed
make(src, [("simple/data.txt", big, 0o100644), ("simple/tool.sh", b"#!/bin/sh\necho hi\n", 0o100755),
           ("simple/alias.txt", b"data.txt", 0o120777), ("simple/blob.bin", blob, 0o100644)])

def data_offset(path, name):
    with zipfile.ZipFile(path) as z, open(path, "rb") as f:
        f.seek(z.getinfo(name).header_offset)
        head = f.read(30)
        n, e = struct.unpack("<HH", head[26:30])
        return z.getinfo(name).header_offset + 30 + n + e

def repair(wheel, out, *args, epoch="1700000000"):
    env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(W, "lib"), SOURCE_DATE_EPOCH=epoch)
    r = subprocess.run([FERRY, "repair", wheel, "-w", out, *args], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"repair exited {r.returncode}: {r.stderr}")
    files = [f for f in os.listdir(out) if f.endswith(".whl")]
    if len(files) != 1:
        fail(f"expected one wheel in {out}: {files}")
    return os.path.join(out, files[0])

a = repair(src, os.path.join(tmp, "a"), "-z", "1")
time.sleep(1.1)  # a clock leaking into the output would now differ
b = repair(src, os.path.join(tmp, "b"), "-z", "1")
if not filecmp.cmp(a, b, shallow=False):
    fail("two runs with SOURCE_DATE_EPOCH differ")
with zipfile.ZipFile(src) as zi, zipfile.ZipFile(a) as zo:
    i, o = zi.getinfo("simple/data.txt"), zo.getinfo("simple/data.txt")
    if (i.compress_size, i.CRC) != (o.compress_size, o.CRC):
        fail(f"unchanged member re-compressed: {i.compress_size}/{i.CRC:x} -> {o.compress_size}/{o.CRC:x}")
    for info in zo.infolist():
        if info.date_time != (2023, 11, 14, 22, 13, 20):
            fail(f"{info.filename}: time {info.date_time}, SOURCE_DATE_EPOCH=1700000000 is 2023-11-14 22:13:20 UTC")
    if (zo.getinfo("simple/tool.sh").external_attr >> 16) & 0o777 != 0o755:
        fail("executable bit lost")
    if (zo.getinfo("simple/alias.txt").external_attr >> 16) != 0o120777:
        fail("symlink member lost its type")
    if zo.read("simple/data.txt") != big:
        fail("content changed")
    if zo.testzip() is not None:
        fail("CRC error in the output")
    if zo.read("simple/blob.bin") != blob:
        fail("large member changed")
if data_offset(src, "simple/blob.bin") % 4096 != data_offset(a, "simple/blob.bin") % 4096:
    fail(f"large member not page-aligned with the input: {data_offset(src, 'simple/blob.bin')} vs {data_offset(a, 'simple/blob.bin')}")

# Re-repair: nothing to graft, tags already right -> the same bytes.
c = repair(a, os.path.join(tmp, "c"))
if os.path.basename(c) != os.path.basename(a):
    fail(f"re-repair renamed the wheel: {os.path.basename(a)} -> {os.path.basename(c)}")
if not filecmp.cmp(a, c, shallow=False):
    fail("repairing a repaired wheel changed it")

# ZIP64: more than 65,535 members.
many = [(f"simple/data/f{i:05d}.txt", b"%d\n" % i, 0o100644) for i in range(65600)]
src64 = os.path.join(tmp, "in64", "simple-1.0-cp311-cp311-linux_x86_64.whl")
os.makedirs(os.path.dirname(src64))
make(src64, many)
d = repair(src64, os.path.join(tmp, "d"))
with zipfile.ZipFile(d) as z:
    n = len(z.infolist())
    if n < 65600 + 5:
        fail(f"only {n} members in the ZIP64 output")
    if z.read("simple/data/f65599.txt") != b"65599\n":
        fail("last member wrong")
with open(d, "rb") as f:
    f.seek(-200, 2)
    if b"PK\x06\x06" not in f.read():
        fail("no ZIP64 end of central directory record")
shutil.rmtree(tmp)
print("ok")
