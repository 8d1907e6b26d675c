#!/usr/bin/env bash
# Pins down: scripts/build-wheel.sh builds ferry-VERSION-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
# whose ferry is fully static (no dynamic section, no versioned symbol), `ferry check -t manylinux2014` passes on
# the wheel, its metadata is complete (Summary, License, Project-URL, Requires-Python, tags matching the name),
# its RECORD lists every member with the right sha256 and size, and building it again gives the same bytes.
# Where the build links ISA-L statically, the wheel's ferry repairs a wheel with a 70 MiB extension correctly
# (tests/cli/wheel_repair_large_member_keeps_its_unchanged_deflate_blocks.py, run with it).
# Oracles: readelf -d / --dyn-syms on the binary; Python's zipfile, hashlib and email parser on the wheel;
# auditwheel show (pinned, when PyPI is reachable) names a manylinux tag no newer than 2_17 and no external library.
# Builds the static ferry once per build directory (~1-2 min on 2 cores; seconds when it is already built).
# timeout: 900
# disk: 850  (the large-member repair run with the wheel's ferry)
source "$(dirname "$0")/../common.sh"
source "$SRC/tests/lib/ship_wheel.sh"
need_ferry_wheel
version=$("$FERRY" --version | awk '{print $2}')
expect_eq "wheel name" "ferry-$version-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl" "$(basename "$WHEEL")"

# The metadata, RECORD and the binary inside, as pip will install it.
python3 "$SRC/tests/lib/ferry_wheel_complete.py" "$WHEEL" "$version" x86_64 "$T/ferry"
chmod +x "$T/ferry"
if readelf -d "$T/ferry" 2>&1 | grep -q NEEDED; then fail "the wheel's ferry has DT_NEEDED entries"; fi
readelf -l "$T/ferry" | grep -q INTERP && fail "the wheel's ferry asks for a program interpreter"
readelf -V --dyn-syms "$T/ferry" | grep -q 'GLIBC_' && fail "the wheel's ferry has versioned glibc symbols"
expect_eq "the binary runs" "ferry $version" "$("$T/ferry" --version)"

expect_rc 0 "$FERRY" check -t manylinux2014 "$WHEEL"
expect_rc 0 "$T/ferry" check -t manylinux2014 "$WHEEL"

# ISA-L, where the build has its static archive (scripts/isal-static.sh): the wheel's ferry streams a member of
# 64 MiB or more through it, recording the block starts through the linker-wrapped decoder call, and what it
# writes is checked by the large-member repair test, run here with the wheel's own ferry.
if grep -q '^FERRY_ISAL_STATIC:FILEPATH=.' "$BUILD/CMakeCache.txt"; then
  nm "$BUILD/bin/static/ferry" >"$T/symbols"  # to a file: grep -q ending a pipe early fails it under pipefail
  grep -q ' T isal_inflate$' "$T/symbols" || fail "the static ferry has no ISA-L inflate"
  grep -q ' T __wrap_decode_huffman_code_block_stateless$' "$T/symbols" ||
    fail "the static ferry does not wrap ISA-L's block decoder"
  FERRY="$T/ferry" python3 "$SRC/tests/cli/wheel_repair_large_member_keeps_its_unchanged_deflate_blocks.py" ||
    fail "the wheel's ferry repaired a large member wrongly"
else
  echo "note: built without a static ISA-L archive (scripts/isal-static.sh): the wheel's ferry streams through zlib"
fi

# Reproducible: the same build packed again is the same file. Under need_ferry_wheel's lock: a build that finds
# the static ferry out of date relinks it, and other ship tests may be running it.
epoch=$(python3 -c 'import sys,zipfile,calendar; i=zipfile.ZipFile(sys.argv[1]).infolist()[0]; print(calendar.timegm(i.date_time + (0,0,0)))' "$WHEEL")
(
  flock 8
  SOURCE_DATE_EPOCH=$epoch bash "$SRC/scripts/build-wheel.sh" --build-dir "$BUILD" --dist "$T/again" --no-deps >/dev/null 2>&1
) 8>"$SHIP_DIR/.lock" || fail "second build failed"
cmp "$WHEEL" "$T/again/$(basename "$WHEEL")" || fail "building the wheel twice gave different bytes"

rc=0
ORACLES=$(bash "$SRC/scripts/oracles.sh" "$BUILD" 2>/dev/null) || rc=$?
if [ "$rc" = 0 ]; then
  out=$("$ORACLES/auditwheel" show "$WHEEL" 2>&1) || fail "auditwheel show failed: $out"
  echo "$out"
  tag=$(echo "$out" | tr -d '\n' | grep -o '"manylinux_2_[0-9]*_x86_64"' | head -1 | tr -d '"')
  minor=${tag#manylinux_2_}; minor=${minor%_x86_64}
  [ -n "$tag" ] && [ "$minor" -le 17 ] || fail "auditwheel's tag is $tag, newer than manylinux_2_17"
  echo "$out" | grep -q "requires no external shared libraries" || fail "auditwheel sees external libraries"
else
  echo "auditwheel not available (no PyPI): checked with readelf and ferry only"
fi
echo "ok: $(basename "$WHEEL") ($(stat -c %s "$WHEEL") bytes)"
