#!/usr/bin/env python3
# `ferry deps --sysroot` resolves a Debian bullseye root's own /usr/bin programs the way its loader does: the set
# of paths equals what bullseye's ldd (its glibc 2.31 loader, run chrooted in the root) reports for each program,
# and nothing from the host leaks in (every path exists inside the root).
# needs: bullseye
# timeout: 300
import json, os, re, subprocess, sys

ferry = os.environ.get("FERRY") or sys.exit("run through ctest (FERRY is not set)")
build = os.environ.get("FERRY_BUILD", "")
root = os.path.join(os.environ.get("FERRY_ROOTS", os.path.join(build, "roots")), "bullseye")
if not os.path.exists(os.path.join(root, ".ferry-complete")):
    print("SKIP: no bullseye root"); sys.exit(77)

out = subprocess.run([ferry, "deps", "--sysroot", root, "--json", "--no-tried", "/usr/bin"], capture_output=True, text=True)
assert out.returncode in (0, 1), out.stderr
doc = json.loads(out.stdout)
assert doc["schema"] == "ferry.deps/1"
assert doc["loader"].startswith("glibc-2.3"), doc["loader"]  # detected from the root, not the host's profile
files = {f["file"]: f for f in doc["files"] if "error" not in f}
assert len(files) > 50, len(files)

# The oracle: bullseye's own ldd, chrooted (needs root privileges or an unprivileged user namespace).
def chroot_cmd():
    for pre in ([], ["unshare", "--map-root-user"]):
        r = subprocess.run(pre + ["chroot", root, "/usr/bin/ldd", "/usr/bin/apt"], capture_output=True, text=True)
        if r.returncode == 0 and "libc.so.6" in r.stdout:
            return pre
    return None
pre = chroot_cmd()
if pre is None:
    print("SKIP: cannot chroot into the root to run its ldd"); sys.exit(77)

line_re = re.compile(r"^\s*(\S+)(?: => (.*?))?(?: \(0x[0-9a-f]+\))?$")
agree, differ, refused, leaks = 0, [], 0, []
for hostpath, f in sorted(files.items()):
    inside = hostpath[len(root):] if hostpath.startswith(root + "/") else hostpath
    for e in f["load_order"][1:]:
        if not os.path.lexists(root + e["path"]):
            leaks.append((inside, e["path"]))
    r = subprocess.run(pre + ["chroot", root, "/usr/bin/ldd", inside], capture_output=True, text=True)
    if r.returncode != 0 or "not a dynamic" in r.stdout + r.stderr or "statically linked" in r.stdout:
        refused += 1
        continue
    want = set()
    for line in r.stdout.splitlines():
        m = line_re.match(line)
        if not m or m.group(1).startswith("linux-vdso"):
            continue
        want.add(m.group(1) if m.group(2) is None else
                 "not found: " + m.group(1) if m.group(2) == "not found" else m.group(2))
    got = {e["path"] for e in f["load_order"][1:]} | {"not found: " + x for x in f["missing"]}
    if got == want:
        agree += 1
    else:
        differ.append((inside, sorted(want - got), sorted(got - want)))

print(f"ferry deps --sysroot agrees with bullseye's ldd on {agree} of {agree + len(differ)} programs "
      f"({refused} not dynamic, skipped)")
for d in differ[:20]:
    print("DIFF", d)
for l in leaks[:10]:
    print("LEAK (path not inside the root)", l)
sys.exit(1 if differ or leaks or agree < 30 else 0)
