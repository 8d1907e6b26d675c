#!/usr/bin/env bash
# `ferry patch` replaces a file atomically (temporary file in its directory, verified, then exchanged with the
# target by renameat2 RENAME_EXCHANGE and the replaced file unlinked) without flushing it to disk, as patchelf and
# the linkers do. The replaced file is let go of (its mapping dropped) before the new file's write-back is
# started with sync_file_range(SYNC_FILE_RANGE_WRITE), which waits for nothing; where names cannot be exchanged
# it falls back to rename(2). --fsync flushes the temporary file before the exchange and the directory after it,
# and the hard-link path (bytes written over the inode) flushes the file. patchelf mode never flushes. Oracles:
# strace's record of the system calls, in order (and its fault injection for the fallback), readelf on the result.
source "$(dirname "$0")/../common.sh"
need_cmd strace
need_cmd readelf
make_resolve_pair "$T/b"
runpath() { readelf -dW "$1" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p'; }
strace -f -o /dev/null true 2>/dev/null || skip "strace cannot trace here (ptrace not permitted)"
# trace NAME CMD...: the flushes, renames, unlinks and unmappings CMD makes, one per line: "call(first argument"
# (fd numbers vary), renameat2 as "renameat2(from to flags", munmap as "munmap(length".
trace() {
  local name=$1
  shift
  strace -f -qq -e trace=fsync,fdatasync,sync_file_range,syncfs,sync,rename,renameat,renameat2,openat,unlink,munmap \
    ${INJECT:+-e inject=$INJECT} -o "$T/$name.strace" "$@" >/dev/null
  sed -E 's/^[0-9]+ +//' "$T/$name.strace" | { grep -E '^(fsync|fdatasync|sync_file_range|syncfs|sync|rename|unlink|munmap)' || true; } |
    sed -E -e 's/^renameat2\(AT_FDCWD, ("[^"]*"), AT_FDCWD, ("[^"]*"), ([A-Z_]+)\).*/renameat2(\1 \2 \3/' \
      -e 's/^munmap\([^,]*, ([0-9]+)\).*/munmap(\1/' -e 's/^(sync_file_range\()[0-9]+, (.*)\) = .*/\1\2/' \
      -e 's/^(fsync|fdatasync|syncfs|rename|unlink)\(([^,)]*).*/\1(\2/' > "$T/$name.calls"
}
squash() { sed -E 's/(ferry-)[0-9]+/\1N/g' "$1" | tr '\n' ' ' | sed 's/ $//'; }

# Default, over an existing file: the exchange, the replaced file unlinked under the temporary name, its mapping
# (the whole file) dropped, then the new file's write-back started without waiting. No flush of any kind.
cp "$T/b/libhr.so.1" "$T/plain.so"
size=$(stat -c %s "$T/plain.so")
trace plain "$FERRY" patch --set-rpath /opt/plain "$T/plain.so"
expect_eq "RUNPATH written without --fsync" /opt/plain "$(runpath "$T/plain.so")"
grep -qE '^(fsync|fdatasync|syncfs|sync)\(' "$T/plain.calls" &&
  fail "ferry patch flushed without --fsync: $(tr '\n' ' ' < "$T/plain.calls")"
grep -q 'WAIT' "$T/plain.calls" && fail "the write-back was waited for: $(tr '\n' ' ' < "$T/plain.calls")"
expect_eq "calls without --fsync, in order" \
  "renameat2(\"$T/.plain.so.ferry-N\" \"$T/plain.so\" RENAME_EXCHANGE unlink(\"$T/.plain.so.ferry-N\" munmap($size sync_file_range(0, 0, SYNC_FILE_RANGE_WRITE" \
  "$(grep -vE '^munmap\(' "$T/plain.calls" | sed -n '1p' | squash /dev/stdin) $(sed -n '/^unlink/,$p' "$T/plain.calls" | grep -E "^(unlink|munmap\($size\$|sync_file_range)" | squash /dev/stdin)"
ls -A "$T" | grep -q '\.ferry-' && fail "a temporary file was left behind: $(ls -A "$T")"

# Where the filesystem cannot exchange names (renameat2 fails with EINVAL, injected): a plain rename over it.
cp "$T/b/libhr.so.1" "$T/fallback.so"
INJECT=renameat2:error=EINVAL trace fallback "$FERRY" patch --set-rpath /opt/fallback "$T/fallback.so"
expect_eq "RUNPATH written by the rename fallback" /opt/fallback "$(runpath "$T/fallback.so")"
expect_eq "calls of the fallback" "renameat2(\"$T/.fallback.so.ferry-N\" \"$T/fallback.so\" RENAME_EXCHANGE rename(\"$T/.fallback.so.ferry-N\"" \
  "$(grep -vE '^munmap\(' "$T/fallback.calls" | squash /dev/stdin)"
ls -A "$T" | grep -q '\.ferry-' && fail "a temporary file was left behind by the fallback: $(ls -A "$T")"

# A new output (--output to a name that does not exist yet): nothing to exchange with, a plain rename.
trace fresh "$FERRY" patch --set-rpath /opt/fresh --output "$T/fresh.so" "$T/b/libhr.so.1"
expect_eq "RUNPATH of a new output" /opt/fresh "$(runpath "$T/fresh.so")"
expect_eq "calls for a new output" "rename(\"$T/.fresh.so.ferry-N\"" "$(grep -vE '^munmap\(' "$T/fresh.calls" | squash /dev/stdin)"

# --fsync: the temporary file's descriptor flushed, then the exchange, then the directory opened and flushed.
cp "$T/b/libhr.so.1" "$T/durable.so"
trace durable "$FERRY" patch --fsync --set-rpath /opt/durable "$T/durable.so"
expect_eq "RUNPATH written with --fsync" /opt/durable "$(runpath "$T/durable.so")"
temp_fd=$(sed -nE 's/^[0-9]+ +openat\(AT_FDCWD, "[^"]*\.durable\.so\.ferry-[0-9]+", O_WRONLY.* = ([0-9]+)$/\1/p' "$T/durable.strace")
dir_fd=$(sed -nE 's/^[0-9]+ +openat\(AT_FDCWD, "'"${T//\//\\/}"'", O_RDONLY\|O_CLOEXEC\|O_DIRECTORY\) = ([0-9]+)$/\1/p' "$T/durable.strace")
[ -n "$temp_fd" ] || fail "no temporary file opened for writing: $(cat "$T/durable.strace")"
[ -n "$dir_fd" ] || fail "the directory was not opened to be flushed: $(cat "$T/durable.strace")"
expect_eq "flushes with --fsync, in order" \
  "fsync($temp_fd renameat2(\"$T/.durable.so.ferry-N\" \"$T/durable.so\" RENAME_EXCHANGE fsync($dir_fd" \
  "$(grep -E '^(fsync|renameat2|rename)\(' "$T/durable.calls" | squash /dev/stdin)"

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
grep -qE '^(fsync|fdatasync|syncfs|sync)\(' "$T/pe.calls" && fail "patchelf mode flushed: $(cat "$T/pe.calls")"
grep -q 'WAIT' "$T/pe.calls" && fail "patchelf mode waited for the write-back: $(cat "$T/pe.calls")"
echo "ok"
