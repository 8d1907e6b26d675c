#!/usr/bin/env bash
# Pins down: an archive member's claimed size allocates nothing. A 2 KB tar and a 3 KB wheel whose ELF member
# claims ~4 GiB are checked by `check -j 4` under `ulimit -v 1 GiB` (four of each at once): ferry reports a
# one-line error per archive naming the member and its claim (exit 2), never exit 3 (std::bad_alloc) or a crash, in seconds.
# Oracle: the inputs are crafted here with Python's tarfile and zipfile, their size fields then rewritten; the
# memory bound itself is the kernel's (ulimit -v).
# timeout: 120
source "$(dirname "$0")/../common.sh"
need_cmd python3
python3 - "$T" <<'PY'
import io, struct, sys, tarfile, zipfile
t = sys.argv[1]
elf = b"\x7fELF\x02\x01\x01" + b"\0" * 1200
claim = 0xFFFFFFF0  # just under 4 GiB, no ZIP64 needed
# tar: a header claiming `claim` bytes, then only what is here.
ti = tarfile.TarInfo("pkg/_ext.so"); ti.size = claim; ti.mode = 0o755
with open(f"{t}/claim.tar", "wb") as f:
    f.write(ti.tobuf(format=tarfile.GNU_FORMAT)); f.write(elf[:512])
# zip: a stored member whose local and central sizes are rewritten to `claim`.
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
    z.writestr("pkg/_ext.so", elf)
b = bytearray(buf.getvalue())
lo = b.find(b"PK\x03\x04"); cd = b.find(b"PK\x01\x02")
struct.pack_into("<I", b, lo + 22, claim)   # local header: uncompressed size
struct.pack_into("<I", b, cd + 24, claim)   # central directory: uncompressed size
open(f"{t}/claim-1.0-py3-none-any.whl", "wb").write(bytes(b))
PY
for i in 1 2 3 4; do cp "$T/claim.tar" "$T/t$i.tar"; cp "$T/claim-1.0-py3-none-any.whl" "$T/w$i.whl"; done
[ "$(stat -c %s "$T/claim.tar")" -lt 4096 ] || fail "the crafted tar is not small"
start=$(date +%s)
set +e
( ulimit -v 1048576; "$FERRY" check -j 4 "$T"/t?.tar "$T"/w?.whl ) >"$T/out" 2>"$T/err"
rc=$?
set -e
secs=$(( $(date +%s) - start ))
cat "$T/err"
[ "$rc" = 2 ] || fail "exit $rc, expected 2 (bad input) under ulimit -v 1 GiB"
! grep -q "bad_alloc\|internal" "$T/err" || fail "ferry ran out of memory"
for f in t1.tar t2.tar t3.tar t4.tar w1.whl w2.whl w3.whl w4.whl; do
  grep -q "$f.*pkg/_ext.so.* of the 4294967280 bytes it claims" "$T/err" "$T/out" ||
    fail "$f: no error naming the member and its claim"
done
[ "$secs" -lt 30 ] || fail "took ${secs}s"
echo "ok (${secs}s)"
