#!/usr/bin/env python3
"""Pins down: wheels a safe installer must not unpack are rejected with exit 2 and a one-line message naming the
member and the problem, and nothing is written: path traversal, absolute names, duplicate names, symlinks leaving
the wheel, and a RECORD that does not list the members (unlisted member, listed but absent). A RECORD line with a
wrong size or hash is no reason to refuse (pip installs such wheels, auditwheel rewrites RECORD): repair warns and
writes the true line. Oracle: the wheels are crafted here with Python's zipfile; a correct control wheel repairs
fine."""
import atexit, base64, hashlib, os, shutil, subprocess, sys, tempfile, zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from wheel_fixtures import FERRY, SIMPLE, W, expect_record_corrected, fail, record_hash, require_fixtures  # noqa: E402

require_fixtures()  # importing wheel_fixtures also silences zipfile's warning about the duplicate names written here

h = record_hash

with zipfile.ZipFile(SIMPLE) as z:
    base = [(i.filename, z.read(i), i.external_attr) for i in z.infolist()
            if not i.filename.endswith("/RECORD")]

def make(path, extra=(), record_fix=None, drop=()):
    entries = [e for e in base if e[0] not in drop] + list(extra)
    lines = [f"{n},{h(d)},{len(d)}" for n, d, _ in entries]
    if record_fix:
        lines = record_fix(lines)
    lines.append("simple-1.0.dist-info/RECORD,,")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d, attr in entries:
            zi = zipfile.ZipInfo(n, (2020, 1, 1, 0, 0, 0))
            zi.external_attr = attr or (0o100644 << 16)
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, d)
        z.writestr("simple-1.0.dist-info/RECORD", "\n".join(lines) + "\n")

tmp = tempfile.mkdtemp()
atexit.register(shutil.rmtree, tmp, True)  # on every exit, failures included
env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(W, "lib"))

def expect(name, want_rc, *needles, corrected=None, **kw):
    p = os.path.join(tmp, name, "simple-1.0-cp311-cp311-linux_x86_64.whl")
    os.makedirs(os.path.dirname(p))
    make(p, **kw)
    out = os.path.join(tmp, name, "out")
    r = subprocess.run([FERRY, "repair", p, "-w", out], env=env, capture_output=True, text=True)
    if r.returncode != want_rc:
        fail(f"{name}: exit {r.returncode}, expected {want_rc}: {r.stderr}")
    for n in needles:
        if n not in r.stderr:
            fail(f"{name}: message does not say '{n}': {r.stderr}")
    if corrected:
        expect_record_corrected(r, out, *corrected, what=name)
    if want_rc != 0:
        if len(r.stderr.strip().splitlines()) != 1:
            fail(f"{name}: expected a one-line error: {r.stderr}")
        if os.path.exists(out) and os.listdir(out):
            fail(f"{name}: output written for a rejected wheel: {os.listdir(out)}")

link = 0o120777 << 16
expect("control", 0)
expect("traversal", 2, "../evil.py", "path traversal", extra=[("simple/../../evil.py", b"x", 0)])
expect("absolute", 2, "/etc/evil", "absolute", extra=[("/etc/evil", b"x", 0)])
expect("duplicate", 2, "same name", extra=[("simple/__init__.py", b"y = 2\n", 0)])
expect("symlink_out", 2, "simple/link", "outside the wheel", extra=[("simple/link", b"../../../etc/passwd", link)])
expect("symlink_abs", 2, "simple/link", "absolute", extra=[("simple/link", b"/etc/passwd", link)])
expect("symlink_in", 0, extra=[("simple/link", b"__init__.py", link)])
init = ("simple/__init__.py", [d for n, d, _ in base if n == "simple/__init__.py"][0])
expect("record_size", 0, corrected=init,
       record_fix=lambda ls: [l.rsplit(",", 1)[0] + ",999" if l.startswith("simple/__init__") else l for l in ls])
expect("record_hash", 0, corrected=init,
       record_fix=lambda ls: [l.replace("sha256=", "sha256=AAAA", 1) if l.startswith("simple/__init__") else l
                              for l in ls])
expect("record_unlisted", 2, "does not list", "simple/extra.py", extra=[("simple/extra.py", b"z", 0)],
       record_fix=lambda ls: [l for l in ls if not l.startswith("simple/extra.py")])
expect("record_absent", 2, "not in the wheel", "simple/gone.py",
       record_fix=lambda ls: ls + ["simple/gone.py,sha256=x,1"])
print("ok")
