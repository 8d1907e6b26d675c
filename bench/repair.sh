#!/usr/bin/env bash
# Benchmark: `ferry repair` on a synthetic ~1 GB wheel (large data members plus one extension needing one external
# library) against copying the file with cp and against recompressing the same content with Python's zipfile
# (what auditwheel's unpack + dir2zip does). Targets: within 1.5x of cp (issue 13), >= 20x faster than
# recompressing, peak memory < 200 MB. Repair inflates and hashes every member by default (its RECORD carries the
# hashes): that pass, not the copy, sets the floor; `--trust-record` (members copied byte for byte are not
# inflated) is timed in the same run, the three in rotation (one run of each per round; the goal is judged on the
# median of each round's own ratio to cp). Timing, RSS and the setup shared with repair_huge.sh: bench/lib.sh.
# Usage: bench/repair.sh [BUILD_DIR] (SIZE_MB=1024 by default, RUNS=5; FERRY=path overrides; BENCH_STEPS=1 prints
# where one --trust-record run spends its time).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
ferry=${FERRY:-$build/bin/ferry}
size_mb=${SIZE_MB:-1024}
work=${BENCH_DIR:-$build/bench-repair}
mkdir -p "$work"
[ -x "$ferry" ] || { echo "ferry not built: $ferry" >&2; exit 2; }
BENCH_WORK=$work
source "$here/bench/lib.sh"
wheel=$work/big-1.0-cp311-cp311-linux_x86_64.whl

build_wheel() {
  /usr/bin/python3 - "$work" "$size_mb" <<'PY'
import base64, hashlib, os, sys, zipfile
work, size_mb = sys.argv[1], int(sys.argv[2])
fx = os.path.join(work, "fx")
src = zipfile.ZipFile(os.path.join(fx, "simple-1.0-cp311-cp311-linux_x86_64.whl"))
entries = [(i.filename.replace("simple", "big", 1), src.read(i)) for i in src.infolist()
           if "dist-info" not in i.filename]
# .so-like members: 64 MiB each, random 4 KiB blocks between runs of zeros and repeated text (deflates ~2.5x).
block = 4096
member_mb = 64
n_members = max(1, size_mb // member_mb)
rng = os.urandom
def member(seed):
    out = bytearray()
    i = 0
    while len(out) < member_mb << 20:
        k = i % 4
        out += rng(block) if k == 0 else (b"\0" * block if k == 1 else (b"symbol_%08d\n" % (seed * 1000003 + i)) * (block // 16))
        i += 1
    return bytes(out[: member_mb << 20])
records = []
info = "big-1.0.dist-info"
wheel_txt = b"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n\n"
meta = b"Metadata-Version: 2.1\nName: big\nVersion: 1.0\n"
out = os.path.join(work, "big-1.0-cp311-cp311-linux_x86_64.whl")
def h(d): return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
    for n, d in entries:
        z.writestr(n, d); records.append(f"{n},{h(d)},{len(d)}")
    for m in range(n_members):
        d = member(m)
        n = f"big/data/libbig{m:02d}.so.data"
        z.writestr(n, d); records.append(f"{n},{h(d)},{len(d)}")
    for n, d in ((f"{info}/METADATA", meta), (f"{info}/WHEEL", wheel_txt)):
        z.writestr(n, d); records.append(f"{n},{h(d)},{len(d)}")
    z.writestr(f"{info}/RECORD", "\n".join(records + [f"{info}/RECORD,,"]) + "\n")
PY
}
bench_cached_wheel "$work" "$wheel" "$size_mb" build_wheel

bench_header
RUNS=${RUNS:-5}  # the quick contenders; recompression runs once
bench_repair_vs_cp "$work" "$wheel" 1.5 200
RUNS=1
bench_run python_zipfile_recompress /usr/bin/python3 - "$wheel" "$work/out/recompressed.whl" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as zi, zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zo:
    for info in zi.infolist():
        zo.writestr(info.filename, zi.read(info))
PY
bench_compare ferry_repair python_zipfile_recompress "<= 0.05x recompressing"
echo "load average at the end: $(bench_load)"
