#!/usr/bin/env bash
# A 32-bit wine for the win32 tests on a machine that has only Debian's wine64: Debian's wine64 8.0 cannot run
# 32-bit PE programs by itself (its "experimental wow64 mode" finds no i386 ntdll.dll: the i386 PE DLLs are in
# the i386 libwine package), and the kernel may not run i386 Linux programs (no IA32 emulation). So Debian's own
# i386 wine loader (wine32, libwine and libc6 for i386, the same wine version as wine64) is unpacked under the
# build directory and run under qemu-i386 user emulation, talking to the native wineserver64 of the same version.
# The packages come through apt-get with a private state directory (signed indices, hash-checked .debs; the
# system's apt configuration and dpkg database are untouched): about 14 MB of indices and 100 MB of packages, once
# per build directory. Idempotent; prints the path of a `wine` launcher on stdout.
# Usage: scripts/wine32.sh [BUILD_DIR]. Exit 77 with the reason on stderr when it cannot be had here.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${FERRY_BUILD:-$here/build}}
top=$build/wine32
root=$top/root
launcher=$top/wine
no() { echo "wine32: $*" >&2; exit 77; }
command -v qemu-i386 >/dev/null || no "qemu-i386 is not installed (Debian's qemu-user)"
[ -x /usr/lib/wine/wineserver64 ] || no "no native wineserver64 (Debian's wine64)"
ver=$(dpkg-query -W -f='${Version}' wine64 2>/dev/null) || no "Debian's wine64 is not installed"
mkdir -p "$top"
exec 9>"$top/.lock"
flock 9
stamp="wine $ver"
if [ -f "$root/.ferry-stamp" ] && [ "$(cat "$root/.ferry-stamp")" = "$stamp" ] && [ -x "$launcher" ]; then
  echo "$launcher"
  exit 0
fi
rm -rf "$root" "$top/apt" "$top/debs"
mkdir -p "$top/apt/lists/partial" "$top/apt/cache/archives/partial" "$top/debs" "$root"
: >"$top/apt/status"
apt=(-o Dir::State::Lists="$top/apt/lists" -o Dir::State::status="$top/apt/status" -o Dir::Cache="$top/apt/cache"
     -o APT::Architecture=i386 -o APT::Architectures::=i386 -o Debug::NoLocking=1)
timeout 600 apt-get "${apt[@]}" -q update >&2 || no "apt-get update for i386 failed (no network?)"
(cd "$top/debs" && timeout 600 apt-get "${apt[@]}" -q download "wine32:i386=$ver" "libwine:i386=$ver" libc6:i386 \
  libz-mingw-w64 >&2) || no "apt-get download of wine32/libwine $ver for i386 failed"
for d in "$top"/debs/*.deb; do dpkg-deb -x "$d" "$root"; done
# Debian links zlib1.dll (libz-mingw-w64) into wine's PE directory in libwine's postinst; user32 needs it.
cp "$root/usr/i686-w64-mingw32/lib/zlib1.dll" "$root/usr/lib/i386-linux-gnu/wine/i386-windows/"
rm -rf "$top/apt" "$top/debs"
cat >"$launcher" <<EOF
#!/bin/sh
# Debian's i386 wine $ver under qemu-i386, with the native wineserver (made by scripts/wine32.sh).
WINESERVER=/usr/lib/wine/wineserver64 exec qemu-i386 -L "$root" "$root/usr/lib/wine/wine" "\$@"
EOF
chmod +x "$launcher"
echo "$stamp" >"$root/.ferry-stamp"
echo "$launcher"
