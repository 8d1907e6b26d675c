#!/usr/bin/env bash
# Benchmark: `ferry repair` against auditwheel 6.8.2 (the pinned venv of scripts/oracles.sh) on an lxml-style
# wheel built from Debian's python3-lxml (5 extensions needing libxml2, libxslt, libexslt and, through them, ICU
# with its 30 MB libicudata, liblzma, libgcrypt...: 8+ libraries grafted). Same run, medians, peak RSS of both.
# Targets (issue 13): ferry <= 0.33x auditwheel's time, output <= 1.02x auditwheel's size.
# Usage: bench/repair_lxml.sh [BUILD_DIR] (RUNS=3; FERRY=path overrides). Needs python3-lxml (install-deps.sh --test).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
ferry=${FERRY:-$build/bin/ferry}
work=${BENCH_DIR:-$build/bench-repair-lxml}
runs=${RUNS:-3}
src=/usr/lib/python3/dist-packages
[ -x "$ferry" ] || { echo "ferry not built: $ferry" >&2; exit 2; }
[ -d "$src/lxml" ] || { echo "needs Debian's python3-lxml (apt-get install python3-lxml)" >&2; exit 2; }
oracles=$(bash "$here/scripts/oracles.sh" "$build" | tail -1)
mkdir -p "$work"
wheel=$(ls "$work"/lxml-*-cp311-cp311-linux_x86_64.whl 2>/dev/null | head -1 || true)
if [ -z "$wheel" ]; then
  /usr/bin/python3 - "$src" "$work" <<'PY'
import base64, glob, hashlib, os, sys, zipfile
src, work = sys.argv[1:3]
ver = glob.glob(os.path.join(src, "lxml-*.egg-info"))[0].split("lxml-")[1].split(".egg-info")[0]
info = f"lxml-{ver}.dist-info"
out = os.path.join(work, f"lxml-{ver}-cp311-cp311-linux_x86_64.whl")
def h(d): return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
rec = []
with zipfile.ZipFile(out + ".tmp", "w", zipfile.ZIP_DEFLATED) as z:
    for root, dirs, files in os.walk(os.path.join(src, "lxml")):
        dirs.sort()
        for f in sorted(files):
            if f.endswith(".pyc"): continue
            p = os.path.join(root, f); n = os.path.relpath(p, src)
            d = open(p, "rb").read(); z.write(p, n); rec.append(f"{n},{h(d)},{len(d)}")
    for n, d in ((f"{info}/METADATA", f"Metadata-Version: 2.1\nName: lxml\nVersion: {ver}\n".encode()),
                 (f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n")):
        z.writestr(n, d); rec.append(f"{n},{h(d)},{len(d)}")
    z.writestr(f"{info}/RECORD", "\n".join(rec + [f"{info}/RECORD,,"]) + "\n")
os.rename(out + ".tmp", out)
PY
  wheel=$(ls "$work"/lxml-*-cp311-cp311-linux_x86_64.whl | head -1)
fi
ls -l "$wheel"
cat "$wheel" >/dev/null

t() {  # t NAME OUTDIR CMD...: median seconds of $runs runs, peak RSS (MB), output size
  local name=$1 out=$2 i all="" kb=0 k secs
  shift 2
  for ((i = 0; i < runs; i++)); do
    rm -rf "$out" && mkdir -p "$out" && sync
    /usr/bin/time -f "%e %M" -o "$work/time.$name" "$@" >/dev/null 2>"$work/err.$name" || {
      cat "$work/err.$name" >&2
      exit 1
    }
    read -r secs k <"$work/time.$name"
    all="$all $secs"; [ "$k" -gt "$kb" ] && kb=$k
  done
  secs=$(echo $all | tr ' ' '\n' | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
  local size=$(stat -c %s "$out"/*.whl)
  printf "%-12s %7.2f s   peak %5d MB   output %9d bytes  %s   (runs:%s)\n" "$name" "$secs" $((kb / 1024)) "$size" \
    "$(basename "$out"/*.whl)" "$all"
  eval "T_$name=$secs M_$name=$((kb / 1024)) S_$name=$size"
}
t auditwheel "$work/out-a" env PATH="$oracles:$PATH" "$oracles/auditwheel" repair "$wheel" -w "$work/out-a"
t ferry "$work/out-f" "$ferry" repair "$wheel" -w "$work/out-f"
echo "grafted by ferry:      $(/usr/bin/python3 -c 'import sys,zipfile; print(" ".join(sorted(n.split("/")[-1] for n in zipfile.ZipFile(sys.argv[1]).namelist() if ".libs/" in n)))' "$work"/out-f/*.whl)"
echo "grafted by auditwheel: $(/usr/bin/python3 -c 'import sys,zipfile; print(" ".join(sorted(n.split("/")[-1] for n in zipfile.ZipFile(sys.argv[1]).namelist() if ".libs/" in n)))' "$work"/out-a/*.whl)"
ratio() { echo "scale=3; $1 / $2" | bc; }
echo
echo "ferry / auditwheel time:   $(ratio "$T_ferry" "$T_auditwheel")x (target <= 0.33)"
echo "ferry / auditwheel size:   $(ratio "$S_ferry" "$S_auditwheel")x (target <= 1.02)"
echo "peak RSS: ferry ${M_ferry} MB, auditwheel ${M_auditwheel} MB"
