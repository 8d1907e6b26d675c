#!/usr/bin/env python3
# --dry-run lists every imported symbol whose GLIBC version is above the target, as readelf shows them in the
# file (the oracle), with old and new binding and method, in text and in --json (schema ferry.lower/1); nothing
# is written. After a real run, readelf shows each rebound symbol at the planned version and library.
import atexit, json, os, re, shutil, subprocess, sys, tempfile

FERRY, FIX = os.environ["FERRY"], os.environ["FERRY_FIXTURES"]
prog = os.path.join(FIX, "lower", "prog")
if not os.path.exists(prog) or not shutil.which("readelf"):
    print("SKIP: lower fixtures were not built or readelf is missing"); sys.exit(77)

def readelf_requirements(path):
    """{symbol: (version, file)} for imported symbols, from readelf -V (.gnu.version_r) and --dyn-syms."""
    out = subprocess.run(["readelf", "-W", "-V", "--dyn-syms", path], capture_output=True, text=True, check=True).stdout
    files, cur = {}, None
    for line in out.splitlines():
        m = re.search(r"File: (\S+)", line)
        if m: cur = m.group(1)
        m = re.search(r"Name: (\S+)\s+Flags: \S+\s+Version: (\d+)", line)
        if m and cur: files[m.group(1), int(m.group(2))] = cur
    req = {}
    for m in re.finditer(r"\sUND (\S+?)@(GLIBC_[\d.]+) \((\d+)\)", out):
        req[m.group(1)] = (m.group(2), files[m.group(2), int(m.group(3))])
    return req

def above(v, ceiling=(2, 31)):
    return tuple(int(x) for x in v.split("_")[1].split(".")[:2]) > ceiling

tmp = tempfile.mkdtemp()
atexit.register(shutil.rmtree, tmp, True)  # on every exit, failures included
try:
    src = os.path.join(tmp, "prog")
    shutil.copy(prog, src)
    before = open(src, "rb").read()
    want = {s: vf for s, vf in readelf_requirements(src).items() if above(vf[0])}
    assert want, "fixture needs nothing above 2.31"

    r = subprocess.run([FERRY, "lower", "-t", "debian11", "--dry-run", "--json", src], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["schema"] == "ferry.lower/1" and not doc["errors"], doc
    f = doc["files"][0]
    got = {b["symbol"]: b for b in f["bindings"]}
    assert set(got) == set(want), (sorted(got), sorted(want))
    for s, (v, lib) in want.items():
        b = got[s]
        assert (b["version"], b["library"]) == (v, lib), b
        assert b["method"] in ("rebind", "moved", "glue"), b
    assert got["pthread_create"]["method"] == "moved" and got["pthread_create"]["new_library"] == "libpthread.so.0"
    stat = "stat64" if "stat64" in got else "stat"  # the fixture is built with _FILE_OFFSET_BITS=64
    assert got[stat]["method"] == "glue" and got[stat]["new_symbol"] == "__x" + stat
    assert got["__libc_start_main"]["method"] == "glue"
    assert sorted(f["add_needed"]) == ["libdl.so.2", "libpthread.so.0"], f["add_needed"]
    assert f["target"] == "debian11" and f["glibc"] == "2.31" and f["changed"] is False

    t = subprocess.run([FERRY, "lower", "-t", "debian11", "--dry-run", src], capture_output=True, text=True, check=True).stdout
    for s, b in got.items():
        line = f"{b['method']}\t{s}@{b['version']} ({b['library']}) -> {b['new_symbol']}@{b['new_version']} ({b['new_library']})"
        assert line in t, (line, t)
    assert open(src, "rb").read() == before, "--dry-run wrote the file"

    out = os.path.join(tmp, "low")
    subprocess.run([FERRY, "lower", "-t", "debian11", src, "-o", out], capture_output=True, check=True)
    after = readelf_requirements(out)
    for s, b in got.items():
        assert after[b["new_symbol"]] == (b["new_version"], b["new_library"]), (s, after.get(b["new_symbol"]))

    # Loader features are listed too: DT_RELR with as many relocations as readelf decodes from the table, and
    # DT_HASH when asked for a gnu-hash-only file; the dry run writes nothing.
    relr = os.path.join(FIX, "lower", "relr")
    if os.path.exists(relr):
        out = subprocess.run(["readelf", "-rW", relr], capture_output=True, text=True, check=True).stdout
        m = re.search(r"Relocation section '\.relr\.dyn' at offset \S+ contains \d+ entries:\n\s+(\d+) offsets", out)
        assert m, out
        r = subprocess.run([FERRY, "lower", "-t", "debian11", "--dry-run", "--json", relr], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        feats = json.loads(r.stdout)["files"][0]["features"]
        assert [x["name"] for x in feats] == ["DT_RELR"] and feats[0]["method"] == "expand", feats
        assert feats[0]["detail"].startswith(m.group(1) + " relative relocations"), (feats, m.group(1))
    lib = os.path.join(FIX, "lower", "libdemo.so")
    dyn = subprocess.run(["readelf", "-dW", lib], capture_output=True, text=True, check=True).stdout
    if "(GNU_HASH)" in dyn and "(HASH)" not in dyn:
        t = subprocess.run([FERRY, "lower", "-t", "debian11", "--add-dt-hash", "--dry-run", lib], capture_output=True,
                           text=True, check=True).stdout
        assert "\n  add\tDT_HASH: " in t, t
    print("ok")
finally:
    shutil.rmtree(tmp)
