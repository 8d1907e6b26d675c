#!/usr/bin/env bash
# Installs, with apt-get, every Debian 12 package ferry needs to build and to run its tests.
# Idempotent: packages already present are not touched, and apt-get update runs only when something is missing.
set -euo pipefail

build_pkgs=(cmake g++ make pkg-config liblief-dev libarchive-dev libzstd-dev libssl-dev
  libcli11-dev catch2 nlohmann-json3-dev libfmt-dev zlib1g-dev libdeflate-dev libisal-dev
  # the static archives the static ferry (-DFERRY_STATIC=ON, scripts/build-wheel.sh) needs beyond the above
  liblz4-dev libacl1-dev libmbedtls-dev libelf-dev
  # ISA-L's static archive, built from Debian's libisal source package (scripts/isal-static.sh)
  nasm curl xz-utils)
# 32-bit x86 comes from libc6-dev-i386 + lib32gcc: gcc-multilib itself conflicts with every cross gcc in Debian.
test_pkgs=(elfutils binutils file clang lld llvm libc6-dev-i386 lib32gcc-12-dev gcc-mingw-w64-x86-64 gcc-mingw-w64-i686
  gcc-12-aarch64-linux-gnu gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  gcc-12-s390x-linux-gnu gcc-s390x-linux-gnu libc6-dev-s390x-cross qemu-user patchelf debootstrap python3 python3-pip python3-venv python3-dev zip unzip
  pax-utils libtree libclang-rt-14-dev util-linux zstd bc time musl-tools gdb tcl8.6 python3-lxml curl
  # the system libraries the sdists of tests/cli/wheel_repair_sdist_* link (lxml, psycopg2)
  libxml2-dev libxslt1-dev libpq-dev
  # Windows wheel repair: the repaired fixtures are loaded by Windows' loader under wine
  wine64
  # `ferry check --html`: the report is loaded in headless Chromium, its screenshot read with PIL
  chromium python3-pil
  # a library the SBOM test grafts (ferry itself no longer links libzip)
  libzip-dev
  # which system calls `ferry patch` makes (tests/cli/patch_fsync_only_when_asked.sh)
  strace)

# --cross-aarch64 (opt-in, never by default): the aarch64 ferry wheel's cross build (scripts/build-wheel.sh --arch
# aarch64) needs Debian's aarch64 C++ cross compiler and the arm64 builds of the libraries the static link takes,
# co-installed as a foreign architecture (all Multi-Arch: same). Not libisal-dev (not multi-arch): that build
# streams large members through zlib. Adding arm64 may move an amd64 library to the same Debian version.
cross_aarch64_pkgs=(g++-12-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
  liblief-dev:arm64 libarchive-dev:arm64 libssl-dev:arm64 libdeflate-dev:arm64 libzstd-dev:arm64
  zlib1g-dev:arm64 libmbedtls-dev:arm64 liblz4-dev:arm64 libacl1-dev:arm64 libfmt-dev:arm64
  # what libarchive's `pkg-config --static` names (xml2 only to satisfy -lxml2: tools/no_xar_writer.cpp)
  libbz2-dev:arm64 liblzma-dev:arm64 nettle-dev:arm64 libxml2-dev:arm64)

want=("${build_pkgs[@]}")
if [ "${1:-}" = "--test" ]; then want+=("${test_pkgs[@]}"); fi
if [ "${1:-}" = "--cross-aarch64" ]; then
  want+=("${cross_aarch64_pkgs[@]}")
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO dpkg --add-architecture arm64  # apt-get update below runs because the :arm64 packages are missing
  fi
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# gcc-12-<arch>-linux-gnu is named before gcc-aarch64-linux-gnu: apt's resolver gives up on the pair otherwise.
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "ferry: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
