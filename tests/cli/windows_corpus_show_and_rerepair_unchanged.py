#!/usr/bin/env python3
"""The Windows wheels of the real-wheel corpus (win32, win_amd64, win_arm64): `ferry show --json` reports the
DLLs an earlier repair vendored into <dist>.libs/ exactly as the zip lists them, and the DELVEWHEEL record's
Version line; `ferry repair` of a wheel delvewheel already repaired writes a byte-identical copy (nothing changes),
and so does repair of a wheel that needs nothing vendored (every import is a system DLL, an API set, the Python
DLL or its C runtime)."""
# timeout: 600
import atexit
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.join(os.environ.get("FERRY_SRC", ""), "tests", "lib"))
import corpus

FERRY = os.environ["FERRY"]
rows = corpus.wheels("windows")
if not rows:
    print("SKIP: no Windows wheel in the corpus")
    sys.exit(77)
problems, repaired, clean = [], 0, 0
out_dir = tempfile.mkdtemp(prefix="ferry-wincorpus-")
atexit.register(shutil.rmtree, out_dir, True)  # on every exit, failures included


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


for row in rows:
    path = row["path"]
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        libs = sorted(n for n in names if n.split("/")[0].endswith(".libs") and n.lower().endswith(".dll"))
        record = [n for n in names if n.endswith(".dist-info/DELVEWHEEL")]
        version = z.read(record[0]).decode().splitlines()[0] if record else None
    r = subprocess.run([FERRY, "show", "--json", path], capture_output=True, text=True)
    if r.returncode not in (0, 1):
        problems.append(f"{row['file']}: show exit {r.returncode}: {r.stderr.strip()}")
        continue
    s = json.loads(r.stdout)["wheels"][0]
    if sorted(s["existing_libs"]) != libs:
        problems.append(f"{row['file']}: existing libs {s['existing_libs']} != zip's {libs}")
    if s["repaired_by"] != version:
        problems.append(f"{row['file']}: repaired_by {s['repaired_by']!r} != DELVEWHEEL's {version!r}")
    kinds = {d["kind"] for d in s["dlls"]}
    nothing_to_do = not ({"vendor", "missing", "in-wheel"} & kinds)
    if not (version or nothing_to_do):
        continue
    out = os.path.join(out_dir, row["file"])
    r = subprocess.run([FERRY, "repair", "--json", "-w", out_dir, path], capture_output=True, text=True)
    if r.returncode != 0:
        problems.append(f"{row['file']}: repair exit {r.returncode}: {r.stderr.strip()}")
        continue
    rep = json.loads(r.stdout)["wheels"][0]
    if not rep["unchanged"] or sha(out) != sha(path):
        problems.append(f"{row['file']}: repair changed a wheel that needs nothing ({rep['notes']})")
    repaired += bool(version)
    clean += not version
    os.unlink(out)

for p in problems:
    print("FAIL:", p)
if problems:
    sys.exit(1)
if repaired == 0:
    sys.exit("FAIL: no delvewheel-repaired wheel in the corpus: the re-repair check proved nothing")
print(f"ok: {len(rows)} Windows wheels shown; {repaired} already repaired and {clean} needing nothing copied unchanged")
