#!/usr/bin/env bash
# ferry bundles itself into a portable ferry that runs in a Debian bullseye root (older glibc than the build
# machine): its `ferry check` gives the same report and exit code there as the host ferry on the same file, and
# it can bundle one of the root's programs, which then runs.
# needs: bullseye
# timeout: 240
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/bundle/roots.sh"
need_bullseye_root
mkdir -p "$T/mnt/ferry"
export BIND="$T/mnt:/mnt"
"$FERRY" bundle "$FERRY" -o "$T/mnt/ferry.tar.gz"
tar -xzf "$T/mnt/ferry.tar.gz" -C "$T/mnt/ferry"

same_report_in_root "$bullseye" /mnt/ferry/bin/ferry "check -t debian11 -t manylinux2014" "^/bin/ls" /bin/ls

in_root "$bullseye" /mnt/ferry/bin/ferry bundle /bin/echo -o /mnt/echo >/dev/null
expect_eq "bundled inside bullseye" "hello" "$(in_root "$bullseye" /mnt/echo/bin/echo hello)"
echo PASS
