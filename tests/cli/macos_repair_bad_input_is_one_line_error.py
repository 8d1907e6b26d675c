#!/usr/bin/env python3
"""Pins down: a macOS wheel whose extension has truncated load commands, a fat header that lies (a slice past the
end of the file) or a code-signature SuperBlob that lies (a blob count its length cannot hold) makes `ferry show`
and `ferry repair` print one error line naming the member and the structure, exit 2, and write no output file.
Oracle: the corrupted bytes are made here with struct from the fixture (fixtures/macos_wheel), and the same
wheel built from the intact bytes repairs fine, so the error is about the corruption alone."""
import atexit
import os
import shutil
import struct
import subprocess
import sys
import tempfile

FERRY, FIX, SRC = os.environ["FERRY"], os.environ["FERRY_FIXTURES"], os.environ["FERRY_SRC"]
W = os.path.join(FIX, "macos_wheel")
LIPO = "/usr/lib/llvm-14/bin/llvm-lipo"
if not os.path.exists(os.path.join(W, "stage", "fix_ext.so")) or not os.path.exists(LIPO):
    print("SKIP: macOS wheel fixtures were not built (clang/ld64.lld/llvm-lipo missing)")
    sys.exit(77)
T = tempfile.mkdtemp()
atexit.register(shutil.rmtree, T, True)  # on every exit, failures included


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def wheel(name, data, tag):
    p = os.path.join(T, name + ".so")
    open(p, "wb").write(data)
    os.chmod(p, 0o755)
    out = os.path.join(T, f"{name}-1.0-cp311-cp311-{tag}.whl")
    subprocess.run([sys.executable, os.path.join(SRC, "fixtures", "wheel", "make_wheel.py"), out, name, "1.0",
                    f"cp311-cp311-{tag}", f"{name}/_ext.so={p}"], check=True)
    return out


def run(args):
    return subprocess.run([FERRY] + args, capture_output=True, text=True)


fat = open(os.path.join(W, "stage", "fix_ext.so"), "rb").read()
thin = os.path.join(T, "arm64.so")
subprocess.run([LIPO, os.path.join(W, "stage", "fix_ext.so"), "-thin", "arm64", "-output", thin], check=True)
arm = open(thin, "rb").read()
lib = ["--lib-path", os.path.join(W, "deps")]

good = wheel("goodpkg", arm, "macosx_11_0_arm64")
r = run(["repair", *lib, "-w", os.path.join(T, "good"), good])
if r.returncode != 0:
    fail("the intact wheel does not repair: " + r.stderr)

# Truncated load commands: the file ends inside them.
truncated = arm[:200]
# A fat header that lies: the second slice's size runs past the end of the file.
lying_fat = bytearray(fat)
struct.pack_into(">I", lying_fat, 8 + 20 + 12, len(fat))
# A signature that lies: the SuperBlob claims 0x10000 blobs.
ncmds = struct.unpack_from("<I", arm, 16)[0]
pos, dataoff = 32, None
for _ in range(ncmds):
    cmd, size = struct.unpack_from("<II", arm, pos)
    if cmd == 0x1D:
        dataoff = struct.unpack_from("<I", arm, pos + 8)[0]
    pos += size
if dataoff is None:
    fail("the arm64 fixture is not signed by ld64.lld")
lying_sig = bytearray(arm)
struct.pack_into(">I", lying_sig, dataoff + 8, 0x10000)

cases = [("truncpkg", truncated, "macosx_11_0_arm64", "sizeofcmds"),
         ("fatpkg", bytes(lying_fat), "macosx_10_13_universal2", "fat_arch #1"),
         ("sigpkg", bytes(lying_sig), "macosx_11_0_arm64", "SuperBlob count 65536")]
for name, data, tag, what in cases:
    whl = wheel(name, data, tag)
    for cmd in (["show", *lib, whl], ["repair", *lib, "-w", os.path.join(T, "out-" + name), whl]):
        r = run(cmd)
        lines = r.stderr.strip().splitlines()
        if r.returncode != 2 or len(lines) != 1:
            fail(f"{name} {cmd[0]}: exit {r.returncode}, stderr {r.stderr!r}")
        if f"{name}/_ext.so" not in lines[0] or what not in lines[0]:
            fail(f"{name} {cmd[0]}: the line does not name the member and {what!r}: {lines[0]}")
        print(f"{name} {cmd[0]}: {lines[0]}")
    out = os.path.join(T, "out-" + name)
    if os.path.exists(out) and os.listdir(out):
        fail(f"{name}: output written: {os.listdir(out)}")
shutil.rmtree(T)
print("ok")
