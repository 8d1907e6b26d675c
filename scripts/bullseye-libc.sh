#!/usr/bin/env bash
# Extracts Debian 11's glibc (libc6 2.31, pinned by version and sha256) for one foreign architecture into a root
# that `qemu-<arch> -L ROOT` runs programs against: the old glibc `ferry lower` targets, for arm64 and i386
# (x86_64 uses the debootstrap'ed bullseye root). The .deb is downloaded once into BUILD/bullseye-libc/ and
# reused. It also gives scripts/gen-lower-table.sh its OLD_LIBDIR for those architectures.
# Usage: scripts/bullseye-libc.sh BUILD_DIR arm64|i386   -> prints the root on stdout.
# Exit 77 (the tests' "skipped") when the archive cannot be reached and nothing is cached.
set -euo pipefail
build=${1:?BUILD_DIR}; arch=${2:?arm64|i386}
version=2.31-13+deb11u11
case $arch in
  arm64) sha=baaa9aa184e2f21738c5819055e6740cc5b22f198e3f416e33f82b40ff6933d8 ;;
  i386) sha=8198abd817cbcd615ce3207fb924317b53cc0b522bfe57d689757de13fe00d66 ;;
  *) echo "bullseye-libc: unknown architecture $arch" >&2; exit 2 ;;
esac
dir=$build/bullseye-libc
deb=$dir/libc6_${version}_$arch.deb
root=$dir/root-$arch
mkdir -p "$dir"
exec 9>"$dir/.lock-$arch"  # one extractor at a time (ctest runs tests in parallel)
flock 9
if [ -f "$root/.ferry-complete" ]; then echo "$root"; exit 0; fi
file=pool/main/g/glibc/libc6_${version}_$arch.deb
if ! echo "$sha  $deb" | sha256sum -c --status 2>/dev/null; then
  rm -f "$deb.part"
  # The point release's file may leave the mirror's pool once superseded; snapshot.debian.org keeps it.
  for url in "http://deb.debian.org/debian/$file" "https://snapshot.debian.org/archive/debian/20250101T000000Z/$file"; do
    curl -fsSL --retry 2 --connect-timeout 20 -o "$deb.part" "$url" && break
    rm -f "$deb.part"
  done
  [ -f "$deb.part" ] || { echo "bullseye-libc: cannot download $file" >&2; exit 77; }
  echo "$sha  $deb.part" | sha256sum -c --status || { rm -f "$deb.part"; echo "bullseye-libc: $file: sha256 mismatch" >&2; exit 1; }
  mv "$deb.part" "$deb"
fi
rm -rf "$root"
mkdir -p "$root/etc"
dpkg-deb -x "$deb" "$root"
# An (empty) cache of the root's own: otherwise the loader, through qemu, reads this machine's
# /etc/ld.so.cache and loads its libc (i386: /usr/lib32) instead of the root's.
: >"$root/etc/ld.so.cache"
touch "$root/.ferry-complete"
echo "$root"
