#!/usr/bin/env python3
# Cross-check with the real loader: every fixture of fixtures/resolve that runs on this machine is executed (a 32-bit
# one natively, or under qemu-i386 when the kernel cannot or FERRY_TEST_FORCE_QEMU=1) with
# LD_DEBUG=libs; for each library the loader searched, the path it opened and the search list it came from
# (RPATH of which file, RUNPATH of which file, LD_LIBRARY_PATH, cache, system path) must equal ferry's answer,
# and the objects the loader initialised must be exactly ferry's load list.
import json, os, re, shutil, subprocess, sys

ferry = os.environ.get("FERRY") or sys.exit("run through ctest (FERRY is not set)")
base = os.path.join(os.environ["FERRY_FIXTURES"], "resolve")
cases = sorted(d for d in os.listdir(base) if os.path.exists(os.path.join(base, d, "runs")))
if len(cases) < 10:
    print(f"FAIL: only {len(cases)} runnable fixtures in {base}"); sys.exit(1)

def i386_runner():
    """How 32-bit x86 fixtures run: natively when the kernel can (unless FERRY_TEST_FORCE_QEMU=1), else under
    qemu-i386 with LD_DEBUG passed to the program only (-E), never to qemu's own loader."""
    native = os.environ.get("FERRY_TEST_FORCE_QEMU") != "1" and subprocess.run(
        ["/lib/ld-linux.so.2", "--help"], capture_output=True).returncode == 0
    return None if native else ["qemu-i386", "-L", "/"]


def is_i386(path):
    with open(path, "rb") as f:
        h = f.read(20)
    return h[:4] == b"\x7fELF" and h[4] == 1 and int.from_bytes(h[18:20], "little") == 3


qemu_i386 = i386_runner()
src_re = re.compile(r"^\s*search path=.*\t\((RPATH|RUNPATH) from file (.*)\)$|^\s*search path=.*\t\((LD_LIBRARY_PATH|system search path)\)$")
rule_of = {"RPATH": "rpath", "RUNPATH": "runpath", "LD_LIBRARY_PATH": "ld_library_path",
           "system search path": "default_dir"}
failures = 0
for case in cases:
    d = os.path.join(base, case)
    main = os.path.join(d, "main")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LD_")}
    llp = os.path.join(d, "llp")
    args = [ferry, "deps", "--json", main, "--ld-library-path", llp if os.path.isdir(llp) else ""]
    if os.path.isdir(llp):
        env["LD_LIBRARY_PATH"] = llp
    if is_i386(main) and qemu_i386 and not shutil.which("qemu-i386"):
        print(f"skip {case}: 32-bit, the kernel cannot run it and qemu-i386 is not installed"); continue
    if is_i386(main) and qemu_i386:
        # qemu hands its environment (LD_LIBRARY_PATH included) to the program; LD_DEBUG goes to the program only.
        run = subprocess.run(qemu_i386 + ["-E", "LD_DEBUG=libs", main], env=env, capture_output=True, text=True, cwd=d)
        print(f"     {case}: 32-bit, run under qemu-i386")
    else:
        run = subprocess.run([main], env=dict(env, LD_DEBUG="libs"), capture_output=True, text=True, cwd=d)
    if run.returncode != 0:
        print(f"FAIL {case}: the program does not run: {run.stderr.strip()[-300:]}"); failures += 1; continue
    loader = {}    # name -> (path, rule, via)
    inits = set()
    name = source = None
    for line in run.stderr.splitlines():
        line = re.sub(r"^\s*\d+:\t?", "", line)
        m = re.match(r"\s*find library=(\S+) \[0\]; searching", line)
        if m:
            name, source = m.group(1), None; continue
        m = src_re.match(line)
        if m:
            source = (rule_of[m.group(1)], m.group(2)) if m.group(1) else (rule_of[m.group(3)], "")
            if m.group(1) is None and m.group(3) == "system search path":
                source = ("default_dir", "")
            continue
        if re.match(r"\s*search cache=", line):
            source = ("ld_so_cache", ""); continue
        m = re.match(r"\s*trying file=(.*)$", line)
        if m and name:
            loader[name] = (m.group(1), source[0] if source else "?", source[1] if source else "")
            continue
        m = re.match(r"\s*calling init: (.*)$", line)
        if m:
            inits.add(m.group(1))
    out = subprocess.run(args, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        print(f"FAIL {case}: ferry exit {out.returncode}: {out.stderr}"); failures += 1; continue
    f = json.loads(out.stdout)["files"][0]
    ours = {}
    def walk(n):
        for c in n["children"]:
            if c["rule"] in set(rule_of.values()) | {"ld_so_cache"}:
                ours[c["name"]] = (c["path"], c["rule"], c.get("via", ""))
            walk(c)
    walk(f["tree"])
    listed = {e["path"] for e in f["load_order"][1:]}
    ok = True
    if ours != loader:
        ok = False
        print(f"FAIL {case}: searches differ\n  loader: {sorted(loader.items())}\n  ferry:  {sorted(ours.items())}")
    if inits != listed:
        ok = False
        print(f"FAIL {case}: loaded objects differ\n  loader: {sorted(inits)}\n  ferry:  {sorted(listed)}")
    if ok:
        print(f"ok   {case}: {len(loader)} searches, {len(inits)} objects agree with LD_DEBUG=libs")
    failures += not ok
sys.exit(1 if failures else 0)
