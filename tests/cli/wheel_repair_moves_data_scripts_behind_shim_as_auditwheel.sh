#!/usr/bin/env bash
# Pins down: an ELF executable in `<dist>-<ver>.data/scripts/` that needs a grafted library is moved to
# `<dist>.scripts/NAME` (its RPATH pointing at `<dist>.libs` from there) and replaced by auditwheel 6's Python shim,
# byte for byte, with the same mode; pip installs the result and the installed script runs without LD_LIBRARY_PATH.
# Oracles: auditwheel repair 6.8.2 on the same wheel (members, shim bytes), pip install, running the command.
source "$(dirname "$0")/../common.sh"
need_wheel_fixtures lib/libfb.so.1
need_cmd gcc
need_oracles

mkdir -p "$T/b/fbtool"
printf 'int fb_value(void);\nint main(void) { return fb_value() == 40 ? 0 : 3; }\n' >"$T/b/tool.c"
gcc -O2 -o "$T/b/fbtool-bin" "$T/b/tool.c" -L"$W/lib" -l:libfb.so.1
chmod 755 "$T/b/fbtool-bin"
printf '' >"$T/b/fbtool/__init__.py"
WHL=$T/fbtool-1.0-py3-none-linux_x86_64.whl
/usr/bin/python3 "$SRC/fixtures/wheel/make_wheel.py" "$WHL" fbtool 1.0 py3-none-linux_x86_64 \
  fbtool/__init__.py="$T/b/fbtool/__init__.py" fbtool-1.0.data/scripts/fbtool="$T/b/fbtool-bin"

LD_LIBRARY_PATH=$W/lib "$FERRY" repair -w "$T/f" "$WHL" >"$T/f.out" || fail "ferry repair failed"
grep -q "moved to fbtool.scripts/fbtool behind a Python shim" "$T/f.out" || fail "no note: $(cat "$T/f.out")"
LD_LIBRARY_PATH=$W/lib PATH="$ORACLES:$PATH" "$ORACLES/auditwheel" repair -w "$T/a" "$WHL" >/dev/null 2>&1 ||
  fail "auditwheel repair failed"

python3 - "$T"/f/*.whl "$T"/a/*.whl <<'PY'
import os, sys, zipfile
fw, aw = sys.argv[1:3]
assert os.path.basename(fw) == os.path.basename(aw), (fw, aw)
f, a = zipfile.ZipFile(fw), zipfile.ZipFile(aw)
files = lambda z: {n for n in z.namelist() if not n.endswith("/") and "/sboms/" not in n and not n.endswith("ferry-provenance.json")}
assert files(f) == files(a), f"only ferry {files(f) - files(a)}, only auditwheel {files(a) - files(f)}"
shim, moved = "fbtool-1.0.data/scripts/fbtool", "fbtool.scripts/fbtool"
assert f.read(shim) == a.read(shim), (f.read(shim), a.read(shim))
assert f.read(shim).startswith(b"#!python\n") and b"'fbtool.scripts/fbtool'" in f.read(shim), f.read(shim)
assert f.read(moved)[:4] == b"\x7fELF", "the executable did not move"
mode = lambda z, n: z.getinfo(n).external_attr >> 16 & 0o777
for n in (shim, moved):
    assert mode(f, n) == mode(a, n) == 0o755, (n, oct(mode(f, n)), oct(mode(a, n)))
print("same members and shim as auditwheel")
PY
# The moved executable's RPATH reaches the grafts from its new place (readelf as the oracle).
mkdir "$T/x" && (cd "$T/x" && unzip -q "$T"/f/*.whl)
readelf -dW "$T/x/fbtool.scripts/fbtool" | grep -q 'R.*PATH.*\[\$ORIGIN/../fbtool.libs\]' ||
  fail "RPATH: $(readelf -dW "$T/x/fbtool.scripts/fbtool" | grep PATH)"

# pip installs it; the installed command runs with the build tree's library out of reach.
/usr/bin/python3 -m venv --without-pip "$T/venv" || skip "python3 -m venv does not work here"
"$ORACLES/python" -m pip --python "$T/venv/bin/python" install -q --no-index --no-deps "$T"/f/*.whl ||
  fail "pip install failed"
env -u LD_LIBRARY_PATH "$T/venv/bin/fbtool" || fail "the installed fbtool exits $?"
echo ok
