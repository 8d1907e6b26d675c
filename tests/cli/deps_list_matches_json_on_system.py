#!/usr/bin/env python3
# `ferry deps --list` over every ELF object under /usr/bin and /usr/lib/x86_64-linux-gnu in one call (the fast
# path: header-only reads, places tried kept only for missing libraries, trees streamed out in order by several
# threads) prints, file by file and in the order given, exactly the load order and missing list of
# `ferry deps --json` (the full path, itself checked against ldd by deps_matches_ldd.py); with -j1 and -j2, and the
# text tree names the same missing libraries.
# timeout: 300
import json, os, subprocess, sys

sys.path.insert(0, os.path.join(os.environ.get("FERRY_SRC", ""), "tests", "lib"))
from elf_files import system_objects  # noqa: E402

ferry = os.environ.get("FERRY")
if not ferry:
    print("run through ctest (FERRY is not set)"); sys.exit(1)
files = system_objects()
if len(files) < 50:
    print("SKIP: too few system ELF files"); sys.exit(77)
env = dict(os.environ)
env.pop("LD_LIBRARY_PATH", None)

doc = json.loads(subprocess.run([ferry, "deps", "--json"] + files, env=env, capture_output=True, text=True).stdout)
expect = []
for f in doc["files"]:
    if "error" in f:
        continue
    expect.append(f["file"] + ":")
    for e in f["load_order"][1:]:
        expect.append("\t" + (e["path"] if e["name"] == e["path"] else e["name"] + " => " + e["path"]))
    for m in f["missing"]:
        expect.append("\t" + m + " => not found")

for jobs in ("1", "2"):
    r = subprocess.run([ferry, "deps", "--list", "-j", jobs] + files, env=env, capture_output=True, text=True)
    got = r.stdout.splitlines()
    if got != expect:
        for i, (a, b) in enumerate(zip(got, expect)):
            if a != b:
                print(f"-j{jobs}: line {i + 1}: --list {a!r}, --json {b!r}")
                break
        print(f"-j{jobs}: --list has {len(got)} lines, --json gives {len(expect)}")
        sys.exit(1)
    missing = any(f.get("missing") for f in doc["files"])
    if r.returncode != (1 if missing else 0) and r.returncode != 2:
        print(f"-j{jobs}: exit status {r.returncode}"); sys.exit(1)

# Text output keeps the places tried under each missing library (they are searched again to record them): the
# first directory JSON lists for it follows its "not found" line.
text = subprocess.run([ferry, "deps"] + files, env=env, capture_output=True, text=True).stdout.splitlines()
def missing_nodes(n):
    if n.get("path") is None and n.get("tried"):
        yield n
    for c in n.get("children", []):
        yield from missing_nodes(c)
checked = 0
for f in doc["files"]:
    for n in missing_nodes(f.get("tree", {})):
        at = [i for i, l in enumerate(text) if l.endswith(n["name"] + " not found")]
        if not at or not any("tried " + n["tried"][0]["path"] in l for i in at for l in text[i + 1:i + 2]):
            print(f"text output does not list the places tried for {n['name']} of {f['file']}"); sys.exit(1)
        checked += 1
print(f"ok: {len(files)} files, {len(expect)} lines agree for -j1 and -j2; {checked} missing libraries list their tried places")
