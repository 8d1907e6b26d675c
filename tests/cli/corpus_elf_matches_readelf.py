#!/usr/bin/env python3
"""Every ELF file inside every wheel of the real-wheel corpus (x86_64, i686, aarch64, ppc64le, s390x; glibc and
musl; extensions, grafted libraries, executables): `ferry inspect --json` gives the same DT_NEEDED list, RPATH,
RUNPATH, SONAME, interpreter, version needs per library (and the symbols that use each version), DT_FLAGS_1,
hash styles, build-id, ABI tag, x86 ISA level, executable stack and PT_LOAD alignments as readelf -d -V -l -n -W
--dyn-syms. Members are found by their magic bytes (not their names) and ferry must report each as ELF."""
# timeout: 1800
import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("FERRY_SRC", ""), "tests", "lib"))
import corpus
import readelf_oracle

rows = corpus.wheels()
extracted = corpus.parallel(corpus.extract_binaries, rows)
problems = []
files = []
wheels_with_elf = 0
for row, (root, members) in zip(rows, extracted):
    elves = sorted(m for m, kind in members.items() if kind == "elf")
    if not elves:
        continue
    wheels_with_elf += 1
    seen = corpus.ferry_inspect([os.path.join(root, m) for m in elves])
    for m in elves:
        f = seen.get(os.path.join(root, m))
        if f is None or f.get("format") != "elf":
            problems.append(f"{row['file']}: {m}: ferry did not read it as ELF: {f and f.get('error')}")
            continue
        f["path"] = os.path.join(root, m)
        f["wheel"] = row["file"]
        files.append(f)

compared, bad = readelf_oracle.compare(files, dyn_syms=True, jobs=corpus.JOBS)
wheel_of = {f["path"]: f["wheel"] for f in files}
for path, field, mine, theirs in bad[:100]:
    rel = os.path.relpath(path, os.path.join(corpus.BUILD, "corpus", "extracted"))
    print(f"DIFF {wheel_of[path]}: {rel.split('/', 1)[1]}: {field}: ferry {mine!r} readelf {theirs!r}"[:2000])
for p in problems:
    print("FAIL", p)
differing = len({m[0] for m in bad})
print(f"{compared} ELF files from {wheels_with_elf} wheels compared with readelf: {compared - differing} agree, "
      f"{differing} differ; {len(problems)} not read as ELF")
sys.exit(1 if bad or problems or compared < 500 else 0)
