// zip members (wheels) through libzip, read into memory one at a time: zip_fopen_index + zip_fread, bounded by
// ReadLimits. Unix modes come from the external attributes (upper 16 bits) when the entry was made on Unix.
#include <sys/stat.h>
#include <zip.h>

#include <memory>

#include "archive/archive_internal.hpp"

namespace ferry::archive {
namespace {

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipCloser>;

Result<ZipPtr> open_zip(const std::string& path) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_RDONLY, &err);
  if (!z) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, err);
    std::string msg = std::string("cannot open zip: ") + zip_error_strerror(&ze);
    zip_error_fini(&ze);
    return make_error(err == ZIP_ER_OPEN || err == ZIP_ER_NOENT ? ErrorCode::io : ErrorCode::format, msg)
        .with_path(path);
  }
  return ZipPtr(z);
}

Member describe(zip_t* z, zip_uint64_t i, const zip_stat_t& st) {
  Member m;
  m.index = i;
  m.name = st.name ? st.name : "";
  m.size = (st.valid & ZIP_STAT_SIZE) ? st.size : 0;
  zip_uint8_t opsys = 0;
  zip_uint32_t attr = 0;
  if (zip_file_get_external_attributes(z, i, 0, &opsys, &attr) == 0 && opsys == ZIP_OPSYS_UNIX) m.mode = attr >> 16;
  bool dir = !m.name.empty() && m.name.back() == '/';
  m.symlink = m.mode && S_ISLNK(m.mode);
  // Writers often store permission bits without a file type (python's writestr: 0600): that is a file too.
  m.regular = !dir && !m.symlink && ((m.mode & S_IFMT) == 0 || S_ISREG(m.mode));
  return m;
}

}  // namespace

Result<std::vector<Member>> list_zip(const std::string& path) {
  FERRY_TRY(z, open_zip(path));
  std::vector<Member> out;
  zip_int64_t n = zip_get_num_entries(z.get(), 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    if (zip_stat_index(z.get(), static_cast<zip_uint64_t>(i), 0, &st) != 0)
      return make_error(ErrorCode::format, "zip entry #" + std::to_string(i) + ": " + zip_strerror(z.get()))
          .with_path(path);
    out.push_back(describe(z.get(), static_cast<zip_uint64_t>(i), st));
  }
  return out;
}

Status for_each_zip(const std::string& path, const MemberFilter& filter, const MemberVisitor& visit,
                    const ReadLimits& limits, std::vector<Error>* skipped, const HeadFilter& head) {
  FERRY_TRY(z, open_zip(path));
  zip_int64_t n = zip_get_num_entries(z.get(), 0);
  uint64_t total = 0;
  for (zip_int64_t i = 0; i < n; ++i) {
    auto idx = static_cast<zip_uint64_t>(i);
    zip_stat_t st;
    if (zip_stat_index(z.get(), idx, 0, &st) != 0)
      return make_error(ErrorCode::format, "zip entry #" + std::to_string(i) + ": " + zip_strerror(z.get()))
          .with_path(path);
    Member m = describe(z.get(), idx, st);
    if (!m.regular || (filter && !filter(m))) continue;
    if (!admit_member(m, limits, total, path, skipped)) continue;
    zip_file_t* f = zip_fopen_index(z.get(), idx, 0);
    if (!f)
      return make_error(ErrorCode::format, "member " + m.name + ": " + zip_strerror(z.get())).with_path(path);
    std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> closer(f, zip_fclose);
    FERRY_CHECK(read_and_visit(
        m, limits, head, [f](uint8_t* buf, size_t len) -> int64_t { return zip_fread(f, buf, len); },
        [f] { return std::string(zip_file_strerror(f)); }, path, visit));
  }
  return {};
}

}  // namespace ferry::archive
