// delvewheel's mangled names: <stem>-<hash><ext>, where hash is the first 32 hex digits of SHA-256 over, for
// each mangled direct dependency in import order, its hash and a NUL byte, then the DLL's original bytes.
// Dependencies are hashed first, so two projects vendoring the same DLL chain get the same names.
#include <functional>

#include "support/hash.hpp"
#include "wheel/windows_internal.hpp"

namespace ferry::wheel::windows {

namespace {

bool mangled(const DllFinding& f, const Discovery& d, const WindowsOptions& opts) {
  return is_vendored(f, opts) && !opts.no_mangle_all && !wildcard_contains(f.name, opts.no_mangle) &&
         !d.keep_names.count(f.name);
}

}  // namespace

std::vector<std::string> mangleable_needed(const Image& img, const Discovery& d, const WindowsOptions& opts) {
  std::vector<std::string> out;
  for (auto& n : img.direct)
    if (n == img.lower_name) continue;  // a DLL naming itself is already loaded: no edge
    else if (auto it = d.findings.find(n); it != d.findings.end() && mangled(it->second, d, opts)) out.push_back(n);
  return out;
}

Result<std::map<std::string, std::string>> mangle_names(const Discovery& d, const WindowsOptions& opts) {
  std::map<std::string, std::string> hash_of, name_of;
  std::set<std::string> visiting;
  std::function<Status(const std::string&)> visit = [&](const std::string& n) -> Status {
    if (hash_of.count(n)) return {};
    if (!visiting.insert(n).second)
      return make_error(ErrorCode::unsupported, "DLL dependency cycle through " + n + ": mangled names need an order "
                                                "(use --no-mangle " + n + ")");
    const Image& img = *d.by_name.at(n);
    Sha256Stream h;  // streamed: the DLL's bytes are not copied behind its dependencies' hashes
    for (auto& dep : mangleable_needed(img, d, opts)) {
      FERRY_CHECK(visit(dep));
      const std::string& dh = hash_of[dep];
      h.update({reinterpret_cast<const uint8_t*>(dh.data()), dh.size()});
      const uint8_t nul = 0;
      h.update({&nul, 1});
    }
    h.update(img.bytes);
    hash_of[n] = to_hex(h.finish()).substr(0, 32);
    size_t dot = img.base_name.find_last_of('.');
    std::string stem = dot == std::string::npos || dot == 0 ? img.base_name : img.base_name.substr(0, dot);
    std::string ext = dot == std::string::npos || dot == 0 ? "" : img.base_name.substr(dot);
    name_of[n] = stem + "-" + hash_of[n] + ext;
    visiting.erase(n);
    return {};
  };
  for (auto& [n, f] : d.findings)
    if (mangled(f, d, opts) && d.by_name.count(n)) FERRY_CHECK(visit(n));
  return name_of;
}

}  // namespace ferry::wheel::windows
