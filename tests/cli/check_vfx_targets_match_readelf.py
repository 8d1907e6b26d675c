#!/usr/bin/env python3
"""The VFX Reference Platform targets (vfx2018..vfx2026, cy aliases) decide as an independent reading of the
platform table does: fixtures compiled here with g++ -D_GLIBCXX_USE_CXX11_ABI=0 and =1, one needing a GLIBCXX
above RHEL 8's, and extension modules for Python 3.7 and 3.11 are judged from readelf -V / -d and nm -D (the
std::__cxx11 names, cross-checked with nm -DC's demangling); ferry's verdict, its cxx11-abi symbols, its
GLIBCXX/CXXABI issues and its python-version issues must match, for every file and year. --list-targets shows
the years with their ceilings and rules."""
import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

FERRY = os.environ["FERRY"]


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


for tool in ("g++", "gcc", "readelf", "nm"):
    if not shutil.which(tool):
        skip(tool + " is not installed")

# The platform table (vfxplatform.com), written here independently of ferry's tables: glibc, GLIBCXX, CXXABI and
# GCC ceilings of the base system (CentOS 7 / RHEL 8), the old-ABI rule, the year's Python.
CENTOS7 = {"GLIBC": "2.17", "GLIBCXX": "3.4.19", "CXXABI": "1.3.7", "GCC": "4.8.0"}
RHEL8 = {"GLIBC": "2.28", "GLIBCXX": "3.4.25", "CXXABI": "1.3.11", "GCC": "8.0.0"}
YEARS = {2018: (CENTOS7, True, "2.7"), 2019: (CENTOS7, True, "2.7"), 2020: (CENTOS7, True, "3.7"),
         2021: (CENTOS7, True, "3.7"), 2022: (CENTOS7, True, "3.9"), 2023: (RHEL8, False, "3.10"),
         2024: (RHEL8, False, "3.11"), 2025: (RHEL8, False, "3.11"), 2026: (RHEL8, False, "3.13")}
BASE_LIBS = {"libc.so.6", "libm.so.6", "libdl.so.2", "librt.so.1", "libpthread.so.0", "libgcc_s.so.1",
             "libstdc++.so.6"}


def vkey(v):
    return tuple(int(x) for x in v.split("."))


def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


T = tempfile.mkdtemp(prefix="ferry-vfx.")
atexit.register(shutil.rmtree, T, True)  # on every exit, failures included
try:
    def src(name, text):
        p = os.path.join(T, name)
        with open(p, "w") as f:
            f.write(text)
        return p

    # A std::string interface: the old ABI keeps std::string (Ss), the new one names std::__cxx11.
    iface = src("shot.cpp", "#include <string>\nnamespace shot {\n"
                "std::size_t length(const std::string& s) { return s.size(); }\n"
                "void tag(std::string& s) { s += \"_shot\"; }\n}\n")
    # Only an inline use: the new ABI shows in the exported name alone (no GLIBCXX_3.4.21 import).
    abi_only = src("len.cpp", "#include <string>\n"
                   "std::size_t name_length(const std::string& s) { return s.size(); }\n")
    # std::pmr::synchronized_pool_resource lives in libstdc++ from gcc 9: GLIBCXX_3.4.26, above RHEL 8's.
    newer = src("pool.cpp", "#include <memory_resource>\nextern \"C\" void* pool_alloc() {\n"
                "  static std::pmr::synchronized_pool_resource r; return r.allocate(16); }\n")
    module = src("m.c", "void* PyInit__m(void) { return 0; }\n")
    plain = src("plain.c", "void* PyInit__plain(void) { return 0; }\n")
    stub = src("stub.c", "int Py_IsInitialized(void) { return 1; }\n")
    out = os.path.join(T, "out")
    os.mkdir(out)

    def build(cmd, what):
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=T)
        if r.returncode != 0:
            skip("the compiler cannot build the " + what + " fixture: " + r.stderr.strip()[:200])

    files = {
        "libshot_old.so": ["g++", "-O2", "-fPIC", "-shared", "-D_GLIBCXX_USE_CXX11_ABI=0", iface],
        "libshot_new.so": ["g++", "-O2", "-fPIC", "-shared", "-D_GLIBCXX_USE_CXX11_ABI=1", iface],
        "liblen_new.so": ["g++", "-O2", "-fPIC", "-shared", "-D_GLIBCXX_USE_CXX11_ABI=1", abi_only],
        "liblen_old.so": ["g++", "-O2", "-fPIC", "-shared", "-D_GLIBCXX_USE_CXX11_ABI=0", abi_only],
        "libpool.so": ["g++", "-std=c++17", "-O2", "-fPIC", "-shared", "-D_GLIBCXX_USE_CXX11_ABI=0", newer],
        "_m.cpython-37m-x86_64-linux-gnu.so": ["gcc", "-O2", "-fPIC", "-shared", module],
        "_m.cpython-311-x86_64-linux-gnu.so": ["gcc", "-O2", "-fPIC", "-shared", module],
    }
    for name, cmd in files.items():
        build(cmd + ["-o", os.path.join(out, name)], name)
    # A module without the tag, linked to libpython3.7m: its Python comes from DT_NEEDED.
    build(["gcc", "-shared", "-fPIC", "-Wl,-soname,libpython3.7m.so.1.0", stub, "-o",
           os.path.join(T, "libpython3.7m.so.1.0")], "libpython stub")
    build(["gcc", "-O2", "-fPIC", "-shared", plain, "-o", os.path.join(out, "_plain.so"), "-Wl,--no-as-needed",
           "-L" + T, "-l:libpython3.7m.so.1.0"], "_plain.so")
    names = sorted(files) + ["_plain.so"]

    # --- the oracle: readelf and nm ---------------------------------------------------------------------------
    def facts(path):
        v = run("readelf", "-V", "-W", path)
        needs = v.split("Version needs section")[-1] if "Version needs section" in v else ""
        versions = set(re.findall(r"Name: ([A-Za-z0-9_.]+)\s+Flags", needs))
        needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^]]+)\]", run("readelf", "-d", "-W", path)))
        mangled = set()
        for line in run("nm", "-D", path).splitlines():
            sym = line.split()[-1].split("@")[0]
            if sym.startswith("_Z") and ("NSt7__cxx11" in sym or "B5cxx11" in sym):
                mangled.add(sym)
        demangled = [l for l in run("nm", "-D", "-C", path).splitlines()
                     if "std::__cxx11::" in l or "[abi:cxx11]" in l]
        assert len(demangled) == len(mangled), (path, mangled, demangled)  # the demangler agrees
        m = re.search(r"\.cpython-3(\d+)", os.path.basename(path))
        python = "3." + m.group(1) if m else None
        if not python:
            for n in needed:
                m = re.match(r"libpython(\d\.\d+)", n)
                if m and "PyInit_" in run("nm", "-D", "--defined-only", path):
                    python = m.group(1)
        return versions, needed, mangled, python

    def oracle(f, year):
        versions, needed, cxx11, python = f
        ceil, old_abi, py = YEARS[year]
        above = set()
        for full in versions:
            ns, _, num = full.partition("_")
            if ns in ceil and re.fullmatch(r"[0-9.]+", num) and vkey(num) > vkey(ceil[ns]):
                above.add(full)
        libpython = "libpython3.7m.so.1.0" if py == "3.7" else "libpython%s.so.1.0" % py
        external = needed - BASE_LIBS - {libpython}
        abi = cxx11 if old_abi else set()
        bad_python = python is not None and python != py
        return {"pass": not (above or external or abi or bad_python), "above": above, "abi": abi,
                "python": python if bad_python else None}

    fact = {n: facts(os.path.join(out, n)) for n in names}
    # The fixtures are what they claim, or the comparison below proves nothing.
    assert not fact["libshot_old.so"][2] and not fact["liblen_old.so"][2], "old ABI fixture has __cxx11 names"
    assert fact["libshot_new.so"][2] and fact["liblen_new.so"][2], "new ABI fixture lacks __cxx11 names"
    assert not any(v.startswith("GLIBCXX_3.4.2") for v in fact["liblen_new.so"][0]), fact["liblen_new.so"]
    pool_glibcxx = [v for v in fact["libpool.so"][0] if v.startswith("GLIBCXX_")]
    if not any(vkey(v.split("_")[1]) > vkey("3.4.25") for v in pool_glibcxx):
        skip("this libstdc++ gives std::pmr::synchronized_pool_resource no GLIBCXX above 3.4.25: %s" % pool_glibcxx)
    assert fact["_plain.so"][3] == "3.7" and fact["_m.cpython-311-x86_64-linux-gnu.so"][3] == "3.11"

    # --- ferry: every file against every year, aliases and names mixed ------------------------------------------
    targets = []
    for y in YEARS:
        targets += ["-t", ("cy%d" if y % 2 else "vfx%d") % y]
    r = subprocess.run([FERRY, "check", "--json"] + targets + [os.path.join(out, n) for n in names],
                       capture_output=True, text=True)
    assert r.returncode in (0, 1), r.stderr
    report = json.loads(r.stdout)
    by_path = {os.path.basename(f["path"]): f for f in report["files"]}
    compared = passes = 0
    for n in names:
        verdicts = {v["target"]: v for v in by_path[n]["verdicts"]}
        for y in YEARS:
            v = verdicts["vfx%d" % y]
            want = oracle(fact[n], y)
            where = "%s on vfx%d: ferry %s" % (n, y, json.dumps(v["issues"])[:600])
            assert v["pass"] == want["pass"], where + " / oracle %s" % want
            issues = v["issues"]
            abi = [i for i in issues if i["kind"] == "cxx11-abi"]
            assert {i["symbol"] for i in abi} == set(sorted(want["abi"])[:10]), where
            for i in abi:
                assert ("the VFX platform CY%d requires -D_GLIBCXX_USE_CXX11_ABI=0" % y) in i["message"], where
                assert "_GLIBCXX_USE_CXX11_ABI=0" in i["hint"]["remedy"], where
            got_above = {i["version"] for i in issues if i["kind"] == "symbol-version"
                         and i["version"].split("_")[0] in ("GLIBC", "GLIBCXX", "CXXABI", "GCC")}
            assert got_above == want["above"], where
            py = [i for i in issues if i["kind"] == "python-version"]
            if want["python"]:
                assert len(py) == 1 and py[0]["message"] == (
                    "extension module for Python %s, the VFX platform CY%d uses Python %s"
                    % (want["python"], y, YEARS[y][2])), where
            else:
                assert not py, where
            compared += 1
            passes += want["pass"]
    # Both outcomes occur, for the ABI rule and the Python rule alike.
    v = {f: {x["target"]: x["pass"] for x in by_path[f]["verdicts"]} for f in by_path}
    assert v["liblen_new.so"]["vfx2022"] is False and v["liblen_new.so"]["vfx2023"] is True, v["liblen_new.so"]
    assert v["liblen_old.so"]["vfx2018"] is True
    assert v["_m.cpython-37m-x86_64-linux-gnu.so"]["vfx2020"] is True
    assert v["_m.cpython-37m-x86_64-linux-gnu.so"]["vfx2024"] is False
    assert v["_m.cpython-311-x86_64-linux-gnu.so"]["vfx2024"] is True
    assert v["_plain.so"]["vfx2021"] is True and v["_plain.so"]["vfx2022"] is False
    assert not any(v["libpool.so"].values())

    # --- --list-targets: the years with their ceilings and rules --------------------------------------------------
    listed = json.loads(run(FERRY, "check", "--list-targets", "--json"))["targets"]
    vfx = {t["name"]: t for t in listed if t["family"] == "vfx"}
    assert set(vfx) == {"vfx%d" % y for y in YEARS}, sorted(vfx)
    for y, (ceil, old_abi, py) in YEARS.items():
        t = vfx["vfx%d" % y]
        assert t["aliases"] == ["cy%d" % y] and t["arch"] == "x86_64", t
        assert {ns: t["versions"][ns]["ceiling"] for ns in ceil} == ceil, t
        assert t.get("old_cxx_abi", False) == old_abi and t["python"] == py, t
    text = run(FERRY, "check", "--list-targets")
    for y in YEARS:
        assert re.search(r"^vfx%d \(cy%d\)" % (y, y), text, re.M), text
    assert "old libstdc++ ABI (no std::__cxx11 symbols); extension modules for Python 3.7" in text
    print("%d file x year verdicts match the oracle (%d pass)" % (compared, passes))
finally:
    shutil.rmtree(T, ignore_errors=True)
