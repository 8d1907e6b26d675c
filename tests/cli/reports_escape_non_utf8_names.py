#!/usr/bin/env python3
"""Names that are not UTF-8 (a file name, a DT_NEEDED entry, a RUNPATH, a tar member name) never break a report:
every byte outside a valid UTF-8 sequence is written as the four characters \\xHH in every format of inspect, deps
and check (JSON, SARIF, JUnit, GitHub, Markdown, text), as docs/json-schemas.md says. Oracles: Python's json and
xml.etree parsers accept each output, and strict UTF-8 decoding accepts the text formats."""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET

FERRY = os.environ["FERRY"]
if not shutil.which("cc"):
    print("SKIP: cc is not installed")
    sys.exit(77)

t = tempfile.mkdtemp(prefix="ferry-utf8-")
atexit.register(shutil.rmtree, t, True)  # on every exit, failures included
T = t.encode()
D = T + b"/d"
os.mkdir(D)


def cc(*args):
    subprocess.run(["cc", *args], check=True)


with open(T + b"/fe.c", "w") as f:
    f.write("int fe(void) { return 1; }\n")
with open(T + b"/user.c", "w") as f:
    f.write("int fe(void); int user(void) { return fe(); }\n")
with open(T + b"/main.c", "w") as f:
    f.write("int main(void) { return 0; }\n")
# lib\xfe.so as a soname, so a library linked against it needs it; /opt/\xfd as a RUNPATH.
cc("-shared", "-fPIC", b"-Wl,-soname,lib\xfe.so", "-o", T + b"/libfe.so", T + b"/fe.c")
cc("-shared", "-fPIC", b"-Wl,-rpath,/opt/\xfd", "-Wl,--enable-new-dtags", "-o", D + b"/libuser.so", T + b"/user.c",
   T + b"/libfe.so")
cc("-o", D + b"/prog\xff", T + b"/main.c")
with tarfile.open(os.fsdecode(T + b"/bundle.tar"), "w", format=tarfile.GNU_FORMAT, encoding="latin-1") as tar:
    tar.add(os.fsdecode(D + b"/libuser.so"), arcname="pkg/_x\xff.so")


def run(*args, ok=(0, 1)):
    p = subprocess.run([FERRY, *args], capture_output=True)
    assert p.returncode in ok, (args, p.returncode, p.stderr)
    p.stderr.decode("utf-8")  # strict: raises on a byte that is not UTF-8
    return p.stdout


def has_escapes(text, *names):
    for n in names:
        assert n in text, (n, text[:2000])


prog = os.fsdecode(D + b"/prog\xff")
lib = os.fsdecode(D + b"/libuser.so")
tar = os.fsdecode(T + b"/bundle.tar")

j = json.loads(run("inspect", "--json", os.fsdecode(D), ok=(0,)))
paths = [f["path"] for f in j["files"]]
assert any(p.endswith("/prog\\xff") for p in paths), paths
user = next(f for f in j["files"] if f["path"].endswith("libuser.so"))
assert user["needed"][0] == "lib\\xfe.so", user["needed"]
assert user["runpath"]["raw"] == "/opt/\\xfd", user["runpath"]
has_escapes(run("inspect", os.fsdecode(D), ok=(0,)).decode("utf-8"), "prog\\xff", "lib\\xfe.so", "/opt/\\xfd")

j = json.loads(run("deps", "--json", lib, prog))
f0 = j["files"][0]
assert f0["missing"] == ["lib\\xfe.so"], f0["missing"]
tried = [x["path"] for x in f0["tree"]["children"][0]["tried"]]
assert "/opt/\\xfd" in tried, tried
assert j["files"][1]["file"].endswith("/prog\\xff"), j["files"][1]["file"]
has_escapes(run("deps", lib, prog).decode("utf-8"), "lib\\xfe.so", "/opt/\\xfd", "prog\\xff")
has_escapes(run("deps", "--why", b"lib\xfe.so", lib).decode("utf-8"), "/opt/\\xfd")

check = ["check", "-t", "manylinux2014", os.fsdecode(D), tar]
j = json.loads(run(*check, "--json"))
assert any(f["path"].endswith("/prog\\xff") for f in j["files"]), [f["path"] for f in j["files"]]
assert any("_x\\xff.so" in f["path"] for f in j["files"]), [f["path"] for f in j["files"]]
sarif = json.loads(run(*check, "--sarif"))
assert sarif["version"] == "2.1.0"
junit = ET.fromstring(run(*check, "--junit"))
assert junit.tag == "testsuites"
names = [c.get("name") for c in junit.iter("testcase")]
assert any("prog\\xff" in n for n in names), names
for fmt in ("--github", "--markdown", "-q", "--no-hints"):
    has_escapes(run(*check, fmt).decode("utf-8"), "prog\\xff")
shutil.rmtree(t)
print("ok")
