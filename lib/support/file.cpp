// Mapped inputs, atomic outputs and stable directory walks.
#include "support/file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

namespace ferry {

namespace fs = std::filesystem;

static Error io_error(const std::string& path, const std::string& what) {
  Error e = make_error(ErrorCode::io, what + ": " + std::strerror(errno));
  e.path = path;
  return e;
}

Result<MappedFile> MappedFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
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
    Error e = make_error(ErrorCode::io, "is not a regular file");
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

Status atomic_write(const std::string& path, std::span<const uint8_t> bytes, const AtomicWriteOptions& opts) {
  fs::path target(path);
  fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::random_device rd;
  std::string temp;
  int fd = -1;
  for (int attempt = 0; attempt < 16 && fd < 0; ++attempt) {
    temp = (dir / ("." + target.filename().string() + ".ferry-" + std::to_string(rd() % 1000000))).string();
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) return io_error(path, "cannot create a temporary file in " + dir.string());
  }
  if (fd < 0) return io_error(path, "cannot create a temporary file in " + dir.string());

  auto fail = [&](Error e) -> Status {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    return e;
  };
  if (!write_all(fd, bytes.data(), bytes.size())) return fail(io_error(path, "cannot write the new contents"));
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (fchmod(fd, st.st_mode & 07777) != 0) return fail(io_error(path, "cannot set the mode"));
    if (fchown(fd, st.st_uid, st.st_gid) != 0 && errno != EPERM)
      return fail(io_error(path, "cannot keep the ownership"));
  } else if (fchmod(fd, opts.mode) != 0) {
    return fail(io_error(path, "cannot set the mode"));
  }
  if (fsync(fd) != 0) return fail(io_error(path, "cannot flush the new contents"));
  if (::close(fd) != 0) {
    fd = -1;
    return fail(io_error(path, "cannot close the new contents"));
  }
  fd = -1;
  if (opts.verify) {
    Status v = opts.verify(temp);
    if (!v) return fail(v.error().with_path(path));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) return fail(io_error(path, "cannot replace"));
  return {};
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
      fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec), end;
      if (ec) {
        Error e = make_error(ErrorCode::io, "cannot read directory: " + ec.message());
        e.path = p;
        out.errors.push_back(e);
        continue;
      }
      for (; it != end; it.increment(ec)) {
        if (ec) break;
        std::error_code ec2;
        if (it->is_symlink(ec2)) {
          // Symlinked files count (once per name, as users see them); symlinked directories are not followed,
          // which keeps walks finite on trees with link cycles.
          if (fs::is_regular_file(it->path(), ec2)) found.push_back(it->path().string());
          continue;
        }
        if (it->is_regular_file(ec2)) found.push_back(it->path().string());
      }
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
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FileKind::unknown;
  uint8_t buf[512];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n <= 0) return FileKind::unknown;
  return sniff(ByteView(buf, static_cast<uint64_t>(n)));
}

}  // namespace ferry
