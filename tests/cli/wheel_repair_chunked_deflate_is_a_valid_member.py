#!/usr/bin/env python3
"""Pins down: a member ferry deflates in parallel 1 MiB chunks (pigz's method) is one valid deflate stream. The
fixture extension gets a 5.5 MiB section of mixed data (random, zeros, text: stored, tiny and ordinary deflate
blocks end the chunks) and a 3 MiB random data file gets a true RECORD line, so repair rewrites the extension
across six chunks. Oracles: `unzip -t` and Python's zipfile (CRC-32 checked on read) accept the output; the
member's bytes hash to the RECORD ferry wrote and still hold the added section's bytes; at -z 0 and -z 9 too."""
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
blob = bytearray()
i = 0
while len(blob) < (11 << 19):  # 5.5 MiB
    k = i % 3
    blob += os.urandom(70000) if k == 0 else (bytes(90001) if k == 1 else b"symbol_%09d\n" % i * 4000)
    i += 1
blob = bytes(blob)
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
for level in ("6", "0", "9"):
    out = os.path.join(tmp, "out" + level)
    r = ferry("repair", whl, "-w", out, "-z", level)
    if r.returncode != 0:
        fail(f"-z {level}: exit {r.returncode}: {r.stderr}")
    path = os.path.join(out, os.listdir(out)[0])
    t = subprocess.run(["unzip", "-tq", path], capture_output=True, text=True)
    if t.returncode != 0:
        fail(f"-z {level}: unzip -t rejects the output: {t.stdout}{t.stderr}")
    with zipfile.ZipFile(path) as z:
        if z.testzip() is not None:
            fail(f"-z {level}: zipfile finds a bad CRC in {z.testzip()}")
        info = z.getinfo(EXT)
        data = z.read(EXT)
        if info.compress_type != (zipfile.ZIP_STORED if level == "0" else zipfile.ZIP_DEFLATED):
            fail(f"-z {level}: {EXT} has compression type {info.compress_type}")
        if data == big or blob not in data:
            fail(f"-z {level}: {EXT} was not patched, or lost its added section")
        rec = {l.split(",")[0]: l.split(",")[1] for l in z.read("simple-1.0.dist-info/RECORD").decode().splitlines()}
        if rec.get(EXT) != record_hash(data):
            fail(f"-z {level}: RECORD's hash of {EXT} does not match the inflated bytes")
        if level == "6" and info.compress_size > len(data) * 0.8:
            fail(f"-z 6: {info.compress_size} compressed bytes for {len(data)}: the chunks did not deflate")
print("ok")
