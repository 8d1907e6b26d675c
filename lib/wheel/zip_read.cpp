// Reading wheels with ferry's zip reader (the directory checked by lib/archive, member data through deflate.hpp's
// one-pass digest): member listing with Unix modes, safety checks, streaming extraction and hashing. A member is
// never held whole in memory except through ZipReader::read (bounded, for small metadata).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <string_view>

#include "wheel/deflate.hpp"
#include "wheel/wheel_zip.hpp"
#include "support/text.hpp"

namespace ferry::wheel {

namespace {

// The DOS date and time of an entry as a time_t, read as local time (what zip writers store).
time_t dos_mtime(uint16_t dostime, uint16_t dosdate) {
  struct tm tm {};
  tm.tm_year = ((dosdate >> 9) & 0x7f) + 80;
  tm.tm_mon = ((dosdate >> 5) & 0xf) - 1;
  tm.tm_mday = dosdate & 0x1f;
  tm.tm_hour = (dostime >> 11) & 0x1f;
  tm.tm_min = (dostime >> 5) & 0x3f;
  tm.tm_sec = (dostime & 0x1f) * 2;
  tm.tm_isdst = -1;
  return mktime(&tm);
}

ZipMember describe(const archive::ZipEntry& e, uint64_t i) {
  ZipMember m;
  m.index = i;
  m.stored_name = e.name;
  m.name = normalize_member_name(m.stored_name);
  m.size = e.size;
  m.comp_size = e.comp_size;
  m.method = e.method;
  m.encrypted = e.encrypted();
  m.mtime = dos_mtime(e.dostime, e.dosdate);
  m.is_dir = !m.stored_name.empty() && m.stored_name.back() == '/';
  m.mode = e.unix_mode();
  if ((m.mode & S_IFMT) == 0) m.mode |= m.is_dir ? S_IFDIR : S_IFREG;
  if ((m.mode & 07777) == 0) m.mode |= m.is_dir ? 0755 : 0644;
  m.is_symlink = S_ISLNK(m.mode);
  if (S_ISDIR(m.mode)) m.is_dir = true;
  return m;
}

bool bad_component_name(const std::string& name, std::string& why) {
  if (name.empty()) return why = "an empty name", true;
  if (name[0] == '/') return why = "an absolute path", true;
  if (name.find('\\') != std::string::npos) return why = "a backslash in the name", true;
  if (name.find('\0') != std::string::npos) return why = "a NUL byte in the name", true;
  if (name.size() >= 2 && name[1] == ':' && std::isalpha(static_cast<unsigned char>(name[0])))
    return why = "a drive letter", true;
  for (const auto& comp : split_path(name))
    if (comp == "..") return why = "a '..' component (path traversal)", true;
  return false;
}

}  // namespace

std::string normalize_member_name(const std::string& name) {
  std::string out;
  for (const auto& comp : split_path(name)) {
    if (comp.empty() || comp == ".") continue;
    if (!out.empty()) out += '/';
    out += comp;
  }
  if (!out.empty() && !name.empty() && name.back() == '/') out += '/';
  return out;
}

ZipReader::ZipReader() = default;
ZipReader::ZipReader(ZipReader&& o) noexcept = default;
ZipReader& ZipReader::operator=(ZipReader&& o) noexcept = default;
ZipReader::~ZipReader() = default;

Result<ZipReader> ZipReader::open(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return make_error(ErrorCode::io, std::string("cannot open: ") + std::strerror(errno)).with_path(path);
  if (!S_ISREG(st.st_mode)) return make_error(ErrorCode::io, "not a regular file").with_path(path);
  auto entries = archive::read_zip_directory(path);
  if (!entries) {
    Error e = entries.error();
    if (e.code == ErrorCode::format) e.message = "not a readable zip archive: " + e.message;
    return e;
  }
  ZipReader r;
  r.path_ = path;
  r.fd_.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!r.fd_) return make_error(ErrorCode::io, std::string("cannot open: ") + std::strerror(errno)).with_path(path);
  r.entries_ = std::move(*entries);
  r.members_.reserve(r.entries_.size());
  for (size_t i = 0; i < r.entries_.size(); ++i) r.members_.push_back(describe(r.entries_[i], i));
  return r;
}

Result<std::vector<uint8_t>> ZipReader::read(const ZipMember& m, uint64_t max_size) {
  if (m.size > max_size)
    return make_error(ErrorCode::unsupported, "member '" + m.name + "' is " + std::to_string(m.size) +
                                                  " bytes, more than the " + std::to_string(max_size) + " allowed")
        .with_path(path_);
  std::vector<uint8_t> out;
  out.reserve(static_cast<size_t>(m.size));
  DataSink sink = [&](const uint8_t* d, size_t n) -> Status {
    out.insert(out.end(), d, d + n);
    return {};
  };
  FERRY_TRY(dg, digest_member(fd_.get(), entries_[m.index], 0, sink, path_));
  (void)dg;
  return out;
}

Result<std::vector<uint8_t>> ZipReader::head(const ZipMember& m, size_t n) {
  return member_head(fd_.get(), entries_[m.index], n, path_);
}

Result<Sha256> ZipReader::extract(const ZipMember& m, const std::string& dest) {
  UniqueFd file(::open(dest.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (m.mode & 0777) | 0600));
  if (!file) return make_error(ErrorCode::io, std::string("cannot create: ") + std::strerror(errno)).with_path(dest);
  const int fd = file.get();
  DataSink sink = [&](const uint8_t* d, size_t n) -> Status {
    while (n > 0) {
      ssize_t w = ::write(fd, d, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        return make_error(ErrorCode::io, std::string("write failed: ") + std::strerror(errno)).with_path(dest);
      }
      d += w;
      n -= static_cast<size_t>(w);
    }
    return {};
  };
  auto dg = digest_member(fd_.get(), entries_[m.index], 0, sink, path_);
  file.reset();
  if (!dg) return dg.error();
  return dg->sha;
}

Result<Sha256> ZipReader::hash(const ZipMember& m, std::vector<uint8_t>* head, size_t head_size) {
  FERRY_TRY(dg, digest_member(fd_.get(), entries_[m.index], head ? head_size : 0, {}, path_));
  if (head) *head = std::move(dg.head);
  return dg.sha;
}

Status check_members(const std::vector<ZipMember>& members, const std::string& wheel_path) {
  std::map<std::string, const ZipMember*> files, dirs;  // by normalised name, without a trailing '/'
  auto fail = [&](const ZipMember& m, const std::string& why) {
    const std::string& shown = m.stored_name.empty() ? m.name : m.stored_name;
    return make_error(ErrorCode::format, "unsafe member '" + shown + "': " + why).with_path(wheel_path);
  };
  for (auto& m : members) {
    std::string why;
    if (bad_component_name(m.stored_name.empty() ? m.name : m.stored_name, why)) return fail(m, why);
    if (m.name.empty() || m.name == "/") return fail(m, "an empty name once normalised");
    if (m.encrypted) return fail(m, "encrypted members are not allowed in a wheel");
    std::string key = m.name.back() == '/' ? m.name.substr(0, m.name.size() - 1) : m.name;
    const ZipMember* other = files.count(key) ? files[key] : dirs.count(key) ? dirs[key] : nullptr;
    if (other) {
      if (other->stored_name == m.stored_name || m.stored_name.empty()) return fail(m, "a second member with the same name");
      return fail(m, "the same file as member '" + other->stored_name + "' once the name is normalised to '" + key +
                         "' (as pip installs it)");
    }
    (m.is_dir ? dirs : files)[key] = &m;
  }
  // A file may not also be a directory of another member.
  for (auto& m : members) {
    for (size_t p = m.name.find('/'); p != std::string::npos && p + 1 < m.name.size(); p = m.name.find('/', p + 1))
      if (files.count(m.name.substr(0, p)))
        return fail(m, "its directory '" + m.name.substr(0, p) + "' is also a file member");
  }
  return {};
}

Status check_symlink_target(const std::string& member, const std::string& target, const std::string& wheel_path) {
  auto fail = [&](const std::string& why) {
    return make_error(ErrorCode::format, "unsafe symlink member '" + member + "' -> '" + target + "': " + why)
        .with_path(wheel_path);
  };
  if (target.empty()) return fail("an empty target");
  if (target[0] == '/') return fail("it points to an absolute path outside the wheel");
  std::vector<std::string> stack;
  size_t slash = member.rfind('/');
  std::string joined = (slash == std::string::npos ? "" : member.substr(0, slash + 1)) + target;
  for (const auto& comp : split_path(joined)) {
    if (comp == "..") {
      if (stack.empty()) return fail("it points outside the wheel");
      stack.pop_back();
    } else if (!comp.empty() && comp != ".") {
      stack.push_back(comp);
    }
  }
  return {};
}

}  // namespace ferry::wheel
