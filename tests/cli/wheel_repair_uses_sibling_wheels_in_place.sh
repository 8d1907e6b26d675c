#!/usr/bin/env bash
# Pins down --sibling: a library provided by another installed wheel (here a stand-in for an nvidia-* CUDA wheel)
# is not grafted; the extension's RPATH points at the sibling's directory relative to site-packages, so once both
# are installed side by side the extension imports without LD_LIBRARY_PATH; an undeclared sibling is warned about.
# Oracles: readelf -d, pip install --no-index + python3 import.
source "$(dirname "$0")/../common.sh"
need_wheel_fixtures simple-1.0-cp311-cp311-linux_x86_64.whl
need_cmd readelf
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1

# An installed sibling distribution "sib-runtime" shipping libfb.so.1 in sib/runtime/lib.
site=$T/site
mkdir -p "$site/sib/runtime/lib" "$site/sib_runtime-2.0.dist-info"
cp "$W/lib/libfb.so.1" "$site/sib/runtime/lib/"
printf 'sib/runtime/lib/libfb.so.1,,\nsib_runtime-2.0.dist-info/RECORD,,\n' >"$site/sib_runtime-2.0.dist-info/RECORD"

env -u LD_LIBRARY_PATH "$FERRY" repair "$W/simple-1.0-cp311-cp311-linux_x86_64.whl" -w "$T/wh" \
  --sibling sib-runtime --site-packages "$site" >"$T/out"
grep -q "libfb.so.1: provided by the sibling wheel sib-runtime" "$T/out" || fail "$(cat "$T/out")"
grep -q "does not declare" "$T/out" || fail "undeclared sibling not warned about: $(cat "$T/out")"
whl=$(ls "$T"/wh/*.whl)
mkdir "$T/x" && (cd "$T/x" && unzip -q "$whl")
[ ! -d "$T/x/simple.libs" ] || fail "something was grafted: $(ls "$T/x/simple.libs")"
ext=$(ls "$T"/x/simple/_simple*.so)
readelf -d "$ext" | grep -q "NEEDED.*\[libfb.so.1\]" || fail "DT_NEEDED changed"
readelf -d "$ext" | grep -q "(RPATH).*\[\$ORIGIN/../sib/runtime/lib\]" || fail "RPATH: $(readelf -d "$ext" | grep PATH)"

# Installed side by side (the sibling copied in as pip would install it), the import works on its own.
/usr/bin/python3 -m pip install -q --no-index --no-deps --target "$T/target" "$whl"
cp -r "$site/sib" "$T/target/"
expect_eq "value" 40 "$(env -u LD_LIBRARY_PATH PYTHONPATH="$T/target" /usr/bin/python3 -c 'import simple; print(simple.value())')"
rm -rf "$T/target/sib"
if env -u LD_LIBRARY_PATH PYTHONPATH="$T/target" /usr/bin/python3 -c 'import simple' 2>/dev/null; then
  fail "imported without the sibling: the RPATH test proves nothing"
fi
echo ok
