#!/usr/bin/env bash
# Builds ISA-L's static archive for the static ferry (x86-64) and prints its path. Debian 12 ships ISA-L only as a
# shared library (libisal-dev has no libisal.a), so without this the static ferry, the one the ferry wheel
# carries, streams large members through zlib: on the 2 GB bench wheel its scan took 1.78 s instead of 0.86 s
# and `repair --trust-record` 3.7x `cp` instead of 2.7x. The source is Debian's own (the libisal 2.30.0 source
# package, the version libisal-dev's headers come from), fetched from Debian's archive, pinned by sha256 and
# cached under the build directory; built with ISA-L's own makefile (Makefile.unx) and nasm, in a few seconds.
# Usage: scripts/isal-static.sh BUILD_DIR   (prints BUILD_DIR/deps/libisal-2.30.0/bin/isa-l.a)
# FERRY_DEBIAN_MIRROR overrides http://deb.debian.org/debian.
set -euo pipefail
build=${1:?usage: scripts/isal-static.sh BUILD_DIR}
mkdir -p "$build/deps"
deps=$(cd "$build/deps" && pwd)
version=2.30.0
tarball=libisal_$version.orig.tar.xz
sha256=f363f1be3d657d5676cef5253ee2233e60116e2fa9c9de86881185bf81e0e4b8
src=$deps/libisal-$version
archive=$src/bin/isa-l.a
if [ -f "$archive" ] && [ -f "$src/.ferry-built" ]; then
  echo "$archive"
  exit 0
fi
[ "$(uname -m)" = x86_64 ] || { echo "isal-static.sh: builds for x86-64 only" >&2; exit 2; }
command -v nasm >/dev/null || { echo "isal-static.sh: needs nasm (scripts/install-deps.sh)" >&2; exit 2; }
if ! echo "$sha256  $deps/$tarball" | sha256sum -c --status 2>/dev/null; then
  mirror=${FERRY_DEBIAN_MIRROR:-http://deb.debian.org/debian}
  curl -fsSL --retry 3 -o "$deps/$tarball.part" "$mirror/pool/main/libi/libisal/$tarball" ||
    { echo "isal-static.sh: cannot download $tarball from $mirror" >&2; exit 3; }
  echo "$sha256  $deps/$tarball.part" | sha256sum -c --status ||
    { echo "isal-static.sh: $tarball does not have the pinned sha256 $sha256" >&2; rm -f "$deps/$tarball.part"; exit 3; }
  mv "$deps/$tarball.part" "$deps/$tarball"
fi
rm -rf "$src"
tar -xJf "$deps/$tarball" -C "$deps"
make -C "$src" -f Makefile.unx -j"$(nproc)" lib >"$deps/libisal-build.log" 2>&1 ||
  { tail -20 "$deps/libisal-build.log" >&2; echo "isal-static.sh: the build failed ($deps/libisal-build.log)" >&2; exit 4; }
# The static ferry is linked -static-pie: every object must be position-independent (Debian's gcc makes PIE
# code by default, and ISA-L's assembly addresses its tables relative to rip). An absolute 32-bit relocation
# would fail that link, so it fails here, naming the object.
if readelf -r "$archive" | grep -qE 'R_X86_64_(32|32S) '; then
  echo "isal-static.sh: $archive holds code that is not position-independent" >&2
  exit 4
fi
touch "$src/.ferry-built"
echo "$archive"
