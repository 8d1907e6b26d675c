#!/usr/bin/env python3
"""Every PE file inside every Windows wheel of the real-wheel corpus (win32, win_amd64, win_arm64; extensions,
DLLs delvewheel grafted, executables): `ferry inspect --json` gives the same imported DLLs in order with the same
functions (by name, or #ordinal) and the same delay-loaded DLLs with their functions as pefile (the pinned copy
in the reference tools' venv)."""
# timeout: 900
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("FERRY_SRC", ""), "tests", "lib"))
import corpus

# Run by the venv's Python: pefile's imports and delay imports of each file named on the command line.
DUMP = r"""
import json, sys, pefile
# pefile's safety limits cut C++ names at 512 bytes and stop after 8192 imports (PyQt6's QtWidgets has more);
# the real limits are the file's
pefile.MAX_IMPORT_NAME_LENGTH = pefile.MAX_SYMBOL_NAME_LENGTH = 1 << 16
pefile.MAX_IMPORT_SYMBOLS = 1 << 22
out = {}
for path in sys.argv[1:]:
    pe = pefile.PE(path, fast_load=True)
    pe.parse_data_directories(directories=[pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_IMPORT"],
                                           pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT"]])
    def table(entries):
        # pefile names some ordinal imports (ws2_32, oleaut32) from its own table; the file has only the ordinal
        return [[e.dll.decode(), ["#%d" % i.ordinal if i.import_by_ordinal else i.name.decode() for i in e.imports]]
                for e in entries]
    out[path] = {"imports": table(getattr(pe, "DIRECTORY_ENTRY_IMPORT", [])),
                 "delay_imports": table(getattr(pe, "DIRECTORY_ENTRY_DELAY_IMPORT", []))}
print(json.dumps(out))
"""

bindir = corpus.oracles()
found, problems = corpus.inspected_members("pe", "windows")
files = [(row["file"], m, f) for row, m, _, f in found]


def pefile_dump(chunk):
    p = subprocess.run([os.path.join(bindir, "python"), "-c", DUMP, *[f["path"] for _, _, f in chunk]],
                       capture_output=True, text=True)
    if p.returncode != 0:
        corpus.fail(f"pefile failed: {p.stderr.strip()[-2000:]}")
    return json.loads(p.stdout)


chunks = [files[i::corpus.JOBS] for i in range(corpus.JOBS)]
theirs = {}
for part in corpus.parallel(pefile_dump, [c for c in chunks if c]):
    theirs.update(part)

diffs = []
for wheel, member, f in files:
    mine = {k: [[d["dll"], d["functions"]] for d in f[k]] for k in ("imports", "delay_imports")}
    for k in mine:
        if mine[k] != theirs[f["path"]][k]:
            diffs.append((wheel, member, k, mine[k], theirs[f["path"]][k]))
for wheel, member, k, mine, theirs in diffs[:100]:
    first = next((i for i, (a, b) in enumerate(zip(mine, theirs)) if a != b), min(len(mine), len(theirs)))
    print(f"DIFF {wheel}: {member}: {k}: {len(mine)} vs {len(theirs)} DLLs, first difference at #{first}: "
          f"ferry {mine[first:first + 1]!r} pefile {theirs[first:first + 1]!r}"[:3000])
for p in problems:
    print("FAIL", p)
bad = len({(d[0], d[1]) for d in diffs})
delayed = sum(1 for _, _, f in files if f["delay_imports"])
print(f"{len(files)} PE files from {len(corpus.wheels('windows'))} Windows wheels compared with pefile: {len(files) - bad} agree, "
      f"{bad} differ ({delayed} have delay imports); {len(problems)} problems")
sys.exit(1 if diffs or problems or len(files) < 50 or not delayed else 0)
