#!/usr/bin/env bash
# Bundles made here (glibc 2.36) run in a Debian bullseye root (glibc 2.31): the fixture probe (argv[0],
# /proc/self/exe, NEEDED and dlopen'ed libraries, iconv, C.UTF-8, getpwuid through the root's /etc/passwd, exit
# code), sealed against the root's own libz, environment not leaking into a host program it starts (the root's
# iconv still converts), the self-extracting installer run from a file and piped to `sh -s` as over ssh, and
# real programs (git, python3, clang-tidy-14).
# needs: bullseye
# timeout: 300
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/bundle/roots.sh"
need_bullseye_root
probe=$FIX/bundle/probe
mkdir -p "$T/mnt"
export BIND="$T/mnt:/mnt"   # everything goes through /mnt; the shared root itself is never written
"$FERRY" bundle -o "$T/mnt/b" --detect -- "$probe" dlopen libprobeplugin.so iconv >/dev/null

glibc=$(in_root "$bullseye" /usr/bin/ldd --version 2>/dev/null | sed -n 1p)
echo "root: $glibc"
grep -q '2\.31' <<<"$glibc" || fail "not a glibc 2.31 root"

out=$(in_root "$bullseye" /mnt/b/bin/probe argv0 exe dep dlopen libprobeplugin.so dlopen libz.so.1 iconv locale getpwuid env GCONV_PATH env LD_LIBRARY_PATH exit 4) && rc=0 || rc=$?
echo "$out"
expect_eq "exit code" 4 "$rc"
expect_eq "probe in bullseye" "argv0=/mnt/b/bin/probe
exe=/mnt/b/ld/ld-linux-x86-64.so.2
dep=42
dlopen=ok libprobeplugin.so 7
dlopen=fail libz.so.1
iconv=e974e9
locale=ok
getpwuid=root
env GCONV_PATH=(unset)
env LD_LIBRARY_PATH=(unset)" "$out"

# A host program started by the bundled one sees none of the bundle's settings and works with its own glibc.
out=$(in_root "$bullseye" /mnt/b/bin/probe child sh -c 'printf "\303\251" | iconv -f UTF-8 -t ISO-8859-1 | od -An -tx1; env | grep -E "^(GCONV_PATH|LOCPATH|LD_LIBRARY_PATH|LD_PRELOAD)=" || true')
expect_eq "host child" " e9
child=0" "$out"

# The self-extracting installer, run as a file and piped into sh (what `ssh host sh -s -- DIR` does).
"$FERRY" bundle "$probe" -o "$T/mnt/probe.sh" >/dev/null
in_root "$bullseye" sh /mnt/probe.sh /mnt/inst1 >/dev/null
out=$(in_root "$bullseye" /mnt/inst1/bin/probe exe dep iconv)
expect_eq "installer (file)" "exe=/mnt/inst1/libexec/probe
dep=42
iconv=e974e9" "$out"
in_root "$bullseye" sh -s -- /mnt/inst2 < "$T/mnt/probe.sh" >/dev/null
out=$(in_root "$bullseye" /mnt/inst2/libexec/probe exe dep)
expect_eq "installer (piped)" "exe=/mnt/inst2/libexec/probe
dep=42" "$out"

if [ -x /usr/bin/git ]; then
  "$FERRY" bundle /usr/bin/git -o "$T/mnt/git" >/dev/null
  expect_eq "git --version" "$(git --version)" "$(in_root "$bullseye" /mnt/git/bin/git --version)"
  expect_eq "git hash-object" "$(echo ferry | git hash-object --stdin)" \
    "$(echo ferry | in_root "$bullseye" /mnt/git/bin/git hash-object --stdin)"
fi
if [ -x /usr/bin/python3 ]; then
  pyver=$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  printf 'import sys, hashlib, zlib, _ctypes, select\nprint(sys.prefix, hashlib.sha256(b"ferry").hexdigest()[:12], zlib.crc32(b"ferry"))\n' > "$T/mnt/p.py"
  (cd "$T" && "$FERRY" bundle -o "$T/mnt/py" --add "/usr/lib/python$pyver/os.py" --detect -- /usr/bin/python3 "$T/mnt/p.py" >/dev/null)
  want="/mnt/py $(/usr/bin/python3 -c 'import hashlib, zlib; print(hashlib.sha256(b"ferry").hexdigest()[:12], zlib.crc32(b"ferry"))')"
  expect_eq "python3" "$want" "$(in_root "$bullseye" /mnt/py/bin/python3 /mnt/p.py)"
fi
if command -v clang-tidy-14 >/dev/null; then
  "$FERRY" bundle "$(command -v clang-tidy-14)" -o "$T/mnt/ct" >/dev/null
  expect_eq "clang-tidy-14" "$(clang-tidy-14 --version)" "$(in_root "$bullseye" /mnt/ct/bin/clang-tidy-14 --version)"
fi
echo PASS
