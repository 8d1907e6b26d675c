#!/usr/bin/env python3
"""Pins down --json-lines and --shard K/N on inspect, deps, check and show: the 4 shards' lines, merged and sorted
by file, are exactly the lines of one unsharded --json-lines run; every line parses and names its schema and file;
no file is in two shards; each line is the per-file object of the command's --json report plus schema/file; the
worst shard exit status is the unsharded one; `--shard 0/4`, `5/4`, `x` are usage errors (exit 2).
Oracle for "every input file appears": os.walk and zipfile/tarfile here find the ELF files and members."""
import json
import os
import subprocess
import sys
import tarfile
import zipfile

sys.path.insert(0, os.path.join(os.environ.get("FERRY_SRC", ""), "tests", "lib"))
from elf_files import is_elf  # noqa: E402

FERRY = os.environ["FERRY"]
FIX = os.environ["FERRY_FIXTURES"]
env = dict(os.environ, NO_COLOR="1")


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(77)


def run(args, extra_env=None):
    return subprocess.run([FERRY, *args], capture_output=True, text=True, env=dict(env, **(extra_env or {})))


def parse_lines(out, schema, what):
    rows = []
    for n, line in enumerate(out.splitlines(), 1):
        try:
            j = json.loads(line)
        except json.JSONDecodeError as e:
            fail(f"{what}: line {n} is not JSON ({e}): {line[:200]}")
        if j.get("schema") != schema or not isinstance(j.get("file"), str):
            fail(f"{what}: line {n} lacks schema {schema} or file: {line[:200]}")
        rows.append(j)
    return rows


def elf_members(path):
    """ELF members of a zip or tar archive Python can read, named archive!member; None if it cannot read it."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                return {f"{path}!{i.filename}" for i in z.infolist() if z.read(i)[:4] == b"\x7fELF"}
        if path.endswith((".tar", ".tar.gz", ".tar.xz")):
            with tarfile.open(path) as t:
                return {f"{path}!{m.name}" for m in t.getmembers()
                        if m.isfile() and t.extractfile(m).read(4) == b"\x7fELF"}
    except Exception:
        return None
    return None


def expected_on_disk(args, members):
    """Regular ELF files (not symlinks, not separate debug info) under the arguments, plus archive members."""
    files, archives = [], []
    for a in args:
        if os.path.isdir(a):
            for root, dirs, names in os.walk(a):
                dirs.sort()
                for n in sorted(names):
                    p = os.path.join(root, n)
                    if os.path.islink(p) or "/.build-id/" in p or p.endswith(".debug"):
                        continue
                    if is_elf(p):
                        files.append(p)
                    elif members:
                        archives.append(p)
        elif is_elf(a):
            files.append(a)
        elif members:
            archives.append(a)
    want = set(files)
    for a in archives:
        m = elf_members(a)
        if m:
            want |= m
    return want


def check_command(name, schema, args, json_key, strip, extra_env=None, members=False, oracle=True):
    what = f"ferry {name}"
    full = run([name, "--json", *args], extra_env)
    one = run([name, "--json-lines", *args], extra_env)
    if one.returncode not in (0, 1, 2):
        fail(f"{what} --json-lines: exit {one.returncode}: {one.stderr}")
    if full.returncode != one.returncode:
        fail(f"{what}: --json exits {full.returncode}, --json-lines {one.returncode}")
    lines = parse_lines(one.stdout, schema, what)
    # Each line is the --json report's per-file object plus what makes it stand alone.
    entries = json.loads(full.stdout)[json_key]
    body = [{k: v for k, v in j.items() if k not in strip} for j in lines if "error" not in j
            or not isinstance(j["error"], dict)]
    good = [e for e in entries if not isinstance(e.get("error"), str)]
    if body != good:
        fail(f"{what}: --json-lines bodies differ from --json {json_key} ({len(body)} vs {len(good)} entries)")
    shards, rcs = [], []
    for k in range(1, 5):
        r = run([name, "--shard", f"{k}/4", "--json-lines", *args], extra_env)
        rcs.append(r.returncode)
        shards.append(parse_lines(r.stdout, schema, f"{what} --shard {k}/4"))
    if max(rcs) != one.returncode:
        fail(f"{what}: shard exits {rcs}, unsharded {one.returncode}")
    canon = lambda rows: sorted((j["file"], json.dumps(j, sort_keys=True)) for j in rows)
    merged = canon([j for s in shards for j in s])
    if merged != canon(lines):
        fail(f"{what}: 4 shards merged ({len(merged)} lines) differ from one run ({len(lines)} lines)")
    seen = {}
    for k, s in enumerate(shards, 1):
        for j in s:
            if j["file"] in seen:
                fail(f"{what}: {j['file']} is in shards {seen[j['file']]} and {k}")
            seen[j["file"]] = k
    if sum(1 for s in shards if s) < 2:
        fail(f"{what}: the inputs did not spread over the shards: {[len(s) for s in shards]}")
    if oracle == "exact":  # the arguments themselves are the files (show: one line per wheel)
        if sorted(seen) != sorted(args):
            fail(f"{what}: shards cover {sorted(seen)}, expected {sorted(args)}")
    elif oracle:
        inodes = {}
        for f in seen:
            if "!" not in f and os.path.exists(f):
                st = os.stat(f)
                inodes[(st.st_dev, st.st_ino)] = f
        for f in expected_on_disk(args, members):
            st = None if "!" in f else os.stat(f)
            if f not in seen and (st is None or (st.st_dev, st.st_ino) not in inodes):
                fail(f"{what}: {f} is in no shard")
    for bad in ("0/4", "5/4", "x"):
        r = run([name, "--shard", bad, "--json-lines", *args], extra_env)
        if r.returncode != 2 or r.stdout or "--shard" not in r.stderr:
            fail(f"{what} --shard {bad}: exit {r.returncode}, stderr {r.stderr.strip()!r}, stdout {r.stdout[:80]!r}")
    print(f"{what}: {len(lines)} lines over shards {[len(s) for s in shards]}, exits {rcs}")


wheel_dir = os.path.join(FIX, "wheel")
wheels = sorted(os.path.join(wheel_dir, n) for n in os.listdir(wheel_dir) if n.endswith(".whl")) \
    if os.path.isdir(wheel_dir) else []
if len(wheels) < 4 or not os.path.isdir(os.path.join(FIX, "check")):
    skip("wheel and check fixtures were not built")
libc = next((p for p in ("/lib/x86_64-linux-gnu/libc.so.6", "/lib64/libc.so.6") if os.path.exists(p)), None)
system = [libc] if libc else []

check_command("inspect", "ferry.inspect/1", [os.path.join(FIX, "elf"), os.path.join(FIX, "pe"),
                                             os.path.join(FIX, "macho"), *system], "files", {"schema", "file"})
check_command("deps", "ferry.deps/1", [os.path.join(FIX, "check"), os.path.join(wheel_dir, "lib"), *system], "files",
              {"schema", "sysroot", "ld_library_path", "secure"})
check_command("check", "ferry.check/1", ["-t", "manylinux2014", os.path.join(FIX, "check"), *wheels], "files",
              {"schema", "file", "targets", "archive"}, members=True)
check_command("show", "ferry.show/1", wheels, "wheels", {"schema", "file"},
              extra_env={"LD_LIBRARY_PATH": os.path.join(wheel_dir, "lib")}, oracle="exact")
