#!/usr/bin/env bash
# Benchmark: `ferry repair` on a torch-sized wheel against `cp` of it: >= 2 GB zipped, one >= 500 MB extension to
# patch (the fixture extension, which needs one library grafted, with a 520 MB section of this system's shared
# libraries added by objcopy), 3,000 small members (text files of /usr/share and Python's stdlib) and large data
# members (system libraries again, their ELF magic hidden) up to the size. Generated once from system files, cached
# in the build directory (a few minutes). Targets (issue 13): <= 3x cp, ferry's peak RSS <= 256 MB. Timed in
# rotation, RUNS rounds of one run each: cp, ferry repair at its defaults (every member inflated and checked against
# RECORD) and with --trust-record (members copied byte for byte are not inflated); the goals are judged on the
# median of each round's own ratio to cp (bench/lib.sh bench_repair_vs_cp).
# Usage: bench/repair_huge.sh [BUILD_DIR] (HUGE_GB=2, RUNS=3; FERRY=path overrides; BENCH_WARM_MB=6000 warms memory
# before each run, bench/warm_memory.c; BENCH_STEPS=1 prints where one
# --trust-record run spends its time; HUGE_ELF_LATE=1 puts the extension in a folder after the data members, as
# torch/lib comes after most of torch's folders, so that the output's copies come before the patched member,
# while its scratch copies are still there; cached apart). Not part of ctest.
# Timing, RSS and the setup shared with repair.sh: bench/lib.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
ferry=${FERRY:-$build/bin/ferry}
gb=${HUGE_GB:-2}
late=${HUGE_ELF_LATE:-0}
work=${BENCH_DIR:-$build/bench-repair-huge$([ "$late" = 1 ] && echo -late || true)}
RUNS=${RUNS:-3}
[ -x "$ferry" ] || { echo "ferry not built: $ferry" >&2; exit 2; }
command -v objcopy >/dev/null || { echo "needs objcopy (binutils)" >&2; exit 2; }
mkdir -p "$work"
BENCH_WORK=$work
source "$here/bench/lib.sh"
wheel=$work/huge-1.0-cp311-cp311-linux_x86_64.whl
build_wheel() {
  /usr/bin/python3 - "$work" "$gb" "$late" <<'PY'
import base64, glob, hashlib, os, subprocess, sys, zipfile
work, gb, late = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
libs = sorted(p for p in glob.glob("/usr/lib/x86_64-linux-gnu/**/*.so*", recursive=True)
              if os.path.isfile(p) and not os.path.islink(p))
def system_bytes(n, start=0):  # n bytes of this system's libraries, concatenated (from library #start on)
    out = bytearray(); i = start
    while len(out) < n:
        with open(libs[i % len(libs)], "rb") as f: out += f.read(n - len(out))
        i += 1
    return bytes(out)
src = zipfile.ZipFile(os.path.join(work, "fx", "simple-1.0-cp311-cp311-linux_x86_64.whl"))
ext_name = [n for n in src.namelist() if n.endswith(".so")][0]
with open(os.path.join(work, "ext.so"), "wb") as f: f.write(src.read(ext_name))
with open(os.path.join(work, "blob"), "wb") as f: f.write(system_bytes(520 << 20))
subprocess.run(["objcopy", "--add-section", f".huge={work}/blob", f"{work}/ext.so", f"{work}/big.so"], check=True)
os.remove(os.path.join(work, "blob"))
def h(d): return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
rec = []; out = os.path.join(work, "huge-1.0-cp311-cp311-linux_x86_64.whl")
small = sorted(p for d in ("/usr/share", "/usr/lib/python3.11") for p in glob.glob(d + "/**/*", recursive=True)
               if os.path.isfile(p) and not os.path.islink(p) and 0 < os.path.getsize(p) < (1 << 20))[:3000]
with zipfile.ZipFile(out + ".tmp", "w", zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True) as z:
    def add(n, d):
        z.writestr(n, d); rec.append(f"{n},{h(d)},{len(d)}")
    ext_member = "huge/zz/" + os.path.basename(ext_name) if late else ext_name.replace("simple", "huge", 1)
    add(ext_member, open(os.path.join(work, "big.so"), "rb").read())
    for i, p in enumerate(small):
        with open(p, "rb") as f: add(f"huge/share/{i:04d}/{os.path.basename(p)}", f.read())
    k = 0
    while z.fp.tell() < (gb << 30) + (16 << 20):
        add(f"huge/data/blob{k:03d}.bin", b"DATA" + system_bytes(256 << 20, 97 * k + 13)); k += 1
    info = "huge-1.0.dist-info"
    add(f"{info}/METADATA", b"Metadata-Version: 2.1\nName: huge\nVersion: 1.0\n")
    add(f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n")
    z.writestr(f"{info}/RECORD", "\n".join(rec + [f"{info}/RECORD,,"]) + "\n")
os.rename(out + ".tmp", out)
PY
}
bench_cached_wheel "$work" "$wheel" "$gb$([ "$late" = 1 ] && echo -late || true)" build_wheel

bench_header
bench_repair_vs_cp "$work" "$wheel" 3 256
echo "load average at the end: $(bench_load)"
