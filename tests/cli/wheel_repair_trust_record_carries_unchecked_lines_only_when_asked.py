#!/usr/bin/env python3
"""Pins down `repair --trust-record`, the opt-in that skips inflating members ferry copies byte for byte. A 2 MiB
non-ELF member whose RECORD hash is a lie: the default hashes it, warns and writes the true line; with
--trust-record the wheel is repaired, the member's bytes and its lying RECORD line are carried over exactly as the
input had them, and the report (text and --json, schema ferry.repair/2) says how many members were trusted.
With --trust-record an ELF member is read (ferry patches it) but not hashed: its RECORD line stands for it, so a
lie about it is not reported; once ferry patches it, its line is the patched file's own, and the lie is gone. A lie
about a .dist-info member is caught, and a line whose size is wrong is not trusted: each is warned about and
corrected. Oracle: Python's zipfile and hashlib."""
import atexit
import json
import os
import shutil
import re
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from wheel_fixtures import *  # noqa: E402,F403

require_fixtures()
tmp = tempfile.mkdtemp()
atexit.register(shutil.rmtree, tmp, True)  # on every exit, failures included
blob, members, true_record, lying = wheel_with_lying_data_member()
lie = f"simple/data.bin,{record_hash(b'other')},{len(blob)}"


def wheel_with(name, record):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    whl = os.path.join(d, SIMPLE_NAME)
    write_wheel(whl, members, record)
    return whl, os.path.join(d, "out")


def output_record(out):
    with zipfile.ZipFile(output_of(out)) as z:
        return z.read("simple-1.0.dist-info/RECORD").decode()


def output_of(out):
    files = os.listdir(out)
    if len(files) != 1:
        fail(f"expected one output wheel in {out}: {files}")
    return os.path.join(out, files[0])


# The default checks the member: a warning, and the true line in the output.
whl, out = wheel_with("default", lying)
expect_record_corrected(ferry("repair", whl, "-w", out), out, "simple/data.bin", blob, what="default")

# --trust-record carries it over unchanged, and says so.
whl, out = wheel_with("trusted", lying)
r = ferry("repair", whl, "-w", out, "--trust-record")
if r.returncode != 0:
    fail(f"--trust-record: exit {r.returncode}: {r.stderr}")
with zipfile.ZipFile(whl) as zi:
    in_info = zi.getinfo("simple/data.bin")
    trustable = sum(1 for i in zi.infolist() if not i.is_dir() and ".dist-info/" not in i.filename
                    and zi.read(i.filename)[:4] != b"\x7fELF")
with zipfile.ZipFile(output_of(out)) as z:
    rec = z.read("simple-1.0.dist-info/RECORD").decode().splitlines()
    if lie not in rec:
        fail(f"--trust-record: the input's RECORD line is not carried over as it was: {rec}")
    if z.read("simple/data.bin") != blob:
        fail("--trust-record: the member's bytes changed")
    info = z.getinfo("simple/data.bin")
    if (info.CRC, info.compress_size, info.compress_type) != (in_info.CRC, in_info.compress_size, in_info.compress_type):
        fail("--trust-record: the member was not copied as its compressed bytes")
    # Every member ferry wrote (the patched ELF, grafts, metadata) has a true line.
    for line in rec:
        name, h, size = line.rsplit(",", 2)
        if name.endswith("/RECORD") or name == "simple/data.bin":
            continue
        if h != record_hash(z.read(name)):
            fail(f"--trust-record: RECORD line of {name} does not match its bytes")
m = re.search(r"(\d+) members? trusted, not checked", r.stdout)
if not m or int(m.group(1)) != trustable:
    fail(f"--trust-record: the text report does not say {trustable} members were trusted: {r.stdout}")

whl, out = wheel_with("json", lying)
r = ferry("repair", whl, "-w", out, "--trust-record", "--json")
if r.returncode != 0:
    fail(f"--trust-record --json: exit {r.returncode}: {r.stderr}")
d = json.loads(r.stdout)
if d["schema"] != "ferry.repair/2" or d["wheels"][0]["members_trusted"] != trustable:
    fail(f"--json: schema {d['schema']}, members_trusted {d['wheels'][0].get('members_trusted')}, want {trustable}")

# Without the option the count is 0 (a true RECORD).
whl, out = wheel_with("truth", true_record)
r = ferry("repair", whl, "-w", out, "--json")
if r.returncode != 0 or json.loads(r.stdout)["wheels"][0]["members_trusted"] != 0:
    fail(f"default: members_trusted is not 0: {r.stdout} {r.stderr}")

# .dist-info members are never trusted: their lies are caught and corrected. An ELF member's line stands for its
# hash, but ferry patches this one, so its output line is the patched bytes' and the lie is not passed on.
for what, target in [("elf", "simple/_simple.cpython-311-x86_64-linux-gnu.so"), ("meta", "simple-1.0.dist-info/METADATA")]:
    data = dict((n, d) for n, d, _ in members)[target]
    if what == "elf" and data[:4] != b"\x7fELF":
        fail(f"the fixture's {target} is not ELF")
    rec = lying_record(true_record, target, len(data), claimed=b"x")
    whl, out = wheel_with("lie-" + what, rec)
    r = ferry("repair", whl, "-w", out, "--trust-record")
    if what == "meta":
        expect_record_corrected(r, out, target, data, what="--trust-record, " + what)
        continue
    if r.returncode != 0 or f"warning: RECORD is wrong about '{target}'" in r.stdout:
        fail(f"--trust-record, {what}: expected exit 0 and no hash taken of {target}: {r.returncode} {r.stdout} {r.stderr}")
    lines = dict(l.rsplit(",", 2)[0:2] for l in output_record(out).splitlines())
    with zipfile.ZipFile(output_of(out)) as z:
        patched = z.read(target)
    if patched == data or lines.get(target) != record_hash(patched):
        fail(f"--trust-record, {what}: {target} is not patched, or its line is not the patched bytes': {lines.get(target)}")

# A line whose size is wrong is not believed, even with --trust-record: the member is hashed and its line corrected.
sized = [f"simple/data.bin,{record_hash(blob)},{len(blob) + 1}" if l.startswith("simple/data.bin,") else l
         for l in true_record]
whl, out = wheel_with("size-lie", sized)
r = ferry("repair", whl, "-w", out, "--trust-record", "--json")
d = json.loads(r.stdout) if r.returncode == 0 else fail(f"size lie: exit {r.returncode}: {r.stderr}")
w = d["wheels"][0]
if w["members_trusted"] != trustable - 1 or not any("'simple/data.bin'" in x and "size" in x for x in w["warnings"]):
    fail(f"size lie: members_trusted {w['members_trusted']} (want {trustable - 1}), warnings {w['warnings']}")
if f"simple/data.bin,{record_hash(blob)},{len(blob)}" not in output_record(out).splitlines():
    fail(f"size lie: the output's line of simple/data.bin is not the true one: {output_record(out)}")
# An ELF member taken on trust and copied as it is counts as trusted too: its line is carried over unchecked.
# The wheel repaired above with --trust-record needs nothing more (already repaired, copied as it is): every
# member outside .dist-info is counted, its ELF files (the extension, the grafted library) with the rest.
whl, out = wheel_with("again-src", lying)
r = ferry("repair", whl, "-w", out, "--trust-record")
if r.returncode != 0:
    fail(f"--trust-record (first repair): exit {r.returncode}: {r.stderr}")
again = os.path.join(tmp, "again-out")
r = ferry("repair", output_of(out), "-w", again, "--trust-record", "--json")
d = json.loads(r.stdout) if r.returncode == 0 else fail(f"second repair: exit {r.returncode}: {r.stderr}")
with zipfile.ZipFile(output_of(out)) as z:
    files = [i.filename for i in z.infolist() if not i.is_dir() and ".dist-info/" not in i.filename]
    elves = [n for n in files if z.read(n)[:4] == b"\x7fELF"]
w = d["wheels"][0]
if len(elves) < 2 or w["members_trusted"] != len(files):
    fail(f"second repair: members_trusted {w['members_trusted']}, want {len(files)} (ELF among them: {elves})")
print("ok")
