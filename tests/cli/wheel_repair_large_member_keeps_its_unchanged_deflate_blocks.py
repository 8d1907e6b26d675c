#!/usr/bin/env python3
# disk: 850  (its scratch peaked at 596 MB)
"""Pins down: repairing a wheel whose extension is 64 MiB or more copies the extension's original compressed blocks
wherever the patch left its bytes alone (deflate reuse), and the member it writes is still exactly the patched
file. The fixture extension gets a 70 MiB section of mixed data; the wheel is written by Python's zipfile at
levels 1 and 9 (zlib's block boundaries fall at other bit offsets), and once with the extension stored (nothing to
reuse: the member is deflated anew). Oracles: `unzip -t` and Python's zipfile (CRC-32 checked on read) accept each
output; the repaired extension inflates to the same bytes from all three wheels; its RUNPATH, as readelf prints
it, points at the grafted libraries; RECORD's hash matches; and the outputs of the deflated inputs contain long
stretches of the input's own compressed bytes (the reuse happened) while staying within 1% of its size. Under
strace (where it can trace): both scratch copies of the extension, the extracted original and the patched file,
are emptied (truncate to 0) before the run ends, the patched one only once RECORD's hash of it was taken (the
hash matching proves that) - their dirty pages are dropped instead of holding back the output's writes; and the
patched file is the second copy the scan extracted (renamed from scratch/seed into the patch's temporary name), so
the patch wrote only its changed pages and copied nothing; and the extracted original is emptied before the output
archive is even created (the patched file's CRC-32 was worked out from it first)."""
import atexit
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from wheel_fixtures import *  # noqa: E402,F403
from strace_log import strace_calls  # noqa: E402

require_fixtures()
for tool in ("objcopy", "unzip", "readelf"):
    if not shutil.which(tool):
        print(f"SKIP: {tool} not installed")
        sys.exit(77)
tmp = tempfile.mkdtemp()
atexit.register(shutil.rmtree, tmp, True)  # on every exit, failures included


def mixed(size):
    parts, n, i = [], 0, 0
    while n < size:
        k = i % 3
        p = os.urandom(50000) if k == 0 else (bytes(30000) if k == 1 else b"symbol_%09d\n" % i * 4000)
        parts.append(p)
        n += len(p)
        i += 1
    return b"".join(parts)


def raw_member(path, name):
    """The compressed bytes of member `name` as they lie in the archive."""
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(name)
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        h = f.read(30)
        n, e = struct.unpack("<HH", h[26:30])
        f.seek(info.header_offset + 30 + n + e)
        return f.read(info.compress_size)


members = simple_members()
with open(os.path.join(tmp, "ext.so"), "wb") as f:
    f.write(dict((n, b) for n, b, _ in members)[EXT])
with open(os.path.join(tmp, "blob.bin"), "wb") as f:
    f.write(mixed(70 << 20))
subprocess.run(["objcopy", "--add-section", f".ferryblob={tmp}/blob.bin", f"{tmp}/ext.so", f"{tmp}/big.so"], check=True)
with open(os.path.join(tmp, "big.so"), "rb") as f:
    big = f.read()

repaired = {}
for how in ("zlib-1", "zlib-9", "stored"):
    d = os.path.join(tmp, how)
    os.makedirs(d)
    whl = os.path.join(d, SIMPLE_NAME)
    lines = record_lines([(n, big if n == EXT else b, m) for n, b, m in members])
    with zipfile.ZipFile(whl, "w") as z:
        for n, b, mode in members:
            zi = zipfile.ZipInfo(n, (2020, 1, 1, 0, 0, 0))
            zi.create_system = 3
            zi.external_attr = (mode or 0o100644) << 16
            if n == EXT and how == "stored":
                zi.compress_type = zipfile.ZIP_STORED
                z.writestr(zi, big)
            else:
                zi.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(zi, big if n == EXT else b, compresslevel=int(how[-1]) if n == EXT else 6)
        z.writestr("simple-1.0.dist-info/RECORD", "\n".join(lines + ["simple-1.0.dist-info/RECORD,,"]) + "\n")
    out = os.path.join(d, "out")
    traced = how == "zlib-1" and shutil.which("strace") and \
        subprocess.run(["strace", "-f", "-o", "/dev/null", "true"], capture_output=True).returncode == 0
    if traced:
        log = os.path.join(tmp, "truncate.strace")
        r = subprocess.run(["strace", "-f", "-qq", "-e", "trace=truncate,renameat2,openat", "-o", log, FERRY, "repair",
                            whl, "-w", out],
                           env=ENV, capture_output=True, text=True, timeout=120)
    else:
        r = ferry("repair", whl, "-w", out)
    if r.returncode != 0:
        fail(f"{how}: exit {r.returncode}: {r.stderr}")
    if traced:
        emptied, seeded, first_emptied, output_created = set(), [], {}, None
        for k, line in enumerate(strace_calls(log)):
            if 'truncate("' in line and f'/{EXT}", 0' in line and "= -1" not in line:
                emptied.add(line.split('"')[1])
                first_emptied.setdefault(line.split('"')[1], k)
            if output_created is None and "openat(" in line and '/out.whl"' in line and "O_CREAT" in line:
                output_created = k
            if "renameat2(" in line and f'/seed/{EXT}"' in line and "RENAME_NOREPLACE) = 0" in line:
                seeded.append(line)
        if len(seeded) != 1:
            fail(f"{how}: expected the patch to take the extension's seed copy once, got: {seeded}")
        if len(emptied) != 2:
            fail(f"{how}: expected the extracted and the patched {EXT} emptied once written, got: {sorted(emptied)}")
        original = [p for p in emptied if "/root/" in p]
        if len(original) != 1 or output_created is None or first_emptied[original[0]] > output_created:
            fail(f"{how}: the extracted original is not emptied before the output is created: "
                 f"{original} {first_emptied} {output_created}")
    elif how == "zlib-1":
        print("note: strace cannot trace here; the scratch truncation is not checked")
    path = os.path.join(out, os.listdir(out)[0])
    t = subprocess.run(["unzip", "-tq", path], capture_output=True, text=True)
    if t.returncode != 0:
        fail(f"{how}: unzip -t rejects the output: {t.stdout}{t.stderr}")
    with zipfile.ZipFile(path) as z:
        if z.testzip() is not None:
            fail(f"{how}: zipfile finds a bad CRC in {z.testzip()}")
        data = z.read(EXT)
        rec = {l.split(",")[0]: l.split(",")[1] for l in z.read("simple-1.0.dist-info/RECORD").decode().splitlines()}
    if rec.get(EXT) != record_hash(data):
        fail(f"{how}: RECORD's hash of {EXT} does not match the inflated bytes")
    if data == big:
        fail(f"{how}: {EXT} was not patched")
    with open(os.path.join(d, "repaired.so"), "wb") as f:
        f.write(data)
    dyn = subprocess.run(["readelf", "-d", os.path.join(d, "repaired.so")], capture_output=True, text=True).stdout
    if "$ORIGIN/../simple.libs" not in dyn:
        fail(f"{how}: readelf -d shows no RUNPATH to the grafted libraries:\n{dyn}")
    repaired[how] = data
    if how != "stored":
        src, dst = raw_member(whl, EXT), raw_member(path, EXT)
        for at in (len(src) // 4, len(src) // 2, len(src) * 3 // 4):
            if src[at:at + 65536] not in dst:
                fail(f"{how}: the input's compressed bytes at {at} are not in the output: nothing was reused")
        if not 0.99 * len(src) < len(dst) < 1.01 * len(src):
            fail(f"{how}: {len(dst)} compressed bytes out for {len(src)} in")

if not repaired["zlib-1"] == repaired["zlib-9"] == repaired["stored"]:
    fail("the repaired extension differs between a deflated input (blocks reused) and a stored one")
print("ok")
