// zip members (wheels) read into memory one at a time through ferry's own reader (zip_directory.hpp), bounded by
// ReadLimits. Unix modes come from the external attributes (upper 16 bits) when the entry was made on Unix.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "archive/archive_internal.hpp"
#include "archive/zip_directory.hpp"
#include "support/file.hpp"

namespace ferry::archive {
namespace {

Member describe(const ZipEntry& e, uint64_t i) {
  Member m;
  m.index = i;
  m.name = e.name;
  m.size = e.size;
  m.mode = e.unix_mode();
  bool dir = !m.name.empty() && m.name.back() == '/';
  m.symlink = m.mode && S_ISLNK(m.mode);
  // Writers often store permission bits without a file type (python's writestr: 0600): that is a file too.
  m.regular = !dir && !m.symlink && ((m.mode & S_IFMT) == 0 || S_ISREG(m.mode));
  return m;
}

// Two entries of one name: which one a reader sees depends on the reader (libzip, ferry's former reader, refused
// them too).
Status check_unique(const std::vector<ZipEntry>& entries, const std::string& path) {
  std::set<std::string_view> seen;
  for (auto& e : entries)
    if (!seen.insert(e.name).second)
      return make_error(ErrorCode::format, "two members are named '" + e.name + "'").with_path(path);
  return {};
}

Result<std::vector<ZipEntry>> open_directory(const std::string& path) {
  FERRY_TRY(entries, read_zip_directory(path));
  FERRY_CHECK(check_unique(entries, path));
  return entries;
}

}  // namespace

Result<std::vector<Member>> list_zip(const std::string& path) {
  FERRY_TRY(entries, open_directory(path));
  std::vector<Member> out;
  out.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) out.push_back(describe(entries[i], i));
  return out;
}

Status for_each_zip(const std::string& path, const MemberFilter& filter, const MemberVisitor& visit,
                    const ReadLimits& limits, std::vector<Error>* skipped, const HeadFilter& head) {
  FERRY_TRY(entries, open_directory(path));
  UniqueFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file) return make_error(ErrorCode::io, std::string("cannot open: ") + std::strerror(errno)).with_path(path);
  const int fd = file.get();
  uint64_t total = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    Member m = describe(entries[i], i);
    if (!m.regular || (filter && !filter(m))) continue;
    if (!admit_member(m, limits, total, path, skipped)) continue;
    ZipDataStream data(fd, entries[i]);
    FERRY_CHECK(read_and_visit(
        m, limits, head, [&data](uint8_t* buf, size_t len) -> int64_t { return data.read(buf, len); },
        [&data] { return data.error(); }, path, visit));
  }
  return {};
}

}  // namespace ferry::archive
