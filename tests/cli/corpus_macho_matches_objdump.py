#!/usr/bin/env python3
"""Every Mach-O file inside every macOS wheel of the real-wheel corpus (x86_64, arm64 and universal2; extensions
and the dylibs delocate grafted): for each slice, `ferry inspect --json` gives the same install name, the same
dependencies in load-command order with their kind and versions, the same LC_RPATHs and the same minimum OS and
SDK (LC_BUILD_VERSION or LC_VERSION_MIN_*) as `llvm-objdump --macho --private-headers --arch=ARCH`."""
# timeout: 900
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("FERRY_SRC", ""), "tests", "lib"))
import corpus

OBJDUMP = "/usr/lib/llvm-14/bin/llvm-objdump"
if not os.access(OBJDUMP, os.X_OK):
    corpus.skip("llvm-objdump 14 is not installed")
KINDS = {"LC_LOAD_DYLIB": "load", "LC_LOAD_WEAK_DYLIB": "weak", "LC_REEXPORT_DYLIB": "reexport",
         "LC_LOAD_UPWARD_DYLIB": "upward", "LC_LAZY_LOAD_DYLIB": "lazy"}
PLATFORMS = {"LC_VERSION_MIN_MACOSX": "macos", "LC_VERSION_MIN_IPHONEOS": "ios", "LC_VERSION_MIN_TVOS": "tvos",
             "LC_VERSION_MIN_WATCHOS": "watchos"}


def load_commands(text):
    """[{field: value}] per load command from llvm-objdump's --private-headers listing."""
    cmds = []
    for line in text.splitlines():
        if line.startswith("Load command "):
            cmds.append({})
            continue
        m = re.match(r"\s*(cmd|name|path|current version|compatibility version|platform|sdk|minos|version) (.*)$",
                     line)
        if m and cmds:
            cmds[-1].setdefault(m.group(1), re.sub(r" \(offset \d+\)$", "", m.group(2)))
    return cmds


def oracle(path, arch):
    p = subprocess.run([OBJDUMP, "--macho", "--private-headers", f"--arch={arch}", path],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return {"error": p.stderr.strip()}
    view = {"install_name": None, "dependencies": [], "rpaths": [], "min_os": []}
    for c in load_commands(p.stdout):
        cmd = c.get("cmd")
        if cmd == "LC_ID_DYLIB":
            view["install_name"] = [c["name"], c["current version"], c["compatibility version"]]
        elif cmd in KINDS:
            view["dependencies"].append([c["name"], KINDS[cmd], c["current version"], c["compatibility version"]])
        elif cmd == "LC_RPATH":
            view["rpaths"].append(c["path"])
        elif cmd == "LC_BUILD_VERSION":
            view["min_os"].append([cmd, c["minos"], c["sdk"]])
        elif cmd in PLATFORMS:
            view["min_os"].append([cmd, c["version"], c["sdk"]])
    return view


def ferry_view(s):
    n = s["install_name"]
    return {"install_name": [n["name"], n["current_version"], n["compatibility_version"]] if n else None,
            "dependencies": [[d["name"], d["kind"], d["current_version"], d["compatibility_version"]]
                             for d in s["dependencies"]],
            "rpaths": s["rpaths"],
            # llvm-objdump prints an SDK of 0 as "n/a"
            "min_os": [[m["command"], m["minos"], m["sdk"] or "n/a"] for m in s["min_os"]]}


found, problems = corpus.inspected_members("macho", "macos")
jobs = [(row["file"], m, path, s) for row, m, path, f in found for s in f["slices"]]


def compare(job):
    wheel, member, path, s = job
    theirs = oracle(path, s["arch"])
    mine = ferry_view(s)
    if "error" in theirs:
        return [(wheel, member, s["arch"], "llvm-objdump", None, theirs["error"])]
    return [(wheel, member, s["arch"], k, mine[k], theirs[k]) for k in mine if mine[k] != theirs[k]]


diffs = [d for ds in corpus.parallel(compare, jobs) for d in ds]
for d in diffs[:100]:
    print("DIFF {}: {} ({}): {}: ferry {!r} llvm-objdump {!r}".format(*d))
for p in problems:
    print("FAIL", p)
files = len({(j[0], j[1]) for j in jobs})
bad_slices = len({(d[0], d[1], d[2]) for d in diffs})
print(f"{len(jobs)} slices of {files} Mach-O files from {len(corpus.wheels('macos'))} macOS wheels compared with llvm-objdump: "
      f"{len(jobs) - bad_slices} agree, {bad_slices} differ; {len(problems)} problems")
with_rpaths = sum(1 for j in jobs if j[3]["rpaths"])
with_ids = sum(1 for j in jobs if j[3]["install_name"])
print(f"  {with_rpaths} slices carry LC_RPATHs, {with_ids} an install name")
sys.exit(1 if diffs or problems or len(jobs) < 50 or not with_rpaths or not with_ids else 0)
