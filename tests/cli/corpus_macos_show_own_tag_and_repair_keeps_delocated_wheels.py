#!/usr/bin/env python3
"""Every macOS wheel of the real-wheel corpus (most already delocated): `ferry show` gives the wheel's own tag as
the tag repair reaches, and `ferry repair` writes the very same bytes (nothing grafted, rewritten or retagged) —
or both refuse for a reason an independent oracle confirms: each file named as needing a newer macOS has that
minos in `llvm-objdump --macho --private-headers` and it is above the wheel's tag. A wheel whose RECORD hash of
a member really differs from the member's SHA-256 (hashlib; openexr 3.3.2's WHEEL) is shown with a warning
naming it, and repair rewrites only RECORD, every line of it true, the WHEEL and its Tag lines as they were."""
# timeout: 900
import base64
import filecmp
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.join(os.environ.get("FERRY_SRC", ""), "tests", "lib"))
import corpus

OBJDUMP = "/usr/lib/llvm-14/bin/llvm-objdump"
if not os.access(OBJDUMP, os.X_OK):
    corpus.skip("llvm-objdump 14 is not installed")
ENV = {k: v for k, v in os.environ.items() if k not in ("MACOSX_DEPLOYMENT_TARGET", "DYLD_LIBRARY_PATH")}


def tag_version(platform, arch):
    for t in platform.split("."):
        m = re.match(r"macosx_(\d+)_(\d+)_(\w+)", t)
        if m and m.group(3) in (arch, "universal2" if arch in ("x86_64", "arm64") else "-"):
            v = (int(m.group(1)), int(m.group(2)))
            return max(v, (11, 0)) if arch == "arm64" else v
    return None


def objdump_minos(path, arch):
    out = subprocess.run([OBJDUMP, "--macho", "--private-headers", f"--arch={arch}", path],
                         capture_output=True, text=True).stdout
    m = re.search(r"cmd LC_BUILD_VERSION.*?minos (\d+)\.(\d+)", out, re.S) or \
        re.search(r"cmd LC_VERSION_MIN_MACOSX.*?version (\d+)\.(\d+)", out, re.S)
    return (int(m.group(1)), int(m.group(2))) if m else None


def check_too_new(row, problem):
    root, _ = corpus.extract_binaries(row)
    lines = re.findall(r"^  (.+) \((\w+)\) needs macOS (\d+)\.(\d+), the target is", problem, re.M)
    if not lines:
        corpus.fail(f"{row['file']}: refusal without files: {problem}")
    for f, arch, major, minor in lines:
        got = objdump_minos(os.path.join(root, f), arch)
        want = (int(major), int(minor))
        if got != want or not want > tag_version(row["platform"], arch):
            corpus.fail(f"{row['file']}: {f} ({arch}): ferry says {want}, llvm-objdump {got}, tag {row['platform']}")
    return f"refused, {len(lines)} file(s) above the tag confirmed by llvm-objdump"


def sha(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def check_record(row, warnings, out):
    """Each warned member's RECORD hash really differs from hashlib's; the repaired wheel `out` has the input's
    members byte for byte except RECORD, whose every line is true."""
    members = [re.search(r"RECORD is wrong about '([^']+)'", w).group(1) for w in warnings]
    with zipfile.ZipFile(row["path"]) as z, zipfile.ZipFile(out) as o:
        rec = next(n for n in z.namelist() if n.endswith(".dist-info/RECORD"))
        lines = {l.split(",")[0]: l.split(",")[1] for l in z.read(rec).decode().splitlines()}
        for member in members:
            if sha(z.read(member)) == lines.get(member):
                corpus.fail(f"{row['file']}: ferry says RECORD is wrong for {member}, hashlib agrees with RECORD")
        files = [n for n in z.namelist() if not n.endswith("/")]
        if sorted(files) != sorted(o.namelist()):
            corpus.fail(f"{row['file']}: the repaired wheel has other members")
        changed = [n for n in files if z.read(n) != o.read(n)]
        if changed != [rec]:
            corpus.fail(f"{row['file']}: repair changed {changed}, expected RECORD alone")
        for l in o.read(rec).decode().splitlines():
            name, h, size = l.rsplit(",", 2)
            if name != rec and (h != sha(o.read(name)) or int(size) != len(o.read(name))):
                corpus.fail(f"{row['file']}: the repaired RECORD's line of {name} is not true")
    return f"RECORD wrong about {', '.join(members)} (hashlib agrees): warned, repair rewrote RECORD alone"


def one(row):
    p = subprocess.run([os.environ["FERRY"], "show", "--json", row["path"]], capture_output=True, text=True, env=ENV)
    if p.returncode not in (0, 1):
        corpus.fail(f"{row['file']}: show exited {p.returncode}: {p.stderr}")
    w = json.loads(p.stdout)["wheels"][0]
    with tempfile.TemporaryDirectory() as t:
        r = subprocess.run([os.environ["FERRY"], "repair", "--json", "-w", t, row["path"]], capture_output=True,
                           text=True, env=ENV)
        if not w["repair_tag"]:
            if r.returncode != 1 or "need a newer macOS" not in w["repair_problem"]:
                corpus.fail(f"{row['file']}: show: {w['repair_problem']}; repair exit {r.returncode}: {r.stderr}")
            return check_too_new(row, w["repair_problem"])
        if w["repair_tag"] != row["platform"]:
            corpus.fail(f"{row['file']}: show reaches {w['repair_tag']}, the wheel says {row['platform']}")
        if r.returncode != 0:
            corpus.fail(f"{row['file']}: repair exited {r.returncode}: {r.stderr}")
        rep = json.loads(r.stdout)["wheels"][0]
        out = os.path.join(t, row["file"])
        if w["warnings"]:
            if rep["unchanged"] or rep["warnings"] != w["warnings"]:
                corpus.fail(f"{row['file']}: show warns {w['warnings']}, repair {rep['warnings']}, unchanged {rep['unchanged']}")
            return check_record(row, w["warnings"], out)
        if not rep["unchanged"] or not filecmp.cmp(out, row["path"], shallow=False):
            corpus.fail(f"{row['file']}: repair changed the wheel: {rep['changed']} {rep['platform_tags']}")
    return f"own tag {row['platform']}, repair keeps the bytes"


rows = corpus.wheels("macos")
if not rows:
    corpus.skip("no macOS wheel in the corpus")
for row, verdict in zip(rows, corpus.parallel(one, rows, jobs=2)):
    print(f"{row['file']}: {verdict}")
print("ok")
