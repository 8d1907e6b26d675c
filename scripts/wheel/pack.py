#!/usr/bin/env python3
"""Writes the ferry wheel (called by scripts/build-wheel.sh): PEP 427 layout, core metadata 2.1, RECORD with
sha256 digests, members in a fixed order with one timestamp, so the same inputs give the same bytes."""
import argparse
import base64
import hashlib
import os
import time
import zipfile



def tag_of(arch):
    return f"py3-none-manylinux_2_17_{arch}.manylinux2014_{arch}"


CPU_NAME = {"x86_64": "x86-64", "aarch64": "AArch64 (arm64)"}
SUMMARY = ("Carries native binaries to the machines their users have: inspect, deps, check, patch (patchelf), "
           "wheel show/repair (auditwheel), bundle")
# The repository has no license file yet: the metadata says so rather than guess one.
LICENSE = "not yet chosen (the ferry repository carries no license file)"
DESCRIPTION = """# ferry

One fast static binary that does what auditwheel, patchelf, ldd/libtree, readelf and Exodus do: `ferry inspect`,
`ferry deps`, `ferry check`, `ferry patch`, `ferry show` / `ferry repair` (wheels), `ferry bundle`.

This wheel installs the `ferry` command (a fully static @CPU@ Linux executable: it runs on any distribution with
glibc 2.17 or newer, and on none, e.g. Alpine) and a `ferry` Python package: `python -m ferry ARGS` runs it.
"""


def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--epoch", type=int, required=True)
    ap.add_argument("--package", required=True, help="the ferry Python package's source folder")
    ap.add_argument("--dist", required=True)
    ap.add_argument("--arch", default="x86_64", choices=sorted(CPU_NAME), help="the binary's architecture")
    a = ap.parse_args()

    dist_info = f"ferry-{a.version}.dist-info"
    data = f"ferry-{a.version}.data"
    metadata = "\n".join([
        "Metadata-Version: 2.1",
        "Name: ferry",
        f"Version: {a.version}",
        f"Summary: {SUMMARY}",
        f"License: {LICENSE}",
        f"Project-URL: Source, {a.url}",
        "Requires-Python: >=3.7",
        "Platform: Linux",
        "Classifier: Operating System :: POSIX :: Linux",
        "Classifier: Programming Language :: C++",
        "Classifier: Topic :: Software Development :: Build Tools",
        "Classifier: Environment :: Console",
        "Description-Content-Type: text/markdown",
        "",
        DESCRIPTION.replace("@CPU@", CPU_NAME[a.arch]),
    ])
    wheel = "\n".join(["Wheel-Version: 1.0", "Generator: ferry scripts/build-wheel.sh", "Root-Is-Purelib: false",
                       f"Tag: py3-none-manylinux_2_17_{a.arch}", f"Tag: py3-none-manylinux2014_{a.arch}", ""])

    members = []  # (name, bytes, mode)
    for name in sorted(os.listdir(a.package)):
        if name.endswith(".py"):
            with open(os.path.join(a.package, name), "rb") as f:
                body = f.read().replace(b"@VERSION@", a.version.encode())
            members.append((f"ferry/{name}", body, 0o644))
    with open(a.binary, "rb") as f:
        members.append((f"{data}/scripts/ferry", f.read(), 0o755))
    members.append((f"{dist_info}/METADATA", metadata.encode(), 0o644))
    members.append((f"{dist_info}/WHEEL", wheel.encode(), 0o644))
    record = "".join(f"{n},{record_hash(b)},{len(b)}\n" for n, b, _ in members) + f"{dist_info}/RECORD,,\n"
    members.append((f"{dist_info}/RECORD", record.encode(), 0o644))

    out = os.path.join(a.dist, f"ferry-{a.version}-{tag_of(a.arch)}.whl")
    tmp = out + ".part"
    stamp = time.gmtime(max(a.epoch, 315532800))[:6]
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, body, mode in members:
            zi = zipfile.ZipInfo(name, stamp)
            zi.external_attr = (0o100000 | mode) << 16
            zi.create_system = 3
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, body)
    os.replace(tmp, out)
    print(out)


if __name__ == "__main__":
    main()
