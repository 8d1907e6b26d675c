#!/usr/bin/env bash
# A Windows wheel whose extension module is malformed is refused with one line naming the wheel member, the
# structure and the offset, exit status 2, and nothing in the output directory: an import table truncated by
# the end of its section, an import directory RVA outside every section, a section table whose raw data lies
# past the end of the file. `ferry show` refuses them the same way.
source "$(dirname "$0")/../common.sh"
d=$FIX/winwheel/x64
[ -d "$d" ] || skip "no MinGW-built Windows wheel fixtures"
mkdir -p "$T/src"
(cd "$T/src" && unzip -q "$d/winpkg-1.0-cp312-cp312-win_amd64.whl")
for bad in truncated-imports rva-outside lying-sections; do
  python3 - "$T/src/winpkg/_core.pyd" "$T/$bad.pyd" "$bad" <<'PY'
import struct, sys
src, dst, kind = sys.argv[1:]
b = bytearray(open(src, "rb").read())
pe = struct.unpack_from("<I", b, 0x3C)[0]
nsec, opt_size = struct.unpack_from("<H", b, pe + 6)[0], struct.unpack_from("<H", b, pe + 20)[0]
opt, table = pe + 24, pe + 24 + opt_size
dirs = opt + (112 if struct.unpack_from("<H", b, opt)[0] == 0x20B else 96)
imp_rva = struct.unpack_from("<I", b, dirs + 8)[0]
secs = [struct.unpack_from("<IIII", b, table + 40 * i + 8) for i in range(nsec)]  # vsize, va, raw_size, raw_ptr
if kind == "truncated-imports":
    vsize, va, raw, ptr = next(s for s in secs if s[1] <= imp_rva < s[1] + s[0])
    struct.pack_into("<I", b, dirs + 8, va + min(vsize, raw) - 12)   # 12 bytes left: no room for a descriptor
elif kind == "rva-outside":
    struct.pack_into("<I", b, dirs + 8, 0x7FFF0000)
else:
    struct.pack_into("<I", b, table + 20, len(b) + 0x1000)          # first section's PointerToRawData
open(dst, "wb").write(b)
PY
  printf '"""winpkg"""\n' >"$T/init.py"
  mkdir -p "$T/in/$bad"
  python3 "$SRC/fixtures/wheel/make_wheel.py" "$T/in/$bad/winpkg-1.0-cp312-cp312-win_amd64.whl" winpkg 1.0 \
    cp312-cp312-win_amd64 "winpkg/__init__.py=$T/init.py" "winpkg/_core.pyd=$T/$bad.pyd"
  whl=$T/in/$bad/winpkg-1.0-cp312-cp312-win_amd64.whl
  set +e
  "$FERRY" repair -w "$T/out-$bad" --add-path "$d/deps" "$whl" >"$T/stdout" 2>"$T/stderr"
  rc=$?
  set -e
  expect_eq "$bad: exit status" 2 "$rc"
  expect_eq "$bad: error lines" 1 "$(wc -l <"$T/stderr")"
  grep -q "winpkg/_core.pyd" "$T/stderr" || fail "$bad: the error does not name the member: $(cat "$T/stderr")"
  grep -qi "offset 0x" "$T/stderr" || fail "$bad: the error gives no offset: $(cat "$T/stderr")"
  [ -z "$(ls -A "$T/out-$bad" 2>/dev/null)" ] || fail "$bad: an output was written: $(ls "$T/out-$bad")"
  echo "$bad: $(cat "$T/stderr")"
  expect_rc 2 "$FERRY" show --add-path "$d/deps" "$whl" >/dev/null 2>&1
done
