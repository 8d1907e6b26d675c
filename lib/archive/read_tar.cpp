// tar members through libarchive (plain, gzip, xz, zstd, bzip2 filters), streamed in archive order: each
// accepted member is read into memory, bounded by ReadLimits; nothing is written to disk.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "archive/archive_internal.hpp"

namespace ferry::archive {
namespace {

struct ArchiveCloser {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveCloser>;

Result<ArchivePtr> open_tar(const std::string& path) {
  ArchivePtr a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK)
    return make_error(ErrorCode::io, "cannot open tar: " + error_text(a.get()))
        .with_path(path);
  return a;
}

Member describe(struct archive_entry* e, uint64_t ordinal) {
  Member m;
  m.index = ordinal;
  const char* name = archive_entry_pathname(e);
  m.name = name ? name : "";
  m.size = archive_entry_size_is_set(e) ? static_cast<uint64_t>(archive_entry_size(e)) : 0;
  m.mode = archive_entry_mode(e);
  m.regular = archive_entry_filetype(e) == AE_IFREG;
  m.symlink = archive_entry_filetype(e) == AE_IFLNK;
  if (m.symlink && archive_entry_symlink(e)) m.link_target = archive_entry_symlink(e);
  return m;
}

Error corrupt(struct archive* a, const std::string& path, const std::string& where) {
  return make_error(ErrorCode::format, where + ": " + error_text(a)).with_path(path);
}

}  // namespace

std::string error_text(struct archive* a) {
  if (const char* s = archive_error_string(a); s && *s) return s;
  if (int e = archive_errno(a); e > 0) return strerror(e);
  return "libarchive gave no reason";
}

Result<std::vector<uint8_t>> read_file_head(const std::string& path, size_t n) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::io, "cannot open: " + std::string(strerror(errno))).with_path(path);
  std::vector<uint8_t> buf(n);
  ssize_t got = ::read(fd, buf.data(), n);
  ::close(fd);
  if (got < 0) return make_error(ErrorCode::io, "cannot read: " + std::string(strerror(errno))).with_path(path);
  buf.resize(static_cast<size_t>(got));
  return buf;
}

bool tar_readable(const std::string& path) {
  auto a = open_tar(path);
  if (!a) return false;
  struct archive_entry* e = nullptr;
  return archive_read_next_header(a->get(), &e) == ARCHIVE_OK;
}

Result<std::vector<Member>> list_tar(const std::string& path) {
  FERRY_TRY(a, open_tar(path));
  std::vector<Member> out;
  struct archive_entry* e = nullptr;
  for (uint64_t i = 0;; ++i) {
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return corrupt(a.get(), path, "tar entry #" + std::to_string(i));
    out.push_back(describe(e, i));
    archive_read_data_skip(a.get());
  }
  return out;
}

Status for_each_tar(const std::string& path, const MemberFilter& filter, const MemberVisitor& visit,
                    const ReadLimits& limits, std::vector<Error>* skipped, const HeadFilter& head) {
  FERRY_TRY(a, open_tar(path));
  struct archive_entry* e = nullptr;
  uint64_t total = 0;
  for (uint64_t i = 0;; ++i) {
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return corrupt(a.get(), path, "tar entry #" + std::to_string(i));
    Member m = describe(e, i);
    if (!m.regular || (filter && !filter(m))) continue;  // the next header call skips the data
    if (!admit_member(m, limits, total, path, skipped)) continue;
    struct archive* ar = a.get();
    FERRY_CHECK(read_and_visit(
        m, limits, head,
        [ar](uint8_t* buf, size_t n) -> int64_t { return archive_read_data(ar, buf, n); },
        [ar] { return error_text(ar); },
        path, visit));
  }
  return {};
}

}  // namespace ferry::archive
