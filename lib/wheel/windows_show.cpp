// `ferry show` for Windows wheels: what would be vendored and from where, what is left to Windows or the
// interpreter and why, and what an earlier repair (delvewheel's or ferry's) already vendored into *.libs/.
#include <regex>

#include "wheel/windows_internal.hpp"

namespace ferry::wheel {

const char* to_string(DllKind k) {
  switch (k) {
    case DllKind::vendor: return "vendor";
    case DllKind::in_wheel: return "in-wheel";
    case DllKind::system: return "system";
    case DllKind::api_set: return "api-set";
    case DllKind::python: return "python";
    case DllKind::runtime: return "runtime";
    case DllKind::excluded: return "excluded";
    case DllKind::missing: return "missing";
  }
  return "?";
}

bool is_windows_wheel(const std::string& wheel_path) {
  static const std::regex win(R"((win32|win_amd64|win_arm64)(\.(win32|win_amd64|win_arm64))*\.whl$)");
  return std::regex_search(wheel_path, win);
}

Result<WindowsShow> show_windows_wheel(const std::string& wheel_path, const WindowsOptions& opts) {
  using namespace windows;
  FERRY_TRY(w, open_windows_wheel(wheel_path));
  WindowsShow s;
  s.wheel = wheel_path;
  s.platform = w.name.platform;
  s.abi = w.name.abi;
  s.arch = pe::machine_name(w.machine);
  for (auto& m : w.zip.members()) {
    if (m.name == w.dist_info + "/DELVEWHEEL")
      if (auto b = read_member_bytes(w, m, uint64_t{64} << 20)) {
        std::string t(b->begin(), b->end());
        s.repaired_by = t.substr(0, t.find('\n'));
      }
    size_t slash = m.name.find('/');
    if (slash != std::string::npos && m.name.substr(0, slash).ends_with(".libs") && lower(m.name).ends_with(".dll"))
      s.existing_libs.push_back(m.name);
  }
  FERRY_TRY(d, discover(w, opts));
  for (auto& img : d.images)
    if (img->root) s.pe_members.push_back(img->member);
  for (auto& [n, f] : d.findings) s.dlls.push_back(f);
  s.warnings = d.warnings;
  return s;
}

}  // namespace ferry::wheel
