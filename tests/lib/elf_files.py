#!/usr/bin/env python3
"""Which files are ELF, read from their first bytes here (the oracle for the tests that count ferry's inputs).
is_elf(path): the file starts with the ELF magic. system_objects(dirs): the ELF executables and shared objects
(e_type EXEC or DYN) under dirs, symlinks not followed, sorted. As a script, `elf_files.py LIST [DIR...]` writes
system_objects(DIRs, by default /usr/bin and /usr/lib/x86_64-linux-gnu) to LIST, one path a line (bench/deps.sh)."""
import os
import sys

SYSTEM_DIRS = ("/usr/bin", "/usr/lib/x86_64-linux-gnu")


def head(path, n):
    try:
        with open(path, "rb") as f:
            return f.read(n)
    except OSError:
        return b""


def is_elf(path):
    return head(path, 4) == b"\x7fELF"


def system_objects(dirs=SYSTEM_DIRS):
    out = []
    for d in dirs:
        for root, _, names in os.walk(d):
            for n in names:
                p = os.path.join(root, n)
                if os.path.islink(p):
                    continue
                h = head(p, 18)
                if len(h) == 18 and h[:4] == b"\x7fELF" and h[16] in (2, 3):
                    out.append(p)
    return sorted(out)


if __name__ == "__main__":
    with open(sys.argv[1], "w") as f:
        f.write("".join(p + "\n" for p in system_objects(sys.argv[2:] or SYSTEM_DIRS)))
