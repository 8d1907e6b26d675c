#!/usr/bin/env bash
# `ferry patch` replaces a file atomically (temporary file in its directory, verified, renamed over it) without
# flushing it to disk, as patchelf and the linkers do; --fsync flushes the temporary file before the rename and
# the directory after it, and the hard-link path (bytes written over the inode) flushes the file. patchelf mode
# never flushes. Oracles: strace's record of the system calls, in order, and readelf on the result.
source "$(dirname "$0")/../common.sh"
need_cmd strace
need_cmd readelf
make_resolve_pair "$T/b"
runpath() { readelf -dW "$1" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p'; }
strace -f -o /dev/null true 2>/dev/null || skip "strace cannot trace here (ptrace not permitted)"
# trace NAME CMD...: the flushes and renames CMD makes, one per line, "call(first argument" (fd numbers vary).
trace() {
  local name=$1
  shift
  strace -f -qq -e trace=fsync,fdatasync,sync_file_range,syncfs,sync,rename,renameat,renameat2,openat \
    -o "$T/$name.strace" "$@" >/dev/null
  sed -E 's/^[0-9]+ +//' "$T/$name.strace" | { grep -E '^(fsync|fdatasync|sync_file_range|syncfs|sync|rename)' || true; } |
    sed -E 's/^([a-z_0-9]+)\(([^,)]*).*/\1(\2/' > "$T/$name.calls"
}

# Default: one rename of the temporary file over the target, no flush of any kind.
cp "$T/b/libhr.so.1" "$T/plain.so"
trace plain "$FERRY" patch --set-rpath /opt/plain "$T/plain.so"
expect_eq "RUNPATH written without --fsync" /opt/plain "$(runpath "$T/plain.so")"
grep -qE '^(fsync|fdatasync|sync_file_range|syncfs|sync)\(' "$T/plain.calls" &&
  fail "ferry patch flushed without --fsync: $(tr '\n' ' ' < "$T/plain.calls")"
expect_eq "calls without --fsync" "rename(\"$T/.plain.so.ferry-" "$(sed -E 's/(ferry-)[0-9]+.*/\1/' "$T/plain.calls")"
ls -A "$T" | grep -q '\.ferry-' && fail "a temporary file was left behind: $(ls -A "$T")"

# --fsync: the temporary file's descriptor flushed, then the rename, then the directory opened and flushed.
cp "$T/b/libhr.so.1" "$T/durable.so"
trace durable "$FERRY" patch --fsync --set-rpath /opt/durable "$T/durable.so"
expect_eq "RUNPATH written with --fsync" /opt/durable "$(runpath "$T/durable.so")"
temp_fd=$(sed -nE 's/^[0-9]+ +openat\(AT_FDCWD, "[^"]*\.durable\.so\.ferry-[0-9]+", O_WRONLY.* = ([0-9]+)$/\1/p' "$T/durable.strace")
dir_fd=$(sed -nE 's/^[0-9]+ +openat\(AT_FDCWD, "'"${T//\//\\/}"'", O_RDONLY\|O_CLOEXEC\|O_DIRECTORY\) = ([0-9]+)$/\1/p' "$T/durable.strace")
[ -n "$temp_fd" ] || fail "no temporary file opened for writing: $(cat "$T/durable.strace")"
[ -n "$dir_fd" ] || fail "the directory was not opened to be flushed: $(cat "$T/durable.strace")"
expect_eq "flushes with --fsync, in order" \
  "fsync($temp_fd rename(\"$T/.durable.so.ferry- fsync($dir_fd" \
  "$(sed -E 's/(ferry-)[0-9]+.*/\1/' "$T/durable.calls" | grep -v '^sync_file_range' | tr '\n' ' ' | sed 's/ $//')"

# A file with a second hard link keeps its inode (the verified bytes are written over it): flushed only with --fsync.
for opt in "" --fsync; do
  cp "$T/b/libhr.so.1" "$T/linked.so"
  rm -f "$T/other.so" && ln "$T/linked.so" "$T/other.so"
  trace linked "$FERRY" patch $opt --set-rpath /opt/linked "$T/linked.so"
  expect_eq "RUNPATH through the other link ($opt)" /opt/linked "$(runpath "$T/other.so")"
  # The descriptor the verified bytes are written through (the file itself, opened for writing), and its flush.
  fd=$(sed -nE 's/^[0-9]+ +openat\(AT_FDCWD, "[^"]*\/linked\.so", O_WRONLY.* = ([0-9]+)$/\1/p' "$T/linked.strace")
  [ -n "$fd" ] || fail "the hard-linked file was not written in place: $(cat "$T/linked.strace")"
  flushed=$(sed -n "/\/linked\.so\", O_WRONLY/,\$p" "$T/linked.strace" | grep -c "fsync($fd)" || true)
  expect_eq "the hard-linked file flushed (${opt:-default})" "$([ -n "$opt" ] && echo 1 || echo 0)" "$flushed"
  [ -n "$opt" ] || ! grep -q '^fsync(' "$T/linked.calls" || fail "flushed without --fsync: $(cat "$T/linked.calls")"
done

# patchelf mode: no flush, like patchelf.
cp "$T/b/libhr.so.1" "$T/pe.so"
trace pe "$FERRY" patchelf --set-rpath /opt/pe "$T/pe.so"
expect_eq "RUNPATH written in patchelf mode" /opt/pe "$(runpath "$T/pe.so")"
grep -qE '^(fsync|fdatasync|sync_file_range)\(' "$T/pe.calls" && fail "patchelf mode flushed: $(cat "$T/pe.calls")"
echo "ok"
