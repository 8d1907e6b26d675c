// Reading wheels with libzip: member listing with Unix modes, safety checks, streaming extraction and hashing.
// A member is never held whole in memory except through ZipReader::read (bounded, for small metadata).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <string_view>

#include "wheel/wheel_zip.hpp"
#include "support/text.hpp"

namespace ferry::wheel {

namespace {

zip_t* Z(void* p) { return static_cast<zip_t*>(p); }

Error zip_error(const std::string& path, const std::string& what, zip_t* za) {
  return make_error(ErrorCode::format, what + ": " + zip_strerror(za)).with_path(path);
}

// Calls sink(data, n) for each chunk of the member's uncompressed content.
template <class Sink>
Status stream_member(zip_t* za, const std::string& wheel, const ZipMember& m, uint64_t limit, Sink&& sink) {
  zip_file_t* f = zip_fopen_index(za, m.index, 0);
  if (!f) return zip_error(wheel, "member '" + m.name + "': cannot open", za);
  std::vector<uint8_t> buf(1 << 18);
  uint64_t total = 0;
  for (;;) {
    zip_int64_t n = zip_fread(f, buf.data(), buf.size());
    if (n < 0) {
      Error e = make_error(ErrorCode::format, "member '" + m.name + "': " + zip_file_strerror(f)).with_path(wheel);
      zip_fclose(f);
      return e;
    }
    if (n == 0) break;
    total += static_cast<uint64_t>(n);
    if (total > limit) break;
    if (Status s = sink(buf.data(), static_cast<size_t>(n)); !s) {
      zip_fclose(f);
      return s;
    }
  }
  zip_fclose(f);
  return {};
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
ZipReader::ZipReader(ZipReader&& o) noexcept : path_(std::move(o.path_)), za_(o.za_), members_(std::move(o.members_)) {
  o.za_ = nullptr;
}
ZipReader& ZipReader::operator=(ZipReader&& o) noexcept {
  if (this != &o) {
    if (za_) zip_discard(Z(za_));
    path_ = std::move(o.path_);
    za_ = o.za_;
    members_ = std::move(o.members_);
    o.za_ = nullptr;
  }
  return *this;
}
ZipReader::~ZipReader() {
  if (za_) zip_discard(Z(za_));
}

Result<ZipReader> ZipReader::open(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return make_error(ErrorCode::io, std::string("cannot open: ") + std::strerror(errno)).with_path(path);
  if (!S_ISREG(st.st_mode)) return make_error(ErrorCode::io, "not a regular file").with_path(path);
  int err = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err);
  if (!za) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, err);
    // libzip refuses a central directory naming a member twice (ZIP_ER_EXISTS) before listing anything.
    std::string msg = err == ZIP_ER_EXISTS
                          ? std::string("unsafe archive: two members have the same name (duplicate entries)")
                          : std::string("not a readable zip archive: ") + zip_error_strerror(&ze);
    zip_error_fini(&ze);
    return make_error(ErrorCode::format, msg).with_path(path);
  }
  ZipReader r;
  r.path_ = path;
  r.za_ = za;
  zip_int64_t n = zip_get_num_entries(za, 0);
  r.members_.reserve(static_cast<size_t>(n));
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t zs;
    if (zip_stat_index(za, static_cast<zip_uint64_t>(i), 0, &zs) != 0)
      return zip_error(path, "member #" + std::to_string(i), za);
    ZipMember m;
    m.index = static_cast<uint64_t>(i);
    m.stored_name = zs.name ? zs.name : "";
    m.name = normalize_member_name(m.stored_name);
    m.size = zs.size;
    m.comp_size = zs.comp_size;
    m.method = static_cast<uint16_t>(zs.comp_method);
    m.encrypted = zs.encryption_method != ZIP_EM_NONE;
    m.mtime = zs.mtime;
    zip_uint8_t opsys = 0;
    zip_uint32_t attr = 0;
    m.is_dir = !m.stored_name.empty() && m.stored_name.back() == '/';
    if (zip_file_get_external_attributes(za, m.index, 0, &opsys, &attr) == 0 && opsys == ZIP_OPSYS_UNIX &&
        (attr >> 16) != 0)
      m.mode = attr >> 16;
    if ((m.mode & S_IFMT) == 0) m.mode |= m.is_dir ? S_IFDIR : S_IFREG;
    if ((m.mode & 07777) == 0) m.mode |= m.is_dir ? 0755 : 0644;
    m.is_symlink = S_ISLNK(m.mode);
    if (S_ISDIR(m.mode)) m.is_dir = true;
    r.members_.push_back(std::move(m));
  }
  return r;
}

Result<std::vector<uint8_t>> ZipReader::read(const ZipMember& m, uint64_t max_size) {
  if (m.size > max_size)
    return make_error(ErrorCode::unsupported, "member '" + m.name + "' is " + std::to_string(m.size) +
                                                  " bytes, more than the " + std::to_string(max_size) + " allowed")
        .with_path(path_);
  std::vector<uint8_t> out;
  out.reserve(static_cast<size_t>(m.size));
  FERRY_CHECK(stream_member(Z(za_), path_, m, max_size, [&](const uint8_t* d, size_t n) -> Status {
    out.insert(out.end(), d, d + n);
    return {};
  }));
  if (out.size() != m.size)
    return make_error(ErrorCode::format, "member '" + m.name + "': " + std::to_string(out.size()) +
                                             " bytes inflated, the directory says " + std::to_string(m.size))
        .with_path(path_);
  return out;
}

Result<std::vector<uint8_t>> ZipReader::head(const ZipMember& m, size_t n) {
  std::vector<uint8_t> out(n);
  zip_file_t* f = zip_fopen_index(Z(za_), m.index, 0);
  if (!f) return zip_error(path_, "member '" + m.name + "': cannot open", Z(za_));
  size_t got = 0;
  while (got < n) {
    zip_int64_t r = zip_fread(f, out.data() + got, n - got);
    if (r < 0) {
      Error e = make_error(ErrorCode::format, "member '" + m.name + "': " + zip_file_strerror(f)).with_path(path_);
      zip_fclose(f);
      return e;
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  zip_fclose(f);
  out.resize(got);
  return out;
}

Result<Sha256> ZipReader::extract(const ZipMember& m, const std::string& dest) {
  int fd = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (m.mode & 0777) | 0600);
  if (fd < 0) return make_error(ErrorCode::io, std::string("cannot create: ") + std::strerror(errno)).with_path(dest);
  Sha256Stream h;
  uint64_t total = 0;
  Status s = stream_member(Z(za_), path_, m, UINT64_MAX, [&](const uint8_t* d, size_t n) -> Status {
    h.update({d, n});
    total += n;
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
  });
  ::close(fd);
  if (!s) return s.error();
  if (total != m.size)
    return make_error(ErrorCode::format, "member '" + m.name + "': " + std::to_string(total) +
                                             " bytes inflated, the directory says " + std::to_string(m.size))
        .with_path(path_);
  return h.finish();
}

Result<Sha256> ZipReader::hash(const ZipMember& m, std::vector<uint8_t>* head, size_t head_size) {
  Sha256Stream h;
  uint64_t total = 0;
  if (head) head->clear();
  FERRY_CHECK(stream_member(Z(za_), path_, m, UINT64_MAX, [&](const uint8_t* d, size_t n) -> Status {
    h.update({d, n});
    if (head && head->size() < head_size) head->insert(head->end(), d, d + std::min(n, head_size - head->size()));
    total += n;
    return {};
  }));
  if (total != m.size)
    return make_error(ErrorCode::format, "member '" + m.name + "': " + std::to_string(total) +
                                             " bytes inflated, the directory says " + std::to_string(m.size))
        .with_path(path_);
  return h.finish();
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
