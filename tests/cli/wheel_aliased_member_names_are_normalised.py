#!/usr/bin/env python3
"""Pins down: member names that differ only by "." or empty components ('simple/./x', 'simple//x', './simple/x')
name one installed file, as Python's zipfile and pip see them: two such members are refused by show and repair
with a one-line error (exit 2, every run, `-j 8` too: never a crash), and a lone aliased name is repaired under
its normalised name, which RECORD lists.
Oracle: Python's zipfile extracts the aliases of each crafted wheel to one path (checked here first)."""
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
base = simple_members()
ext_bytes = dict((n, d) for n, d, _ in base)[EXT]

for k, alias in enumerate(["simple/./" + EXT[7:], "simple//" + EXT[7:], "./" + EXT]):
    d = os.path.join(tmp, f"dup{k}")
    os.makedirs(d)
    whl = os.path.join(d, SIMPLE_NAME)
    # Both are extracted, from two threads, to one scratch file unless the names are normalised first.
    write_wheel(whl, base + [(alias, ext_bytes, 0o100755)])
    with zipfile.ZipFile(whl) as z:
        z.extractall(os.path.join(d, "x"))
    got = sorted(os.path.relpath(os.path.join(r, f), os.path.join(d, "x"))
                 for r, _, fs in os.walk(os.path.join(d, "x")) for f in fs)
    if got.count(EXT) != 1 or len(got) != len(base) + 1:
        fail(f"oracle: zipfile should extract '{alias}' and '{EXT}' to one file, got {got}")
    for run in range(4):
        r = ferry("show", whl)
        expect_one_line_error(r, 2, alias, "normalised", what=f"show {alias} (run {run})")
        out = os.path.join(d, "out")
        r = ferry("repair", "-j", "8", whl, "-w", out)
        expect_one_line_error(r, 2, alias, "normalised", what=f"repair -j 8 {alias} (run {run})")
        if os.path.exists(out) and os.listdir(out):
            fail(f"{alias}: output written for a refused wheel: {os.listdir(out)}")

# One aliased name alone: repaired, under the name pip installs.
d = os.path.join(tmp, "lone")
os.makedirs(d)
whl = os.path.join(d, SIMPLE_NAME)
write_wheel(whl, [("./" + n if n == EXT else n, b, m) for n, b, m in base])
r = ferry("repair", whl, "-w", os.path.join(d, "out"))
if r.returncode != 0:
    fail(f"lone alias: exit {r.returncode}: {r.stderr}")
outs = os.listdir(os.path.join(d, "out"))
with zipfile.ZipFile(os.path.join(d, "out", outs[0])) as z:
    names = z.namelist()
    record = z.read("simple-1.0.dist-info/RECORD").decode()
if EXT not in names or any(n.startswith("./") or "//" in n or "/./" in n for n in names):
    fail(f"lone alias: the output's names are not normalised: {names}")
if not any(l.startswith(EXT + ",sha256=") for l in record.splitlines()):
    fail(f"lone alias: RECORD does not list {EXT}: {record}")
print("ok")
