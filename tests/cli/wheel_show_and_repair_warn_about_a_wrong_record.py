#!/usr/bin/env python3
"""Pins down how show and repair treat a RECORD whose lines the members disprove, which real wheels have (sentry-cli
3.8.0 on PyPI: its build rewrote WHEEL after writing RECORD; pip installs it, `auditwheel show` reports it and
auditwheel's repair rewrites RECORD). `ferry show` reports the wheel as usual (exit 0) with one warning a member,
in text and in --json (`warnings`), and `ferry repair` writes a RECORD whose every line is the member's real
hash and size. Crafted: the fixture wheel with METADATA's hash and WHEEL's size wrong. Real: the corpus's
sentry-cli wheel (fixtures/wheels/manifest.tsv), against `auditwheel show`'s tag. Oracles: Python's zipfile and
hashlib; auditwheel 6.8.2 from the pinned venv."""
# timeout: 900
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from wheel_fixtures import *  # noqa: E402,F403

require_fixtures()
tmp = tempfile.mkdtemp()
atexit.register(shutil.rmtree, tmp, True)  # on every exit, failures included


def record_is_true(whl):
    """Every RECORD line of `whl` gives its member's real hash and size (RECORD's own line empty)."""
    with zipfile.ZipFile(whl) as z:
        rec = [n for n in z.namelist() if n.endswith(".dist-info/RECORD")][0]
        rows = [l.rsplit(",", 2) for l in z.read(rec).decode().splitlines()]
        if {r[0] for r in rows} != {n for n in z.namelist() if not n.endswith("/")}:
            fail(f"{whl}: RECORD does not list exactly the members")
        for name, digest, size in rows:
            if name == rec:
                continue
            data = z.read(name)
            if digest != record_hash(data) or int(size) != len(data):
                fail(f"{whl}: RECORD's line of {name} is {digest},{size}; the member is {record_hash(data)},{len(data)}")


def check(whl, wrong, what):
    """show and repair of `whl`, whose RECORD is wrong about the members in `wrong`."""
    r = ferry("show", whl)
    if r.returncode not in (0, 1) or r.stderr.strip():
        fail(f"{what}: show: exit {r.returncode}: {r.stderr.strip()}")
    warned = sorted(l.split("'")[1] for l in r.stdout.splitlines() if "warning: RECORD is wrong about '" in l)
    if warned != sorted(wrong):
        fail(f"{what}: show warns about {warned}, expected one warning for each of {sorted(wrong)}: {r.stdout}")
    j = json.loads(ferry("show", "--json", whl).stdout)["wheels"][0]
    if sorted(w.split("'")[1] for w in j["warnings"]) != sorted(wrong):
        fail(f"{what}: show --json warnings: {j['warnings']}")
    out = os.path.join(tmp, what)
    r = ferry("repair", whl, "-w", out, timeout=600)
    if r.returncode != 0:
        fail(f"{what}: repair: exit {r.returncode}: {r.stderr.strip()}")
    if sum("warning: RECORD is wrong about" in l for l in r.stdout.splitlines()) != len(wrong):
        fail(f"{what}: repair does not warn once a member: {r.stdout}")
    record_is_true(os.path.join(out, [n for n in os.listdir(out) if n.endswith(".whl")][0]))
    return j


members = simple_members()
data = dict((n, d) for n, d, _ in members)
meta, wheel = "simple-1.0.dist-info/METADATA", "simple-1.0.dist-info/WHEEL"
lines = lying_record(record_lines(members), meta, len(data[meta]))
lines = [l.rsplit(",", 1)[0] + f",{len(data[wheel]) + 7}" if l.startswith(wheel + ",") else l for l in lines]
crafted = os.path.join(tmp, SIMPLE_NAME)
write_wheel(crafted, members, lines)
check(crafted, [meta, wheel], "crafted")

# The real one, with auditwheel's verdict on the same file.
sys.path.insert(0, os.path.join(os.environ.get("FERRY_SRC", ""), "tests", "lib"))
import corpus  # noqa: E402

row = [r for r in corpus.wheels("linux") if r["project"] == "sentry-cli"][0]
j = check(row["path"], ["sentry_cli-3.8.0.dist-info/WHEEL"], "sentry-cli")
aw = corpus.auditwheel_show(corpus.oracles(), row)
if aw.get("overall_tag") != j["best_tag"]:
    fail(f"sentry-cli: ferry's best tag {j['best_tag']}, auditwheel's {aw.get('overall_tag')} ({aw.get('error', '')})")
print("ok")
