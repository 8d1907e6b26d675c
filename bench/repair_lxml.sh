#!/usr/bin/env bash
# Benchmark: `ferry repair` against auditwheel 6.8.2 (the pinned venv of scripts/oracles.sh) on an lxml-style
# wheel built from Debian's python3-lxml (5 extensions needing libxml2, libxslt, libexslt and, through them, ICU
# with its 30 MB libicudata, liblzma, libgcrypt...: 8+ libraries grafted). Same run, medians, peak RSS of both.
# Targets (issue 13): ferry <= 0.33x auditwheel's time, output <= 1.02x auditwheel's size. Timing: bench/lib.sh.
# Usage: bench/repair_lxml.sh [BUILD_DIR] (RUNS=3; FERRY=path overrides). Needs python3-lxml (install-deps.sh --test).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
ferry=${FERRY:-$build/bin/ferry}
work=${BENCH_DIR:-$build/bench-repair-lxml}
RUNS=${RUNS:-3}
BENCH_WORK=$work
source "$here/bench/lib.sh"
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

bench_header
bench_prep() { rm -rf "$work/out-$1" && mkdir -p "$work/out-$1" && sync; }
bench_run auditwheel env PATH="$oracles:$PATH" "$oracles/auditwheel" repair "$wheel" -w "$work/out-auditwheel"
bench_run ferry "$ferry" repair "$wheel" -w "$work/out-ferry"
S_auditwheel=$(stat -c %s "$work"/out-auditwheel/*.whl) S_ferry=$(stat -c %s "$work"/out-ferry/*.whl)
echo "output: ferry $S_ferry bytes ($(basename "$work"/out-ferry/*.whl)), auditwheel $S_auditwheel bytes ($(basename "$work"/out-auditwheel/*.whl))"
echo "grafted by ferry:      $(/usr/bin/python3 -c 'import sys,zipfile; print(" ".join(sorted(n.split("/")[-1] for n in zipfile.ZipFile(sys.argv[1]).namelist() if ".libs/" in n)))' "$work"/out-ferry/*.whl)"
echo "grafted by auditwheel: $(/usr/bin/python3 -c 'import sys,zipfile; print(" ".join(sorted(n.split("/")[-1] for n in zipfile.ZipFile(sys.argv[1]).namelist() if ".libs/" in n)))' "$work"/out-auditwheel/*.whl)"
echo
bench_compare ferry auditwheel "<= 0.33x auditwheel"
echo "ferry / auditwheel size: $(bench_ratio "$S_ferry" "$S_auditwheel" 3)x (goal <= 1.02); load average at the end: $(bench_load)"
