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

found, problems = corpus.inspected_members("elf", require=False)
files = []
for row, _, path, f in found:
    f["path"], f["wheel"] = path, row["file"]
    files.append(f)
wheels_with_elf = len({f["wheel"] for f in files})

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
