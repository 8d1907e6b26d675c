#!/usr/bin/env bash
# Benchmark: `ferry repair` on a synthetic ~1 GB wheel (large data members plus one extension needing one external
# library) against copying the file with cp and against recompressing the same content with Python's zipfile
# (what auditwheel's unpack + dir2zip does). Targets: within 1.5x of cp (issue 13), >= 20x faster than
# recompressing, peak memory < 200 MB. Repair inflates and hashes every member (its RECORD carries the hashes):
# that pass, not the copy, sets the floor. Usage: bench/repair.sh [BUILD_DIR] (SIZE_MB=1024 by default; FERRY=path overrides).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
ferry=${FERRY:-$build/bin/ferry}
size_mb=${SIZE_MB:-1024}
work=${BENCH_DIR:-$build/bench-repair}
mkdir -p "$work"
[ -x "$ferry" ] || { echo "ferry not built: $ferry" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

wheel=$work/big-1.0-cp311-cp311-linux_x86_64.whl
if [ ! -f "$wheel" ] || [ "$(cat "$work/size" 2>/dev/null)" != "$size_mb" ]; then
  echo "building a ${size_mb} MB synthetic wheel in $work ..."
  bash "$here/fixtures/wheel/build.sh" "$work/fx" >/dev/null
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
  echo "$size_mb" >"$work/size"
fi
ls -l "$wheel"
cat "$wheel" >/dev/null  # warm the page cache for every contender

t() {  # t NAME CMD...: prints seconds (median of $runs runs) and peak RSS (MB)
  local name=$1 i all="" kb=0 k secs
  shift
  for ((i = 0; i < ${runs:-1}; i++)); do
    # Each run starts with no dirty pages pending: otherwise the later writers of the same ~300 MB are
    # throttled by the kernel's writeback of the earlier ones, and the order of the runs decides the ratios.
    sync
    /usr/bin/time -f "%e %M" -o "$work/time.$name" "$@" >/dev/null 2>"$work/err.$name" || {
      cat "$work/err.$name" >&2
      exit 1
    }
    read -r secs k <"$work/time.$name"
    all="$all $secs"; [ "$k" -gt "$kb" ] && kb=$k
  done
  secs=$(echo $all | tr ' ' '\n' | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
  printf "%-34s %7.2f s   peak %6d MB%s\n" "$name" "$secs" $((kb / 1024)) "$([ "${runs:-1}" -gt 1 ] && echo "   (median of $runs:$all)")"
  eval "T_$name=$secs M_$name=$((kb / 1024))"
}
rm -rf "$work/out" && mkdir -p "$work/out"
runs=${RUNS:-5}  # the quick contenders; recompression runs once
t cp cp "$wheel" "$work/out/copy.whl"
t ferry_verify_record env LD_LIBRARY_PATH="$work/fx/lib" "$ferry" repair "$wheel" -w "$work/out/f1" --verify-record
t ferry_repair env LD_LIBRARY_PATH="$work/fx/lib" "$ferry" repair "$wheel" -w "$work/out/f2"
runs=1
t python_zipfile_recompress /usr/bin/python3 - "$wheel" "$work/out/recompressed.whl" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as zi, zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zo:
    for info in zi.infolist():
        zo.writestr(info.filename, zi.read(info))
PY
ratio() { echo "scale=2; $1 / $2" | bc; }
echo
echo "ferry repair / cp:                          $(ratio "$T_ferry_repair" "$T_cp")x (target <= 1.5)"
echo "recompress / ferry repair:                  $(ratio "$T_python_zipfile_recompress" "$T_ferry_repair")x (target >= 20)"
echo "ferry repair --verify-record / cp:          $(ratio "$T_ferry_verify_record" "$T_cp")x (inflates and hashes every member)"
echo "peak memory: ferry ${M_ferry_repair} MB (target < 200), cp ${M_cp} MB"
