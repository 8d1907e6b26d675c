#!/usr/bin/env python3
"""Pins down: output file names, WHEEL tags and RECORD lines follow auditwheel's rules (6.x), written out here
as the oracle because auditwheel is not packaged for Debian 12:
- file name: prefix kept (build tag too); platform tags = sorted(original - replaced + abis), so the legacy alias
  sorts first: manylinux1_x86_64.manylinux_2_5_x86_64 (wheeltools.add_platforms sorts since 6.2);
- abis = [requested, its aliases], preceded by the better tag and its aliases the wheel is eligible for unless
  --only-plat (main_repair.py); linux_<arch> is replaced (policy.get_replace_platforms);
- WHEEL: Tag lines for the kept tags, then py-abi x abis in abis order, after the other headers;
- graft names <stem>-<sha256(real file)[:8]>.<rest>, in <distribution><lib-sdir>/ (repair.copylib);
- RECORD: every file, `path,sha256=<urlsafe b64 nopad>,size`, RECORD itself `path,,`, CRLF line ends (csv.writer),
  in the archive's order: per directory files then subdirectories, sorted, .dist-info last, RECORD last in it.
Oracle for content: Python's zipfile + hashlib recompute every hash and size."""
import atexit, base64, hashlib, os, shutil, subprocess, sys, tempfile, zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from wheel_fixtures import FERRY, W, fail, require_fixtures  # noqa: E402

SRC = os.path.join(W, "chain-1.0-cp311-cp311-linux_x86_64.whl")
require_fixtures(SRC)

def repair(out, *args):
    env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(W, "lib"))
    r = subprocess.run([FERRY, "repair", SRC, "-w", out, *args], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"repair {args} exited {r.returncode}: {r.stderr}")
    files = os.listdir(out)
    if len(files) != 1:
        fail(f"expected one output in {out}: {files}")
    return os.path.join(out, files[0])

def wheel_tags(whl):
    with zipfile.ZipFile(whl) as z:
        text = z.read("chain-1.0.dist-info/WHEEL").decode()
    return [l[5:] for l in text.splitlines() if l.startswith("Tag: ")], text

def sha(data):
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()

def walk_key(name):
    parts = name.split("/")
    key = []
    for i, p in enumerate(parts):
        is_file = i == len(parts) - 1
        top_dist = i == 0 and not is_file and p.endswith(".dist-info")
        record_last = is_file and i == 1 and parts[0].endswith(".dist-info") and p == "RECORD"
        key.append((0 if is_file else 1, 1 if (top_dist or record_last) else 0, p))
    return key

tmp = tempfile.mkdtemp()
atexit.register(shutil.rmtree, tmp, True)  # on every exit, failures included
cases = [
    ([], "manylinux1_x86_64.manylinux_2_5_x86_64", ["manylinux_2_5_x86_64", "manylinux1_x86_64"]),
    (["--plat", "manylinux2014_x86_64"],
     "manylinux1_x86_64.manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_5_x86_64",
     ["manylinux_2_5_x86_64", "manylinux1_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"]),
    (["--plat", "manylinux2014_x86_64", "--only-plat"], "manylinux2014_x86_64.manylinux_2_17_x86_64",
     ["manylinux_2_17_x86_64", "manylinux2014_x86_64"]),
    (["--plat", "manylinux_2_28_x86_64", "--only-plat"], "manylinux_2_28_x86_64", ["manylinux_2_28_x86_64"]),
    (["--no-update-tags"], "linux_x86_64", ["linux_x86_64"]),
]
for i, (args, plat, tags) in enumerate(cases):
    out = repair(os.path.join(tmp, f"c{i}"), *args)
    want = f"chain-1.0-cp311-cp311-{plat}.whl"
    if os.path.basename(out) != want:
        fail(f"{args}: file name {os.path.basename(out)}, auditwheel names it {want}")
    got, text = wheel_tags(out)
    if got != [f"cp311-cp311-{t}" for t in tags]:
        fail(f"{args}: WHEEL tags {got}, expected {tags}")
    if args != ["--no-update-tags"] and not text.endswith(f"Tag: cp311-cp311-{tags[-1]}\n\n"):
        fail(f"WHEEL does not end like email.generator writes it: {text!r}")

# Graft names, lib-sdir, RECORD.
out = repair(os.path.join(tmp, "lsdir"), "-L", ".mylibs")
lib = os.path.join(W, "lib")
ha = hashlib.sha256(open(os.path.join(lib, "libfa.so.1.2.3"), "rb").read()).hexdigest()[:8]
hb = hashlib.sha256(open(os.path.join(lib, "libfb.so.1"), "rb").read()).hexdigest()[:8]
with zipfile.ZipFile(out) as z:
    names = z.namelist()
    for want in (f"chain.mylibs/libfa-{ha}.so.1.2.3", f"chain.mylibs/libfb-{hb}.so.1"):
        if want not in names:
            fail(f"graft {want} missing: {names}")
    raw = z.read("chain-1.0.dist-info/RECORD")
    if not raw.endswith(b"chain-1.0.dist-info/RECORD,,\r\n") or b"\n" in raw.replace(b"\r\n", b""):
        fail(f"RECORD lines are not CRLF-terminated or RECORD,, is not last: {raw!r}")
    rows = [l.split(",") for l in raw.decode().split("\r\n") if l]
    listed = [r[0] for r in rows]
    if listed != names:
        fail(f"RECORD order {listed} differs from the archive order {names}")
    if names != sorted(names, key=walk_key):
        fail(f"archive order is not auditwheel's walk order: {names}")
    for path, h, size in rows:
        if path.endswith("/RECORD"):
            if h or size:
                fail("RECORD's own line must be RECORD,,")
            continue
        data = z.read(path)
        if h != "sha256=" + sha(data) or size != str(len(data)):
            fail(f"RECORD line for {path} is {h},{size}; content gives sha256={sha(data)},{len(data)}")
    if "chain-1.0.dist-info/ferry-provenance.json" not in names:
        fail("no provenance file")
    prov = z.read("chain-1.0.dist-info/ferry-provenance.json").decode()
    if f"libfa-{ha}.so.1.2.3" not in prov or "libfa.so.1.2.3" not in prov:
        fail(f"provenance does not say what was grafted from where: {prov}")
print("ok")
