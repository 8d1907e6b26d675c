#!/usr/bin/env bash
# Makes a Debian bullseye root (glibc 2.31) with debootstrap, once per build directory.
# Tests that need it run after this (ctest fixture root.bullseye) and skip (77) when it could not be made.
set -euo pipefail
dir=${1:?usage: bullseye.sh DIR}
if [ -f "$dir/.ferry-complete" ]; then exit 0; fi
if ! command -v debootstrap >/dev/null; then echo "debootstrap missing; tests needing the root will skip"; exit 0; fi
# The Debian mirror this machine's apt already uses (never a host of our own choosing).
mirror=$(grep -rhE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
  grep -oE 'https?://[^ ]*/debian/?$' | head -n1 || true)
if [ -z "$mirror" ]; then echo "no Debian mirror configured for apt; tests needing the root will skip"; exit 0; fi
rm -rf "$dir" && mkdir -p "$dir"
# python3-minimal: lowered extension modules are imported by the root's own Python (tests/cli/lower_*).
if debootstrap --variant=minbase --include=python3-minimal bullseye "$dir" "$mirror" >"$dir.log" 2>&1; then
  touch "$dir/.ferry-complete"
  echo "bullseye root ready in $dir"
else
  echo "debootstrap failed (see $dir.log); tests needing the root will skip"
  tail -5 "$dir.log" || true
fi
exit 0
