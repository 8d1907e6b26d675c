#!/usr/bin/env bash
# Patching a library far larger than the memory bound keeps ferry's peak RSS under 64 MB: the file is mapped
# copy-on-write, unchanged ranges are copied by the kernel, verification drops pages as it compares. A 120 MB
# library is generated (the fixture libfoo.so.1 with a 120 MB section added by objcopy); the largest library of
# the host is patched too when one of >= 100 MB exists. Checked: peak RSS (/usr/bin/time), the RUNPATH readelf
# reads, the big section's bytes (dumped by objcopy), the program still loads, and a second run is a no-op.
# timeout: 300
# disk: 600  (its scratch peaked at 417 MB)
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc
need_cmd objcopy
[ -x /usr/bin/time ] || skip "/usr/bin/time is not installed"
limit_kb=$((64 * 1024))
rpath=/opt/bounded/rss/a/long/rpath/entry/that/does/not/fit/in/place/and/is/about/one/hundred/ten/bytes:/opt/two

# patch_measured FILE: patches FILE in place, prints ferry's peak RSS in KB.
patch_measured() {
  /usr/bin/time -f %M -o "$T/rss" "$FERRY" patch --set-rpath "$rpath" "$1" >/dev/null
  cat "$T/rss"
}

build_set "$T/b"
head -c $((120 * 1024 * 1024)) /dev/urandom > "$T/blob"
objcopy --add-section .ferry_blob="$T/blob" "$T/b/libfoo.so.1" "$T/big.so"
mv "$T/big.so" "$T/b/libfoo.so.1"
size=$(stat -c %s "$T/b/libfoo.so.1")
[ "$size" -ge $((100 * 1024 * 1024)) ] || fail "the generated library is only $size bytes"
rss=$(patch_measured "$T/b/libfoo.so.1")
echo "generated library: $size bytes, ferry peak RSS $rss KB"
[ "$rss" -lt "$limit_kb" ] || fail "peak RSS $rss KB for a $size-byte library (bound $limit_kb KB)"
expect_eq "runpath" "$rpath" "$(dyn "$T/b/libfoo.so.1" RUNPATH)"
objcopy --dump-section .ferry_blob="$T/blob.out" "$T/b/libfoo.so.1" "$T/dump.so"
cmp -s "$T/blob" "$T/blob.out" || fail "the 120 MB section's bytes changed"
expect_eq "loads" "ctor=1 tls=4 foo=42 name=foo" "$(run_bound "$T/b/prog")"
ino=$(stat -c %i "$T/b/libfoo.so.1")
"$FERRY" patch --set-rpath "$rpath" "$T/b/libfoo.so.1" >/dev/null
expect_eq "a second run leaves the file alone (same inode)" "$ino" "$(stat -c %i "$T/b/libfoo.so.1")"
rm -f "$T/blob" "$T/blob.out" "$T/dump.so"

# The host's largest library, when it is big enough to matter.
host=$(find /usr/lib /usr/lib64 -maxdepth 2 -type f -name 'lib*.so*' -size +100M 2>/dev/null | head -n 1 || true)
if [ -n "$host" ] && readelf -d "$host" 2>/dev/null | grep -q '(STRTAB)'; then
  cp "$host" "$T/host.so"
  rss=$(patch_measured "$T/host.so")
  echo "$(basename "$host"): $(stat -c %s "$host") bytes, ferry peak RSS $rss KB"
  [ "$rss" -lt "$limit_kb" ] || fail "peak RSS $rss KB for $host (bound $limit_kb KB)"
  expect_eq "runpath of $(basename "$host")" "$rpath" "$(dyn "$T/host.so" RUNPATH)"
else
  echo "no library of 100 MB or more on this host: only the generated one was measured"
fi
echo ok
