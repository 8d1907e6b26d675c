// Files: read-only mappings of inputs, atomic replacement of outputs, directory walks in a stable order.
// Inputs are mapped, never read whole into memory, so peak memory does not grow with the number of files.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "support/bytes.hpp"
#include "support/result.hpp"

namespace ferry {

// An owned file descriptor, closed when its owner goes (-1: none). Moves, never copies. Close errors are not
// reported: what a descriptor wrote is checked by reading it back, not by close(2).
class UniqueFd {
public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(std::exchange(o.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset(int fd = -1);  // closes what it held

private:
  int fd_ = -1;
};

class MappedFile {
public:
  // Maps `path` privately (copy-on-write, so libraries that translate in place never touch the file).
  // Empty files map to an empty view; directories, FIFOs, devices and unreadable files are errors naming the
  // path (opened with O_NONBLOCK and checked with fstat: nothing blocks).
  static Result<MappedFile> open(const std::string& path);
  MappedFile() = default;
  MappedFile(MappedFile&& o) noexcept;
  MappedFile& operator=(MappedFile&& o) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  ByteView view() const { return ByteView(data_, size_); }
  uint8_t* writable_data() { return data_; }  // private mapping: writes never reach the file
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

private:
  uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
  std::string path_;
};

// "a regular file", "a directory", "a FIFO", "a socket", ... for a st_mode: messages name what was not read.
const char* file_type_name(uint32_t mode);

Result<std::vector<uint8_t>> read_file(const std::string& path, uint64_t max_size = UINT64_MAX);

// Writes `bytes` to a temporary file in the directory of `path`, runs `verify` on the temporary path (when
// given), keeps the mode (setuid/setgid included) and ownership of an existing `path` (or uses `mode` for a new
// one), fsyncs (unless told not to) and renames over `path`. On any failure the temporary file is removed and
// `path` is untouched. An existing `path` with other hard links is not renamed over (that would split the
// links): once verified, the bytes are written over it in place, keeping its inode, as patchelf does. Only
// regular files are replaced.
struct AtomicWriteOptions {
  uint32_t mode = 0644;  // for a new file
  std::function<Status(const std::string& temp_path)> verify;
  // Durability against a crash of the machine: the contents are flushed before the rename (a reader after a
  // crash sees the old file or the new one, never an empty one). Without it the replacement is still atomic
  // for every process, and the rename never exposes unverified bytes: only a power loss can lose it.
  bool fsync = true;
  // With fsync, the directory too after the rename, so the new name itself survives a crash.
  bool fsync_directory = false;
  // Called once the new contents have replaced an existing `path` and before their write-back is started:
  // drops the caller's own references to the replaced file (mappings, descriptors), so that its blocks are
  // freed while the disk is idle rather than behind the new file's write-back (file.cpp exchange_into_place).
  std::function<void()> release_replaced;
  // A file on the same filesystem as `path` that becomes the temporary file (renamed, never copied): `write`
  // then receives it open for writing, holding what the seed held, and writes only what differs. Nothing (and
  // the seed is left where it is) when it cannot be moved: `write` then receives an empty file, as without it;
  // `seeded` tells which.
  std::string seed;
  bool* seeded = nullptr;
};
Status atomic_write(const std::string& path, std::span<const uint8_t> bytes, const AtomicWriteOptions& opts = {});
// The same with the contents produced by `write`, given the temporary file's descriptor (positioned at 0): a
// writer that streams (copy_file_range from the input, then only the bytes that changed) never holds the file.
Status atomic_write_with(const std::string& path, const std::function<Status(int fd)>& write,
                         const AtomicWriteOptions& opts = {});
// Puts the finished file `temp` (in the directory of `path`) at `path`, atomically: exchanged with an existing
// regular file, which is then unlinked before the new file's write-back is started (see file.cpp
// exchange_into_place for why), or renamed over anything else. The caller has verified `temp`.
Status move_into_place(const std::string& temp, const std::string& path);
// Copies [offset, offset + length) of `in` to the current position of `out`: copy_file_range (the kernel copies,
// or shares extents where the filesystem can), falling back to read/write through a small buffer.
Status copy_file_bytes(int in, uint64_t offset, uint64_t length, int out, const std::string& path_for_errors);

// Exactly `n` bytes at offset `off` of `fd` (pread, EINTR retried): an error "cannot read <what>" at that offset
// when the file ends first or the read fails.
Status pread_exact(int fd, uint8_t* data, size_t n, uint64_t off, const std::string& path_for_errors,
                   const std::string& what);
// All `n` bytes written at offset `off` of `fd` (pwrite, EINTR retried): an error "write failed: ..." otherwise.
Status pwrite_exact(int fd, const uint8_t* data, size_t n, uint64_t off, const std::string& path_for_errors);

// Walks files and directories (recursively) and returns regular files sorted by path within each argument,
// arguments kept in the order given. Symlinks to files are followed; symlinked directories are not descended;
// FIFOs, sockets and devices inside directories are never opened. Nothing is skipped silently: every argument
// or directory that cannot be read (permission denied, I/O error) is an error naming it, and the walk goes on.
struct WalkResult {
  std::vector<std::string> files;
  std::vector<Error> errors;  // arguments that do not exist, directories (or entries) that cannot be read
};
WalkResult walk_paths(const std::vector<std::string>& paths);

// The entries of one directory (not recursive), sorted; `regular_only` keeps regular files (symlinks followed).
// An error names the directory when it cannot be opened or read to the end (never throws).
Result<std::vector<std::string>> list_directory(const std::string& dir, bool regular_only = false);

// Quick magic sniffing without mapping: used to skip non-binaries silently during walks.
enum class FileKind { unknown, elf, macho, macho_fat, pe, zip, tar, gzip, xz, zstd, ar };
FileKind sniff(ByteView head);
FileKind sniff_file(const std::string& path);

}  // namespace ferry
