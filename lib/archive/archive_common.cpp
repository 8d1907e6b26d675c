// Format detection, member naming and the unsafe-name rule shared by the zip and tar readers.
#include <archive.h>
#include <archive_entry.h>

#include "archive/archive.hpp"
#include "archive/archive_internal.hpp"
#include "support/file.hpp"

namespace ferry::archive {

Result<Format> detect_format(const std::string& path) {
  auto head = read_file_head(path, 512);
  if (!head) return head.error();
  FileKind kind = sniff(ByteView(head->data(), head->size()));
  if (kind == FileKind::zip) return Format::zip;
  if (kind == FileKind::elf || kind == FileKind::macho || kind == FileKind::macho_fat || kind == FileKind::pe)
    return make_error(ErrorCode::unsupported, "not an archive").with_path(path);
  // tar, possibly compressed: let libarchive read the first header (cheap: one block).
  if (tar_readable(path)) return Format::tar;
  return make_error(ErrorCode::unsupported, "not a zip or tar archive").with_path(path);
}

bool is_archive(const std::string& path) { return detect_format(path).ok(); }

bool is_unsafe_member_name(const std::string& name) {
  if (name.empty()) return true;
  if (name[0] == '/' || name[0] == '\\') return true;
  if (name.size() >= 2 && name[1] == ':') return true;  // C:...
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find_first_of("/\\", start);
    if (end == std::string::npos) end = name.size();
    if (name.compare(start, end - start, "..") == 0 && end - start == 2) return true;
    start = end + 1;
  }
  return false;
}

std::string member_display_path(const std::string& archive_path, const std::string& member_name) {
  return archive_path + "!" + member_name;
}

Result<std::vector<uint8_t>> read_member(const std::string& path, const std::string& name, const ReadLimits& limits) {
  std::optional<std::vector<uint8_t>> found;
  auto st = for_each_member(
      path, [&](const Member& m) { return !found && m.name == name; },
      [&](const Member&, std::vector<uint8_t>&& bytes) -> Status {
        found = std::move(bytes);
        return {};
      },
      limits);
  if (!st) return st.error();
  if (!found) return make_error(ErrorCode::not_found, "no member named " + name).with_path(path);
  return std::move(*found);
}

Result<std::vector<Member>> list_members(const std::string& path) {
  FERRY_TRY(fmt, detect_format(path));
  return fmt == Format::zip ? list_zip(path) : list_tar(path);
}

Status for_each_member(const std::string& path, const MemberFilter& filter, const MemberVisitor& visit,
                       const ReadLimits& limits, std::vector<Error>* skipped) {
  FERRY_TRY(fmt, detect_format(path));
  return fmt == Format::zip ? for_each_zip(path, filter, visit, limits, skipped)
                            : for_each_tar(path, filter, visit, limits, skipped);
}

bool admit_member(const Member& m, const ReadLimits& limits, uint64_t& total, const std::string& path,
                  std::vector<Error>* skipped) {
  if (m.size > limits.max_member_size || total + m.size > limits.max_total_size) {
    if (skipped)
      skipped->push_back(make_error(ErrorCode::unsupported, "member " + m.name + " is larger than the " +
                                                                std::to_string(limits.max_member_size) +
                                                                "-byte limit; not read")
                             .with_path(path));
    return false;
  }
  total += m.size;
  return true;
}

}  // namespace ferry::archive
