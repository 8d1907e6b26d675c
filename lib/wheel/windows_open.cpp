// Opening a Windows wheel for show/repair: name and platform tag, member safety checks, the one .dist-info
// with its RECORD, and a case-insensitive map of the wheel's files (Windows finds DLLs regardless of case).
#include <fcntl.h>
#include <unistd.h>

#include "wheel/deflate.hpp"
#include "wheel/windows_internal.hpp"

namespace ferry::wheel::windows {

namespace {

uint16_t machine_of(const std::vector<std::string>& plats) {
  uint16_t m = 0;
  for (auto& p : plats) {
    uint16_t x = p == "win32" ? kMachineI386 : p == "win_amd64" ? kMachineAmd64 : p == "win_arm64" ? kMachineArm64 : 0;
    if (x == 0 || (m != 0 && m != x)) return 0;
    m = x;
  }
  return m;
}

}  // namespace

Result<Wheel> open_windows_wheel(const std::string& wheel_path) {
  Wheel w;
  w.path = wheel_path;
  FERRY_TRY(name, parse_wheel_name(wheel_path));
  w.name = std::move(name);
  w.abi = w.name.abi;
  w.machine = machine_of(w.name.platform_tags);
  if (w.machine == 0)
    return make_error(ErrorCode::usage, "platform tag " + w.name.platform + " is not one Windows architecture")
        .with_path(wheel_path);
  FERRY_TRY(zip, ZipReader::open(wheel_path));
  w.zip = std::move(zip);
  FERRY_CHECK(check_members(w.zip.members(), wheel_path));
  FERRY_TRY(raw, read_central_directory(wheel_path));
  if (raw.size() != w.zip.members().size())
    return make_error(ErrorCode::format, "libzip lists " + std::to_string(w.zip.members().size()) +
                                             " members, the central directory " + std::to_string(raw.size()))
        .with_path(wheel_path);
  w.raw = std::move(raw);
  int fd = ::open(wheel_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::io, "cannot reopen the wheel").with_path(wheel_path);
  w.fd = std::shared_ptr<const int>(new int(fd), [](const int* p) { ::close(*p), delete p; });
  for (auto& m : w.zip.members()) {
    size_t slash = m.name.find('/');
    if (slash != std::string::npos && m.name.compare(0, slash, "") != 0 && m.name.substr(0, slash).ends_with(".dist-info")) {
      if (!w.dist_info.empty() && w.dist_info != m.name.substr(0, slash))
        return make_error(ErrorCode::format, "the wheel has more than one .dist-info directory").with_path(wheel_path);
      w.dist_info = m.name.substr(0, slash);
    }
    if (!m.is_dir) {
      size_t s = m.name.find_last_of('/');
      w.casemap[lower(s == std::string::npos ? m.name : m.name.substr(s + 1))].push_back(m.name);
    }
  }
  if (w.dist_info.empty()) return make_error(ErrorCode::format, "the wheel has no .dist-info directory").with_path(wheel_path);
  for (auto& m : w.zip.members())
    if (m.name == w.dist_info + "/RECORD") {
      FERRY_TRY(bytes, read_member_bytes(w, m, uint64_t{64} << 20));
      FERRY_TRY(rec, parse_record(std::string(bytes.begin(), bytes.end()), wheel_path + "!" + m.name));
      w.record = std::move(rec);
      return w;
    }
  return make_error(ErrorCode::format, w.dist_info + " has no RECORD").with_path(wheel_path);
}

Result<std::vector<uint8_t>> read_member_bytes(const Wheel& w, const ZipMember& m, uint64_t max_size) {
  if (m.index >= w.raw.size() || !w.fd) return make_error(ErrorCode::format, "member '" + m.name + "' is not in the central directory").with_path(w.path);
  return read_member(*w.fd, w.raw[m.index], max_size, w.path);
}

}  // namespace ferry::wheel::windows
