#!/usr/bin/env bash
# Pins down: a repaired wheel installs with pip and its extensions import WITHOUT LD_LIBRARY_PATH, which only
# works when the grafted libraries, their SONAMEs, the rewritten DT_NEEDED and the $ORIGIN RPATHs are all right.
# Oracles: pip install --no-index + python3 import, readelf -d.
# timeout: 200
source "$(dirname "$0")/../common.sh"
need_wheel_fixtures chain-1.0-cp311-cp311-linux_x86_64.whl
need_cmd readelf
PY=/usr/bin/python3
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
plat=manylinux1_x86_64.manylinux_2_5_x86_64

install() {  # install WHEEL DIR
  rm -rf "$2"
  "$PY" -m pip install -q --no-index --no-deps --target "$2" "$1"
}
value_of() {  # value_of DIR MODULE EXPR: runs without LD_LIBRARY_PATH
  env -u LD_LIBRARY_PATH PYTHONPATH="$1" "$PY" -c "import $2; print($3)"
}

# Negative control: the unrepaired chain wheel does not import without LD_LIBRARY_PATH (so the oracle can fail).
install "$W/chain-1.0-cp311-cp311-linux_x86_64.whl" "$T/raw"
if value_of "$T/raw" chain 'chain.value()' 2>/dev/null; then fail "unrepaired wheel imported: the oracle proves nothing"; fi

for case in "simple:simple.value():40" "chain:chain.value():42" "pyext:pyext.value():5" "dup:(dup.value(), dup.value2()):(7, 8)"; do
  IFS=: read -r name expr want <<<"$case"
  LD_LIBRARY_PATH=$W/lib "$FERRY" repair "$W/$name-1.0-cp311-cp311-linux_x86_64.whl" -w "$T/wh" >"$T/$name.log"
  out=$T/wh/$name-1.0-cp311-cp311-$plat.whl
  [ -f "$out" ] || { cat "$T/$name.log"; fail "$name: expected output $out"; }
  install "$out" "$T/$name"
  expect_eq "$name value without LD_LIBRARY_PATH" "$want" "$(value_of "$T/$name" "$name" "$expr")"
done

# The chain: both libraries grafted, the extension needs the hashed libfa, libfa needs the hashed libfb and finds
# it through its own RPATH $ORIGIN; SONAME = file name.
libs=$T/chain/chain.libs
ha=$(sha256sum "$W/lib/libfa.so.1.2.3" | cut -c1-8)
hb=$(sha256sum "$W/lib/libfb.so.1" | cut -c1-8)
[ -f "$libs/libfa-$ha.so.1.2.3" ] || fail "libfa not grafted as libfa-$ha.so.1.2.3: $(ls "$libs")"
[ -f "$libs/libfb-$hb.so.1" ] || fail "libfb not grafted as libfb-$hb.so.1: $(ls "$libs")"
ext=$(ls "$T"/chain/chain/_chain*.so)
readelf -d "$ext" | grep -q "NEEDED.*\[libfa-$ha.so.1.2.3\]" || fail "extension DT_NEEDED not rewritten"
readelf -d "$ext" | grep -q "(RPATH).*\[\$ORIGIN/../chain.libs\]" || fail "extension has no DT_RPATH \$ORIGIN/../chain.libs"
readelf -d "$libs/libfa-$ha.so.1.2.3" | grep -q "SONAME.*\[libfa-$ha.so.1.2.3\]" || fail "libfa SONAME not set"
readelf -d "$libs/libfa-$ha.so.1.2.3" | grep -q "NEEDED.*\[libfb-$hb.so.1\]" || fail "libfa DT_NEEDED not rewritten"
readelf -d "$libs/libfa-$ha.so.1.2.3" | grep -q "(RPATH).*\[\$ORIGIN\]" || fail "libfa has no RPATH \$ORIGIN"

# libpython: removed from DT_NEEDED, nothing grafted.
ext=$(ls "$T"/pyext/pyext/_pyext*.so)
if readelf -d "$ext" | grep -q "NEEDED.*libpython"; then fail "libpython still in DT_NEEDED"; fi
[ ! -d "$T/pyext/pyext.libs" ] || fail "something was grafted for pyext: $(ls "$T/pyext/pyext.libs")"

# --strip: grafted libraries and patched extensions lose their symbol tables and still import.
LD_LIBRARY_PATH=$W/lib "$FERRY" repair "$W/chain-1.0-cp311-cp311-linux_x86_64.whl" -w "$T/whs" --strip >/dev/null
install "$T/whs/chain-1.0-cp311-cp311-$plat.whl" "$T/stripped"
expect_eq "stripped chain value" 42 "$(value_of "$T/stripped" chain 'chain.value()')"
if readelf -S "$T"/stripped/chain.libs/libfa-*.so.1.2.3 | grep -q "\.symtab"; then fail "--strip left .symtab"; fi

# The same library reached as libfc.so.1 and libfc.so is grafted once, and both extensions point at it.
expect_eq "dup grafts" 1 "$(ls "$T/dup/dup.libs" | wc -l)"
echo "ok"
