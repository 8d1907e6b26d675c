// Mapped inputs, atomic outputs and stable directory walks.
#include "support/file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace ferry {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0 && fd_ != fd) ::close(fd_);
  fd_ = fd;
}

namespace fs = std::filesystem;

static Error io_error(const std::string& path, const std::string& what) {
  Error e = make_error(ErrorCode::io, what + ": " + std::strerror(errno));
  e.path = path;
  return e;
}

const char* file_type_name(uint32_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG: return "a regular file";
    case S_IFDIR: return "a directory";
    case S_IFIFO: return "a FIFO";
    case S_IFSOCK: return "a socket";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFLNK: return "a symbolic link";
    default: return "not a regular file";
  }
}

Result<MappedFile> MappedFile::open(const std::string& path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer (nor a device for its carrier); the type is checked
  // on the descriptor itself, so nothing but a regular file is ever read.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return io_error(path, "cannot open");
  struct stat st;
  if (fstat(fd, &st) != 0) {
    Error e = io_error(path, "cannot stat");
    ::close(fd);
    return e;
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    Error e = make_error(ErrorCode::io, "is a directory");
    e.path = path;
    return e;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    Error e = make_error(ErrorCode::io, std::string("not read: ") + file_type_name(st.st_mode) + ", not a regular file");
    e.path = path;
    return e;
  }
  MappedFile m;
  m.path_ = path;
  m.size_ = static_cast<uint64_t>(st.st_size);
  if (m.size_ > 0) {
    void* p = mmap(nullptr, m.size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      Error e = io_error(path, "cannot map");
      ::close(fd);
      return e;
    }
    m.data_ = static_cast<uint8_t*>(p);
  }
  ::close(fd);
  return m;
}

MappedFile::MappedFile(MappedFile&& o) noexcept : data_(o.data_), size_(o.size_), path_(std::move(o.path_)) {
  o.data_ = nullptr;
  o.size_ = 0;
}
MappedFile& MappedFile::operator=(MappedFile&& o) noexcept {
  if (this != &o) {
    if (data_) munmap(data_, size_);
    data_ = o.data_;
    size_ = o.size_;
    path_ = std::move(o.path_);
    o.data_ = nullptr;
    o.size_ = 0;
  }
  return *this;
}
MappedFile::~MappedFile() {
  if (data_) munmap(data_, size_);
}

Result<std::vector<uint8_t>> read_file(const std::string& path, uint64_t max_size) {
  FERRY_TRY(m, MappedFile::open(path));
  if (m.size() > max_size) {
    Error e = make_error(ErrorCode::io, "file is larger than " + std::to_string(max_size) + " bytes");
    e.path = path;
    return e;
  }
  return std::vector<uint8_t>(m.view().data(), m.view().data() + m.size());
}

static bool write_all(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

namespace {

// Ownership first, then the mode: chown(2) clears the setuid and setgid bits, so a mode set before it loses them.
// Ownership that cannot be given away (not root) stays the caller's; the mode bits are still copied.
Status keep_mode_and_owner(int fd, const struct stat& st, const std::string& path) {
  if (fchown(fd, st.st_uid, st.st_gid) != 0 && errno != EPERM) return io_error(path, "cannot keep the ownership");
  if (fchmod(fd, st.st_mode & 07777) != 0) return io_error(path, "cannot set the mode");
  return {};
}

// A file with other hard links keeps its inode: the verified bytes are copied over it (as patchelf writes), so
// every name still sees one file, with its mode, owner and links. Not atomic against a crash mid-copy.
Status write_over(const std::string& path, const std::string& verified, const struct stat& st, bool durable) {
  int in = ::open(verified.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return io_error(verified, "cannot open");
  struct stat vs;
  if (fstat(in, &vs) != 0) {
    Error e = io_error(verified, "cannot stat");
    ::close(in);
    return e;
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    ::close(in);
    return io_error(path, "cannot open for writing");
  }
  struct stat now;
  if (fstat(fd, &now) != 0 || now.st_dev != st.st_dev || now.st_ino != st.st_ino || !S_ISREG(now.st_mode)) {
    ::close(fd);
    ::close(in);
    return make_error(ErrorCode::io, "changed while it was being rewritten").with_path(path);
  }
  Status copied = ftruncate(fd, 0) == 0 ? copy_file_bytes(in, 0, static_cast<uint64_t>(vs.st_size), fd, path)
                                        : Status(io_error(path, "cannot truncate"));
  ::close(in);
  // Writing clears setuid/setgid for an unprivileged writer; put the mode back.
  bool ok = copied.ok() && fchmod(fd, st.st_mode & 07777) == 0 && (!durable || fsync(fd) == 0);
  Error e = copied.ok() ? (ok ? Error{} : io_error(path, "cannot write the new contents over the file")) : copied.error();
  if (::close(fd) != 0 && ok) return io_error(path, "cannot close");
  if (!ok) return e;
  return {};
}

// After a rename: flushes the directory entry, so the new name survives a crash too. The file is already in
// place: a failure here is reported, with nothing to undo.
Status sync_directory(const std::string& dir, const std::string& path) {
  int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d < 0) return io_error(path, "replaced, but cannot open its directory to flush it");
  bool ok = fsync(d) == 0 || errno == EINVAL;  // EINVAL: a filesystem that cannot flush directories
  Error e = ok ? Error{} : io_error(path, "replaced, but cannot flush its directory");
  ::close(d);
  if (!ok) return e;
  return {};
}

}  // namespace

namespace {

Status copy_through_buffer(int in, off_t& at, int out, uint64_t left, const std::string& path) {
  if (left == 0) return {};
  std::vector<uint8_t> buf(std::min<uint64_t>(left, 1 << 20));
  while (left > 0) {
    ssize_t n = ::pread(in, buf.data(), std::min<uint64_t>(left, buf.size()), at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n == 0 ? make_error(ErrorCode::io, "the input ended early").with_path(path)
                              : io_error(path, "cannot read the unchanged bytes");
    if (!write_all(out, buf.data(), static_cast<size_t>(n))) return io_error(path, "cannot write the unchanged bytes");
    at += n;
    left -= static_cast<uint64_t>(n);
  }
  return {};
}

// copy_file_range in calls of at most 4 MiB; what the kernel cannot copy here goes through the buffer.
Status copy_in_kernel(int in, off_t& at, int out, uint64_t left, const std::string& path) {
  while (left > 0) {
    ssize_t n = ::copy_file_range(in, &at, out, nullptr, std::min<uint64_t>(left, uint64_t{4} << 20), 0);
    if (n > 0) {
      left -= static_cast<uint64_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP || errno == EPERM)
      break;  // not possible here (another filesystem, an old kernel): copy through a buffer
    return io_error(path, "cannot copy the unchanged bytes");
  }
  return copy_through_buffer(in, at, out, left, path);
}

}  // namespace

// The kernel copies fastest into whole large folios of the page cache: on ext4 (Linux 6.18) copy_file_range
// moved 4.0-4.1 GB/s to a destination offset that is a multiple of 64 KiB from a page-aligned source, and
// 2.5-2.9 GB/s to one that is only page-aligned. When source and destination share their in-page offset (an ELF
// file's unchanged ranges do), the bytes up to the destination's next 64 KiB boundary and the last partial 64 KiB
// go through the buffer and the rest through the kernel, both ends aligned.
Status copy_file_bytes(int in, uint64_t offset, uint64_t length, int out, const std::string& path) {
  constexpr uint64_t page = 4096, folio = 64 << 10;
  off_t at = static_cast<off_t>(offset);
  const off_t pos = ::lseek(out, 0, SEEK_CUR);
  uint64_t head = 0, body = length;
  if (pos >= 0 && length >= 4 * folio && offset % page == static_cast<uint64_t>(pos) % page) {
    head = (folio - static_cast<uint64_t>(pos) % folio) % folio;
    body = (length - head) / folio * folio;
  }
  FERRY_CHECK(copy_through_buffer(in, at, out, head, path));
  FERRY_CHECK(copy_in_kernel(in, at, out, body, path));
  return copy_through_buffer(in, at, out, length - head - body, path);
}

Status atomic_write(const std::string& path, std::span<const uint8_t> bytes, const AtomicWriteOptions& opts) {
  return atomic_write_with(
      path,
      [&](int fd) -> Status {
        if (!write_all(fd, bytes.data(), bytes.size())) return io_error(path, "cannot write the new contents");
        return {};
      },
      opts);
}

namespace {

// A number for a temporary file's name: getrandom(2), not std::random_device, whose first use probes the CPU
// with cpuid (a VM exit each, tens of microseconds on a virtual machine). O_EXCL settles any collision, so a
// failed call only costs a retry with the pid and the attempt.
uint32_t temp_name_number(int attempt) {
  uint32_t n = 0;
  if (getrandom(&n, sizeof n, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof n))
    n = static_cast<uint32_t>(getpid()) * 2654435761u + static_cast<uint32_t>(attempt);
  return n;
}

// Puts the verified `temp` in place of the existing regular file `path` by exchanging the two names
// (renameat2 RENAME_EXCHANGE), then removes the replaced file under the temporary name. For every reader this is
// the same atomic switch as rename(2); it differs in when the disk works. rename over an existing name makes
// ext4 start the new file's write-back inside the call (auto_da_alloc), and freeing the replaced file's blocks
// then waits behind that write-back: on a filesystem mounted with `discard` the freed blocks are discarded
// synchronously, and a 30 MB library took 11-17 ms more to replace than to write. Here the replaced file goes
// first (`release_replaced` drops the caller's mappings of it, so its blocks are freed while the disk is idle)
// and the write-back ext4 would have started is started explicitly right after, as patchelf's truncate-then-
// write orders the two. Returns false, with nothing changed, where the filesystem cannot exchange names (NFS,
// some overlays, kernels before 3.15): the caller renames.
bool exchange_into_place(const std::string& temp, const std::string& path, const struct stat& replaced,
                         const std::function<void()>& release_replaced) {
  if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) != 0) return false;
  // `path` was checked to be a regular file, but it may have been swapped since: a directory now under the
  // temporary name is put back (rename(2) would have refused it), and the caller's rename reports it.
  struct stat now;
  const bool seen = ::lstat(temp.c_str(), &now) == 0;
  if (seen && S_ISDIR(now.st_mode)) {
    (void)::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE);
    return false;
  }
  ::unlink(temp.c_str());
  // Only the file the caller opened is the caller's to let go of (not one swapped in since its stat).
  if (release_replaced && seen && now.st_dev == replaced.st_dev && now.st_ino == replaced.st_ino) release_replaced();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd >= 0) {
    (void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);  // advisory: starts the write-back, waits for none
    ::close(fd);
  }
  return true;
}

}  // namespace

Status move_into_place(const std::string& temp, const std::string& path) {
  struct stat st;
  const bool exchanged =
      ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && exchange_into_place(temp, path, st, {});
  if (!exchanged && ::rename(temp.c_str(), path.c_str()) != 0) return io_error(path, "cannot rename into place");
  return {};
}

Status atomic_write_with(const std::string& path, const std::function<Status(int fd)>& write,
                         const AtomicWriteOptions& opts) {
  fs::path target(path);
  fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string temp;
  int fd = -1;
  if (opts.seeded) *opts.seeded = false;
  for (int attempt = 0; attempt < 16 && fd < 0; ++attempt) {
    temp = (dir / ("." + target.filename().string() + ".ferry-" + std::to_string(temp_name_number(attempt) % 1000000)))
               .string();
    // The seed takes the temporary name only if nothing has it (RENAME_NOREPLACE, as O_EXCL below).
    if (!opts.seed.empty() && ::renameat2(AT_FDCWD, opts.seed.c_str(), AT_FDCWD, temp.c_str(), RENAME_NOREPLACE) == 0) {
      fd = ::open(temp.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
      if (fd < 0) {
        (void)::rename(temp.c_str(), opts.seed.c_str());
        return io_error(path, "cannot open the seed file " + opts.seed);
      }
      if (::fchmod(fd, 0600) != 0) {
        ::close(fd);
        ::unlink(temp.c_str());
        return io_error(path, "cannot set the mode of the seed file");
      }
      if (opts.seeded) *opts.seeded = true;
      break;
    }
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) return io_error(path, "cannot create a temporary file in " + dir.string());
  }
  if (fd < 0) return io_error(path, "cannot create a temporary file in " + dir.string());

  auto fail = [&](Error e) -> Status {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    return e;
  };
  if (Status w = write(fd); !w) return fail(w.error());
  // Start the write-back now (no waiting) so the disk works while the contents are verified; fsync below then
  // waits only for what is left. Without fsync the kernel writes back in its own time.
  if (opts.fsync) (void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  struct stat st;
  bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists && !S_ISREG(st.st_mode))
    return fail(make_error(ErrorCode::io, std::string("not replaced: ") + file_type_name(st.st_mode) +
                                              ", not a regular file").with_path(path));
  if (exists) {
    if (Status k = keep_mode_and_owner(fd, st, path); !k) return fail(k.error());
  } else if (fchmod(fd, opts.mode) != 0) {
    return fail(io_error(path, "cannot set the mode"));
  }
  if (opts.verify) {
    Status v = opts.verify(temp);
    if (!v) return fail(v.error().with_path(path));
  }
  if (opts.fsync && fsync(fd) != 0) return fail(io_error(path, "cannot flush the new contents"));
  if (::close(fd) != 0) {
    fd = -1;
    return fail(io_error(path, "cannot close the new contents"));
  }
  fd = -1;
  if (exists && st.st_nlink > 1) {
    Status w = write_over(path, temp, st, opts.fsync);
    ::unlink(temp.c_str());
    return w;
  }
  const bool exchanged = exists && exchange_into_place(temp, path, st, opts.release_replaced);
  if (!exchanged && ::rename(temp.c_str(), path.c_str()) != 0) return fail(io_error(path, "cannot replace"));
  if (opts.fsync && opts.fsync_directory) return sync_directory(dir.string(), path);
  return {};
}

namespace {

Error walk_error(const std::string& path, const std::string& what, const std::error_code& ec) {
  Error e = make_error(ErrorCode::io, what + ": " + ec.message());
  e.path = path;
  return e;
}

// One directory tree, depth first with an explicit stack (no recursion: depth is the tree's, not the stack's).
// Every directory that cannot be opened or read to the end is named in `errors`; the walk goes on.
void walk_tree(const std::string& root, std::vector<std::string>& found, std::vector<Error>& errors) {
  std::vector<std::string> todo{root};
  while (!todo.empty()) {
    std::string dir = std::move(todo.back());
    todo.pop_back();
    std::error_code ec;
    fs::directory_iterator it(dir, ec), end;
    if (ec) {
      errors.push_back(walk_error(dir, "directory not read", ec));
      continue;
    }
    std::vector<std::string> subdirs;
    for (; it != end; it.increment(ec)) {
      std::error_code ec2;
      fs::file_status ls = it->symlink_status(ec2);
      if (ec2) {
        errors.push_back(walk_error(it->path().string(), "not read", ec2));
        continue;
      }
      if (fs::is_symlink(ls)) {
        // Symlinked files count (once per name, as users see them); symlinked directories are not followed,
        // which keeps walks finite on trees with link cycles.
        if (fs::is_regular_file(it->path(), ec2)) found.push_back(it->path().string());
      } else if (fs::is_directory(ls)) {
        subdirs.push_back(it->path().string());
      } else if (fs::is_regular_file(ls)) {
        found.push_back(it->path().string());
      }
      // FIFOs, sockets and devices are not binaries: never opened.
    }
    if (ec) errors.push_back(walk_error(dir, "directory not read to the end", ec));
    std::sort(subdirs.rbegin(), subdirs.rend());
    for (auto& d : subdirs) todo.push_back(std::move(d));
  }
}

}  // namespace

Result<std::vector<std::string>> list_directory(const std::string& dir, bool regular_only) {
  std::vector<std::string> out;
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code ec2;
    if (regular_only && !fs::is_regular_file(it->path(), ec2)) continue;
    out.push_back(it->path().string());
  }
  if (ec) return make_error(ErrorCode::io, "cannot read the directory: " + ec.message()).with_path(dir);
  std::sort(out.begin(), out.end());
  return out;
}

WalkResult walk_paths(const std::vector<std::string>& paths) {
  WalkResult out;
  for (const auto& p : paths) {
    std::error_code ec;
    auto st = fs::status(p, ec);
    if (ec || !fs::exists(st)) {
      Error e = make_error(ErrorCode::io, "no such file or directory");
      e.path = p;
      out.errors.push_back(e);
      continue;
    }
    if (fs::is_directory(st)) {
      std::vector<std::string> found;
      walk_tree(p, found, out.errors);
      std::sort(found.begin(), found.end());
      out.files.insert(out.files.end(), found.begin(), found.end());
    } else {
      out.files.push_back(p);
    }
  }
  return out;
}

FileKind sniff(ByteView h) {
  auto b = [&](uint64_t i) -> int { return i < h.size() ? h.data()[i] : -1; };
  if (b(0) == 0x7f && b(1) == 'E' && b(2) == 'L' && b(3) == 'F') return FileKind::elf;
  uint32_t m = h.find_uint<uint32_t>(0, Endian::little).value_or(0);
  if (m == 0xfeedface || m == 0xfeedfacf || m == 0xcefaedfe || m == 0xcffaedfe) return FileKind::macho;
  if (m == 0xbebafeca || m == 0xbfbafeca) {
    // 0xcafebabe is also the Java class magic: a fat Mach-O has a small architecture count there.
    uint32_t n = h.find_uint<uint32_t>(4, Endian::big).value_or(0);
    if (n > 0 && n < 43) return FileKind::macho_fat;  // >= 43: a Java class file (LLVM's cut-off)
    return FileKind::unknown;
  }
  if (b(0) == 'M' && b(1) == 'Z') return FileKind::pe;
  if (b(0) == 'P' && b(1) == 'K' && b(2) == 3 && b(3) == 4) return FileKind::zip;
  if (b(0) == 'P' && b(1) == 'K' && b(2) == 5 && b(3) == 6) return FileKind::zip;
  if (b(0) == 0x1f && b(1) == 0x8b) return FileKind::gzip;
  if (b(0) == 0xfd && b(1) == '7' && b(2) == 'z' && b(3) == 'X' && b(4) == 'Z') return FileKind::xz;
  if (m == 0xfd2fb528) return FileKind::zstd;
  if (h.size() >= 8 && std::memcmp(h.data(), "!<arch>\n", 8) == 0) return FileKind::ar;
  if (h.size() >= 262 && std::memcmp(h.data() + 257, "ustar", 5) == 0) return FileKind::tar;
  return FileKind::unknown;
}

FileKind sniff_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return FileKind::unknown;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return FileKind::unknown;
  }
  uint8_t buf[512];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n <= 0) return FileKind::unknown;
  return sniff(ByteView(buf, static_cast<uint64_t>(n)));
}

Status pread_exact(int fd, uint8_t* d, size_t n, uint64_t off, const std::string& path, const std::string& what) {
  while (n > 0) {
    ssize_t r = ::pread(fd, d, n, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return make_error(ErrorCode::io, "cannot read " + what, off).with_path(path);
    d += r, n -= static_cast<size_t>(r), off += static_cast<uint64_t>(r);
  }
  return {};
}

Status pwrite_exact(int fd, const uint8_t* d, size_t n, uint64_t off, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd, d, n, static_cast<off_t>(off));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return make_error(ErrorCode::io, std::string("write failed: ") + std::strerror(errno)).with_path(path);
    d += w, n -= static_cast<size_t>(w), off += static_cast<uint64_t>(w);
  }
  return {};
}

}  // namespace ferry
