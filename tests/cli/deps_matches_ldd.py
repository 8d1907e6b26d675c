#!/usr/bin/env python3
# Differential test: for every ELF executable and shared object under /usr/bin and /usr/lib/x86_64-linux-gnu,
# the set of paths `ferry deps` resolves equals the set `ldd` reports (ldd runs the real loader in trace mode).
# Prints the agreement count. A difference fails unless it is a documented case where ldd itself is wrong.
# timeout: 600
import json, os, re, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

ferry = os.environ.get("FERRY")
if not ferry:
    print("run through ctest (FERRY is not set)"); sys.exit(1)
dirs = [d for d in ("/usr/bin", "/usr/lib/x86_64-linux-gnu") if os.path.isdir(d)]
if not dirs or not os.path.exists("/usr/bin/ldd"):
    print("SKIP: no /usr/bin or ldd"); sys.exit(77)
env = dict(os.environ)
env.pop("LD_LIBRARY_PATH", None)
env.pop("LD_PRELOAD", None)

out = subprocess.run([ferry, "deps", "--json", "--no-tried"] + dirs, env=env, capture_output=True, text=True)
if out.returncode not in (0, 1, 2):
    print(out.stderr); sys.exit(1)
doc = json.loads(out.stdout)
assert doc["schema"] == "ferry.deps/1"
ferry_sets = {}
for f in doc["files"]:
    if "error" in f:
        continue
    paths = {e["path"] for e in f["load_order"][1:]}
    paths |= {"not found: " + m for m in f["missing"]}
    ferry_sets[f["file"]] = paths

line_re = re.compile(r"^\s*(\S+)(?: => (.*?))?(?: \(0x[0-9a-f]+\))?$")

def run_ldd(path):
    try:
        r = subprocess.run(["ldd", path], env=env, capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return path, None
    if r.returncode != 0 or "not a dynamic executable" in r.stdout + r.stderr or "statically linked" in r.stdout:
        return path, None  # ldd refuses (static, wrong class, not loadable): nothing to compare
    s = set()
    for line in r.stdout.splitlines():
        m = line_re.match(line)
        if not m:
            continue
        name, target = m.group(1), m.group(2)
        if name.startswith("linux-vdso") or name.startswith("linux-gate"):
            continue
        if target is None:
            s.add(name)
        elif target == "not found":
            s.add("not found: " + name)
        else:
            s.add(target)
    return path, s

files = sorted(f for f in ferry_sets if not f.endswith(".o"))  # relocatable objects: ldd refuses them
with ThreadPoolExecutor(max_workers=2) as ex:
    ldd_sets = dict(ex.map(run_ldd, files))

agree, differ, refused, ldd_wrong = 0, [], 0, []
for f in files:
    want = ldd_sets.get(f)
    if want is None:
        refused += 1
        continue
    got = ferry_sets[f]
    if got == want:
        agree += 1
        continue
    # Documented ldd error: ldd runs `ld.so FILE`, so $ORIGIN of a symlinked program is the symlink's directory;
    # the kernel gives the loader /proc/self/exe (symlinks resolved). ldd on the real path gives the real answer.
    real = os.path.realpath(f)
    if real != f and run_ldd(real)[1] == got:
        ldd_wrong.append(f)
        continue
    differ.append((f, sorted(want - got), sorted(got - want)))

print(f"ferry deps agrees with ldd on {agree} of {agree + len(differ) + len(ldd_wrong)} files "
      f"({refused} files ldd refuses, skipped)")
if ldd_wrong:
    print(f"{len(ldd_wrong)} symlinked programs where ldd is wrong ($ORIGIN taken from the symlink; ferry matches "
          f"ldd on the real path), e.g. {ldd_wrong[0]}")
for f, only_ldd, only_ferry in differ[:30]:
    print(f"DIFF {f}\n  only ldd:   {only_ldd}\n  only ferry: {only_ferry}")
if agree < 100:
    print("FAIL: too few files compared to mean anything"); sys.exit(1)
sys.exit(1 if differ else 0)
