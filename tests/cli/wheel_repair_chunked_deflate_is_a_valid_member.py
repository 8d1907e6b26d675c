#!/usr/bin/env python3
# disk: 500  (its scratch peaked at 359 MB)
"""Pins down: a member ferry deflates in parallel 1 MiB chunks (pigz's method) is one valid deflate stream. The
fixture extension gets a section of mixed data (random, zeros, text: stored, tiny and ordinary deflate blocks end
the chunks), so repair rewrites the extension across many chunks: 5.5 MiB at -z 6, -z 0 and -z 9 (libdeflate's chunks, their final-block bit cleared), and 66 MiB at the
default level (a member of 64 MiB or more: ISA-L's chunks with a sync flush where ferry has libisal; stored in the
input, so none of its compressed blocks is reused, which wheel_repair_large_member_keeps_its_unchanged_deflate_blocks
covers). Oracles:
`unzip -t` and Python's zipfile (CRC-32 checked on read) accept the output; the member's bytes hash to the RECORD
ferry wrote (for the 66 MiB member, a hash computed on another thread while the wheel is written) and still hold
the added section's bytes; deflated members did deflate."""
import atexit
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
atexit.register(shutil.rmtree, tmp, True)  # on every exit, failures included


def mixed(size, zeros):
    parts, n, i = [], 0, 0
    while n < size:
        k = i % 3
        p = os.urandom(70000) if k == 0 else (bytes(zeros) if k == 1 else b"symbol_%09d\n" % i * (zeros // 22))
        parts.append(p)
        n += len(p)
        i += 1
    return b"".join(parts)


def wheel_with_section(name, blob, stored=False):
    """The fixture wheel whose extension carries `blob` as an added section; returns (wheel, extension bytes).
    `stored`: the extension is stored, so that repair has no compressed blocks to reuse and deflates all of it."""
    d = os.path.join(tmp, name)
    os.makedirs(d)
    members = simple_members()
    with open(os.path.join(d, "ext.so"), "wb") as f:
        f.write(dict((n, b) for n, b, _ in members)[EXT])
    with open(os.path.join(d, "blob.bin"), "wb") as f:
        f.write(blob)
    subprocess.run(["objcopy", "--add-section", f".ferryblob={d}/blob.bin", f"{d}/ext.so", f"{d}/big.so"], check=True)
    with open(os.path.join(d, "big.so"), "rb") as f:
        big = f.read()
    whl = os.path.join(d, SIMPLE_NAME)
    write_wheel(whl, [(n, big if n == EXT else b, m) for n, b, m in members])
    if stored:
        with zipfile.ZipFile(whl) as z:
            items = [(i, z.read(i)) for i in z.infolist()]
        with zipfile.ZipFile(whl, "w") as z:
            for i, d in items:
                i.compress_type = zipfile.ZIP_STORED if i.filename == EXT else zipfile.ZIP_DEFLATED
                z.writestr(i, d)
    return whl, big


def check(whl, big, blob, level):
    what = f"-z {level}" if level else f"default level, {len(blob) >> 20} MiB"
    out = os.path.join(os.path.dirname(whl), "out" + (level or "default"))
    r = ferry("repair", whl, "-w", out, *(["-z", level] if level else []))
    if r.returncode != 0:
        fail(f"{what}: exit {r.returncode}: {r.stderr}")
    path = os.path.join(out, os.listdir(out)[0])
    t = subprocess.run(["unzip", "-tq", path], capture_output=True, text=True)
    if t.returncode != 0:
        fail(f"{what}: unzip -t rejects the output: {t.stdout}{t.stderr}")
    with zipfile.ZipFile(path) as z:
        if z.testzip() is not None:
            fail(f"{what}: zipfile finds a bad CRC in {z.testzip()}")
        info = z.getinfo(EXT)
        data = z.read(EXT)
        if info.compress_type != (zipfile.ZIP_STORED if level == "0" else zipfile.ZIP_DEFLATED):
            fail(f"{what}: {EXT} has compression type {info.compress_type}")
        if data == big or blob not in data:
            fail(f"{what}: {EXT} was not patched, or lost its added section")
        rec = {l.split(",")[0]: l.split(",")[1] for l in z.read("simple-1.0.dist-info/RECORD").decode().splitlines()}
        if rec.get(EXT) != record_hash(data):
            fail(f"{what}: RECORD's hash of {EXT} does not match the inflated bytes")
        if level != "0" and info.compress_size > len(data) * 0.8:
            fail(f"{what}: {info.compress_size} compressed bytes for {len(data)}: the chunks did not deflate")


blob = mixed(11 << 19, 90001)  # 5.5 MiB
whl, big = wheel_with_section("small", blob)
for level in ("6", "0", "9"):
    check(whl, big, blob, level)
blob = mixed(66 << 20, 190001)
whl, big = wheel_with_section("large", blob, stored=True)
check(whl, big, blob, None)
print("ok")
