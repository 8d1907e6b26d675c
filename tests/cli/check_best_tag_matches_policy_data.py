#!/usr/bin/env python3
"""The manylinux verdicts agree with the policy data: an independent reimplementation of auditwheel's rule
(every version needed in a namespace the policy lists must be in its set for the architecture; every DT_NEEDED
on the whitelist or shipped alongside; no ISA level above the baseline), fed by readelf, gives the same best
tag as `ferry check` for every fixture and for the wheel; and ferry's built-in table (--list-targets --json) equals
the policy data of auditwheel itself (the pinned oracle venv of scripts/oracles.sh) exactly."""
import json
import os
import re
import subprocess
import sys

FERRY = os.environ["FERRY"]
C = os.path.join(os.environ["FERRY_FIXTURES"], "check")
if not os.path.exists(os.path.join(C, "memcpy_new")):
    print("SKIP: check fixtures were not built")
    sys.exit(77)
# The reference: auditwheel's own policy file, from the pinned venv (skipped, not passed, when PyPI is unreachable).
oracles = subprocess.run(["bash", os.path.join(os.environ["FERRY_SRC"], "scripts", "oracles.sh"),
                          os.environ["FERRY_BUILD"]], capture_output=True, text=True)
if oracles.returncode == 77:
    print("SKIP: the reference tools cannot be installed (no PyPI)")
    sys.exit(77)
oracles.check_returncode()
venv = os.path.dirname(oracles.stdout.strip())
REFERENCE, = [os.path.join(venv, "lib", d, "site-packages", "auditwheel", "policy", "manylinux-policy.json")
              for d in os.listdir(os.path.join(venv, "lib")) if d.startswith("python")]

exported = json.loads(subprocess.run([FERRY, "check", "--list-targets", "--json"], check=True,
                                     capture_output=True, text=True).stdout)
table = [t for t in exported["targets"] if t["family"] == "manylinux"]

ref = {p["name"]: p for p in json.load(open(REFERENCE)) if p["name"] != "linux"}
# An empty side would make every comparison below vacuous.
assert ref and table, f"nothing to compare: {len(ref)} policies in {REFERENCE}, {len(table)} manylinux targets"
seen = set()
for t in table:
    p = ref[t["name"]]
    seen.add(t["name"])
    assert t["aliases"] == p["aliases"] and t["priority"] == p["priority"], t["name"]
    assert t["lib_whitelist"] == p["lib_whitelist"], t["name"]
    assert t["blacklist"] == {k: sorted(v) for k, v in p["blacklist"].items()}, t["name"]
    want = p["symbol_versions"][t["arch"]]
    got = {ns: sorted(r["allowed"]) for ns, r in t["versions"].items()}
    assert got == {ns: sorted(v) for ns, v in want.items()}, (t["name"], t["arch"])
assert seen == set(ref), set(ref) - seen
assert len(table) == sum(len(p["symbol_versions"]) for p in ref.values())
# musllinux: same names, priorities, whitelists and blacklists for every architecture auditwheel lists.
musl = [t for t in exported["targets"] if t["family"] == "musllinux"]
mref = {p["name"]: p for p in json.load(open(REFERENCE.replace("manylinux", "musllinux"))) if p["name"] != "linux"}
assert musl and mref, "no musllinux targets or policies to compare"
assert {(t["name"], t["arch"]) for t in musl} == {(n, a) for n, p in mref.items() for a in p["symbol_versions"]}
for t in musl:
    p = mref[t["name"]]
    assert t["priority"] == p["priority"] and t["lib_whitelist"] == p["lib_whitelist"], t["name"]
    assert t["blacklist"] == {k: sorted(v) for k, v in p["blacklist"].items()}, t["name"]


def readelf_facts(path):
    v = subprocess.run(["readelf", "-V", "-W", path], capture_output=True, text=True).stdout
    d = subprocess.run(["readelf", "-d", "-W", path], capture_output=True, text=True).stdout
    n = subprocess.run(["readelf", "-n", "-W", path], capture_output=True, text=True).stdout
    needs = re.findall(r"Name: ([A-Za-z0-9_.]+)\s+Flags", v.split("Version needs section")[-1]) if "Version needs" in v else []
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", d)
    soname = re.findall(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", d)
    isa = re.search(r"x86 ISA needed: ([^\n]*)", n)
    levels = re.findall(r"x86-64-v(\d)", isa.group(1)) if isa else []
    return {"needs": needs, "needed": needed, "soname": soname[0] if soname else None,
            "isa": max([int(x) for x in levels] or [1])}


def satisfies(facts, t, shipped):
    for full in facts["needs"]:
        ns, _, ver = full.partition("_")
        if ns in t["versions"] and ver not in t["versions"][ns]["allowed"]:
            return False
    for lib in facts["needed"]:
        if lib not in t["lib_whitelist"] and lib not in shipped and not lib.startswith("ld-linux"):
            return False
    return facts["isa"] <= 1


def best(files, shipped=()):
    for t in sorted((t for t in table if t["arch"] == "x86_64"), key=lambda t: -t["priority"]):
        if all(satisfies(readelf_facts(f), t, set(shipped)) for f in files):
            return t["tag"]
    return None


def ferry_best(path, key="files"):
    p = subprocess.run([FERRY, "check", "--json", path], capture_output=True, text=True)
    d = json.loads(p.stdout)
    return d["files"][0]["best_manylinux"] if key == "files" else d["inputs"][0]["best_manylinux"]


checked = 0
for name in ["pinned_old", "memcpy_new", "getrandom", "pow_new", "needs_234", "cxx_new", "librelr.so",
             "libplain.so", "libexecstack.so", "libisa_v3.so", "libuses_fake.so"]:
    path = os.path.join(C, name)
    want, got = best([path]), ferry_best(path)
    assert want == got, (name, want, got)
    checked += 1
# The wheel: both ELF files, libshipped.so.1 shipped inside.
tree = os.path.join(C, "tree")
files = [os.path.join(tree, "pkg", "_ext.so"), os.path.join(tree, "pkg.libs", "libshipped.so.1")]
want = best(files, shipped={"libshipped.so.1"})
got = ferry_best(os.path.join(C, "pkg-1.0-cp311-cp311-linux_x86_64.whl"), key="inputs")
assert want == got == "manylinux_2_17_x86_64", (want, got)
print(f"ok: {checked} fixtures and the wheel agree")
