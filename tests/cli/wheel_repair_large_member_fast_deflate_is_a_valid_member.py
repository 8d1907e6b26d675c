#!/usr/bin/env python3
"""Pins down: a member of 64 MiB or more that ferry writes at the default level (deflated by ISA-L in 1 MiB chunks
with a sync flush where ferry has libisal, by libdeflate otherwise) is one valid deflate stream. The fixture
extension gets a 66 MiB section of mixed data (random, zeros, text), so repair rewrites it across 67 chunks.
Oracles: `unzip -t` and Python's zipfile (CRC-32 checked on read) accept the output; the member's bytes hash to
the RECORD ferry wrote and still hold the added section; it deflated (compressed size below 80% of its size)."""
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from wheel_fixtures import *  # noqa: E402,F403

require_fixtures()
for tool in ("objcopy", "unzip"):
    if not shutil.which(tool):
        print(f"SKIP: {tool} not installed")
        sys.exit(77)
tmp = tempfile.mkdtemp()
parts = []
size = 0
i = 0
while size < (66 << 20):
    k = i % 3
    p = os.urandom(70000) if k == 0 else (bytes(190001) if k == 1 else b"symbol_%09d\n" % i * 9000)
    parts.append(p)
    size += len(p)
    i += 1
blob = b"".join(parts)
members = simple_members()
ext = dict((n, d) for n, d, _ in members)[EXT]
with open(os.path.join(tmp, "ext.so"), "wb") as f:
    f.write(ext)
with open(os.path.join(tmp, "blob.bin"), "wb") as f:
    f.write(blob)
subprocess.run(["objcopy", "--add-section", f".ferryblob={tmp}/blob.bin", f"{tmp}/ext.so", f"{tmp}/big.so"],
               check=True)
with open(os.path.join(tmp, "big.so"), "rb") as f:
    big = f.read()
members = [(n, big if n == EXT else d, m) for n, d, m in members]
whl = os.path.join(tmp, SIMPLE_NAME)
write_wheel(whl, members)
out = os.path.join(tmp, "out")
r = ferry("repair", whl, "-w", out)
if r.returncode != 0:
    fail(f"exit {r.returncode}: {r.stderr}")
path = os.path.join(out, os.listdir(out)[0])
t = subprocess.run(["unzip", "-tq", path], capture_output=True, text=True)
if t.returncode != 0:
    fail(f"unzip -t rejects the output: {t.stdout}{t.stderr}")
with zipfile.ZipFile(path) as z:
    info = z.getinfo(EXT)
    data = z.read(EXT)  # zipfile checks the CRC-32 at the end of the read
    if info.compress_type != zipfile.ZIP_DEFLATED:
        fail(f"{EXT} has compression type {info.compress_type}")
    if data == big or blob not in data:
        fail(f"{EXT} was not patched, or lost its added section")
    rec = {l.split(",")[0]: l.split(",")[1] for l in z.read("simple-1.0.dist-info/RECORD").decode().splitlines()}
    if rec.get(EXT) != record_hash(data):
        fail(f"RECORD's hash of {EXT} does not match the inflated bytes")
    if info.compress_size > len(data) * 0.8:
        fail(f"{info.compress_size} compressed bytes for {len(data)}: the chunks did not deflate")
print("ok")
