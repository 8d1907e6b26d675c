#!/usr/bin/env python3
"""The source tree keeps the shape the project asks of itself (README "Layout", docs/library.md): no function in
lib/ or tools/ longer than 100 lines (named data tables aside), no <elf.h>/<gelf.h>/<libelf.h> outside lib/elf and
lib/patch (the ELF layer and the writer), no file that names the workspace's shared folder or a machine path, no
environment read in lib/ (the CLI reads the environment into option structs), and no process started from lib/ (the
CLI passes runners in: tools/ferry/process.cpp, which_provides.cpp). Each rule reads the committed files
(`git ls-files`, or a walk of the tree outside a checkout); a violation prints file:line and fails.

Usage: through ctest (FERRY_SRC), or `python3 source_tree_keeps_its_shape.py [TREE]`."""
import os
import re
import subprocess
import sys

MAX_LINES = 100

# Functions that are data (one row per line), not logic: "path:function".
DATA_TABLES = {
    "lib/policy/builtin_manylinux.cpp:manylinux_rows",
}
# Functions allowed over the limit while being split: none today.
LONG_FUNCTIONS_BEING_SPLIT = set()
# launcher.c is a small static C program run on the target machine at install time, without ferry's C++ library:
# <elf.h> is its only source of ELF names.
ELF_HEADER_USERS_APART = {"tools/launcher/launcher.c"}
# lib/ files allowed to start processes, each with its reason: none today.
SPAWNERS_ALLOWED = {}
# Spelled in pieces so that this file does not name them itself.
FORBIDDEN_NAMES = ["../" + "shared", "/" + "work/"]


def tracked_files(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z"], capture_output=True, check=True).stdout
        return sorted(p for p in out.decode().split("\0") if p and os.path.isfile(os.path.join(root, p)))
    except (OSError, subprocess.CalledProcessError):
        files = []
        for d, dirs, names in os.walk(root):
            dirs[:] = [x for x in dirs if x != ".git" and not x.startswith("build")]
            files += [os.path.relpath(os.path.join(d, n), root) for n in names]
        return sorted(files)


def code_only(src):
    """The source with comments, string and character literals and preprocessor lines blanked; newlines kept."""
    out, i, n = [], 0, len(src)
    line_start = True
    while i < n:
        c = src[i]
        if line_start and src[i:].lstrip(" \t").startswith("#"):
            j = i
            while True:  # a directive runs to an unescaped end of line
                j = src.find("\n", j)
                if j < 0 or src[j - 1] != "\\":
                    break
                j += 1
            j = n if j < 0 else j
            out.append("\n" * src.count("\n", i, j))
            i = j
            continue
        line_start = c == "\n"
        if src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
            continue
        if src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(" " + "\n" * src.count("\n", i, j))
            i = j
            continue
        m = re.match(r'R"([^(\s]*)\(', src[i:i + 20]) if c == "R" else None
        if m and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            end = src.find(")" + m.group(1) + '"', i)
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append('""' + "\n" * src.count("\n", i, j))
            i = j
            continue
        if c == "'" and i > 0 and src[i - 1].isalnum() and i + 1 < n and src[i + 1].isalnum() and \
                re.match(r"[0-9a-fA-FxXbB']*$", re.split(r"[^0-9a-zA-Z']", src[max(0, i - 20):i])[-1] or "x"):
            i += 1  # a digit separator (1'000), not a character literal
            continue
        if c in "\"'":
            j = i + 1
            while j < n and src[j] != c and src[j] != "\n":
                j += 2 if src[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


HEAD_OF_BODY = re.compile(r"\)\s*(?:const|noexcept|override|final|mutable|&|&&|->\s*[\w:<>,\s*&\[\]]+?|\s)*$")
CONTROL = re.compile(r"^\s*(?:if|for|while|switch|catch|else\s+if|do)\b")
NAME = re.compile(r"(~?[A-Za-z_][\w:~]*(?:operator\s*\S+?)?)\s*(?:<[^()]*>)?\s*\(")


def function_lengths(src):
    """(first line, name, lines) of every function body that is not nested in another function."""
    code = code_only(src)
    found, stack = [], []  # stack: (line of '{', name or None when this brace opens no function)
    line, head_start = 1, 0
    for i, c in enumerate(code):
        if c == "\n":
            line += 1
        elif c in ";":
            head_start = i + 1
        elif c == "{":
            head = code[head_start:i]
            in_function = any(name for _, name in stack)
            is_function = not in_function and HEAD_OF_BODY.search(head) and not CONTROL.match(head) and \
                "=" not in head.split("(")[0]
            name = None
            if is_function:
                m = NAME.search(head)
                name = m.group(1) if m else head.strip().splitlines()[-1][:60]
            stack.append((line, name))
            head_start = i + 1
        elif c == "}":
            if stack:
                start, name = stack.pop()
                if name:
                    found.append((start, name, line - start + 1))
            head_start = i + 1
    return found


def short_name(qualified):
    return qualified.split("::")[-1]


def check_function_lengths(root, files, problems):
    allowed = DATA_TABLES | LONG_FUNCTIONS_BEING_SPLIT
    for f in files:
        if not (f.startswith(("lib/", "tools/")) and f.endswith((".cpp", ".c"))):
            continue
        with open(os.path.join(root, f), errors="replace") as fh:
            for start, name, n in function_lengths(fh.read()):
                if n > MAX_LINES and f + ":" + short_name(name) not in allowed:
                    problems.append(f"{f}:{start}: function {name} is {n} lines (at most {MAX_LINES}): split it "
                                    "into named steps")


ELF_INCLUDE = re.compile(r"^\s*#\s*include\s*<(?:elf|gelf|libelf)\.h>", re.M)


def check_elf_includes(root, files, problems):
    for f in files:
        if not f.startswith(("lib/", "tools/")) or f.startswith(("lib/elf/", "lib/patch/")):
            continue
        if not f.endswith((".cpp", ".hpp", ".c", ".h")) or f in ELF_HEADER_USERS_APART:
            continue
        with open(os.path.join(root, f), errors="replace") as fh:
            src = fh.read()
        for m in ELF_INCLUDE.finditer(src):
            line = src.count("\n", 0, m.start()) + 1
            problems.append(f"{f}:{line}: includes {m.group(0).strip()}: only lib/elf and lib/patch decode ELF")


def check_named_paths(root, files, problems):
    here = os.path.relpath(os.path.abspath(__file__), os.path.abspath(root))
    for f in files:
        if f == here:
            continue
        with open(os.path.join(root, f), "rb") as fh:
            data = fh.read()
        for name in FORBIDDEN_NAMES:
            at = data.find(name.encode())
            if at >= 0:
                line = data.count(b"\n", 0, at) + 1
                problems.append(f"{f}:{line}: names {name!r}: the project stands alone (write what it needs "
                                "into docs/, and no machine paths)")


ENV_READ = re.compile(r"\b(?:secure_getenv|getenv|environ)\b")


def check_no_environment_in_lib(root, files, problems):
    for f in files:
        if not (f.startswith("lib/") and f.endswith((".cpp", ".hpp"))):
            continue
        with open(os.path.join(root, f), errors="replace") as fh:
            code = code_only(fh.read())
        for m in ENV_READ.finditer(code):
            line = code.count("\n", 0, m.start()) + 1
            problems.append(f"{f}:{line}: {m.group(0)}: the library reads no environment (the CLI passes options)")


SPAWN_CALL = re.compile(r"\b(?:v?fork|clone3?|exec(?:l|le|lp|v|ve|vp|vpe)|fexecve|posix_spawnp?|popen|system|ptrace)"
                        r"\s*\(")


def check_no_spawning_in_lib(root, files, problems):
    for f in files:
        if not (f.startswith("lib/") and f.endswith((".cpp", ".hpp", ".c", ".h"))) or f in SPAWNERS_ALLOWED:
            continue
        with open(os.path.join(root, f), errors="replace") as fh:
            code = code_only(fh.read())
        for m in SPAWN_CALL.finditer(code):
            line = code.count("\n", 0, m.start()) + 1
            problems.append(f"{f}:{line}: {m.group(0).rstrip('( ')}(: the library starts no process (it takes a "
                            "runner from the CLI, as bundle's ProgramRunner and OpenTracer)")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("FERRY_SRC")
    if not root:
        print("run through ctest (FERRY_SRC is not set) or give the tree")
        return 2
    files = tracked_files(root)
    if not any(f.startswith("lib/") for f in files):
        print(f"FAIL: no lib/ sources under {root}: nothing would be checked")
        return 1
    problems = []
    check_function_lengths(root, files, problems)
    check_elf_includes(root, files, problems)
    check_named_paths(root, files, problems)
    check_no_environment_in_lib(root, files, problems)
    check_no_spawning_in_lib(root, files, problems)
    for p in problems:
        print(p)
    if problems:
        print(f"FAIL: {len(problems)} place(s) break the tree's rules")
        return 1
    print(f"{len(files)} files: functions within {MAX_LINES} lines, ELF headers only in lib/elf and lib/patch, "
          "no shared-folder or machine paths, no environment read or process started in lib/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
