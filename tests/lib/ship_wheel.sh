# The ferry wheel for the tests/cli/ship_wheel_* scripts (sourced after tests/common.sh).
# need_ferry_wheel: sets WHEEL to the wheel scripts/build-wheel.sh builds from this build directory (the static
# ferry is linked once, from the module archives the build already has: ~1-2 min the first time, seconds after;
# concurrent tests wait on a lock for the first one). Skips when a static archive the link needs is missing
# (scripts/install-deps.sh installs them: liblz4-dev, libacl1-dev, libmbedtls-dev and the -dev packages).
# install_ferry_wheel DIR: a fresh venv at DIR with the wheel installed offline (pip install --no-index).
SHIP_DIR=$BUILD/ship

need_static_archives() {
  local missing=() a
  for a in LIEF mbedx509 mbedcrypto archive nettle acl lzma zstd lz4 bz2 elf crypto deflate z stdc++ c; do
    [ -f "$(g++ -print-file-name="lib$a.a")" ] || missing+=("lib$a.a")
  done
  [ ${#missing[@]} = 0 ] || skip "static archives missing for the static ferry: ${missing[*]} (scripts/install-deps.sh)"
}

need_ferry_wheel() {
  need_cmd g++; need_cmd python3; need_cmd readelf; need_cmd strip
  need_static_archives
  mkdir -p "$SHIP_DIR"
  (
    flock 8
    bash "$SRC/scripts/build-wheel.sh" --build-dir "$BUILD" --dist "$SHIP_DIR/dist" --no-deps >"$SHIP_DIR/build.log" 2>&1 ||
      { cat "$SHIP_DIR/build.log" >&2; exit 1; }
  ) 8>"$SHIP_DIR/.lock" || fail "scripts/build-wheel.sh failed (log above)"
  local found=("$SHIP_DIR"/dist/ferry-*-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl)
  [ ${#found[@]} = 1 ] && [ -f "${found[0]}" ] || fail "expected one ferry wheel in $SHIP_DIR/dist: ${found[*]}"
  WHEEL=${found[0]}
  STATIC_FERRY=$BUILD/bin/static/ferry
}

install_ferry_wheel() {
  local venv=$1
  rm -rf "$venv"
  python3 -m venv "$venv" >/dev/null 2>&1 || skip "python3 -m venv does not work here (python3-venv)"
  "$venv/bin/pip" install -q --no-index --disable-pip-version-check "$WHEEL" || fail "pip install --no-index $WHEEL failed"
}

# same_repair_in_root ROOT FERRY IN OUT HOST: FERRY chrooted in ROOT repairs the fixture wheel
# IN/simple-1.0-cp311-cp311-linux_x86_64.whl into OUT (paths inside the root; IN/lib holds the library it needs);
# the host, which sees the root's path P at HOST/P, repairs the same wheel with its ferry into $T/host, and the two
# wheels are the same (tests/lib/same_repaired_wheel.py). SOURCE_DATE_EPOCH is fixed for both.
same_repair_in_root() {
  local root=$1 inner=$2 in=$3 out=$4 host=$5 whl=simple-1.0-cp311-cp311-linux_x86_64.whl
  export SOURCE_DATE_EPOCH=1700000000
  LD_LIBRARY_PATH=$in/lib in_root "$root" "$inner" repair "$in/$whl" -w "$out" || fail "repair inside $root failed"
  LD_LIBRARY_PATH=$host$in/lib "$FERRY" repair "$host$in/$whl" -w "$T/host" >/dev/null
  python3 "$SRC/tests/lib/same_repaired_wheel.py" "$host$out" "$T/host" "$host$in/lib" "$in/lib"
}
