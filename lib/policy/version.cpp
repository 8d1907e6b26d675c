// Version names and the namespace rules that decide whether a target allows one.
// Namespaces split at the first '_' as auditwheel does ("GLIBC_ABI_DT_RELR" is GLIBC's "ABI_DT_RELR").
#include <algorithm>
#include <cctype>

#include "policy/policy.hpp"

namespace ferry::policy {

std::optional<Version> Version::parse(const std::string& s) {
  if (s.empty()) return std::nullopt;
  Version v;
  uint64_t cur = 0;
  bool digit = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      cur = cur * 10 + static_cast<uint64_t>(c - '0');
      if (cur > UINT32_MAX) return std::nullopt;
      digit = true;
    } else if (c == '.') {
      if (!digit) return std::nullopt;
      v.parts.push_back(static_cast<uint32_t>(cur));
      cur = 0;
      digit = false;
    } else {
      return std::nullopt;
    }
  }
  if (!digit) return std::nullopt;
  v.parts.push_back(static_cast<uint32_t>(cur));
  return v;
}

std::string Version::str() const {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += '.';
    out += std::to_string(parts[i]);
  }
  return out;
}

bool operator<(const Version& a, const Version& b) {
  size_t n = std::max(a.parts.size(), b.parts.size());
  for (size_t i = 0; i < n; ++i) {
    uint32_t x = i < a.parts.size() ? a.parts[i] : 0, y = i < b.parts.size() ? b.parts[i] : 0;
    if (x != y) return x < y;
  }
  return false;
}
bool operator==(const Version& a, const Version& b) { return !(a < b) && !(b < a); }

std::optional<VersionName> split_version_name(const std::string& full) {
  auto us = full.find('_');
  if (us == std::string::npos || us == 0 || us + 1 == full.size()) return std::nullopt;
  return VersionName{full.substr(0, us), full.substr(us + 1)};
}

NamespaceRule NamespaceRule::exact_set(const std::vector<std::string>& versions) {
  NamespaceRule r;
  r.exact = true;
  for (const auto& v : versions) {
    r.allowed.insert(v);
    if (auto n = Version::parse(v); n && (!r.ceiling || *r.ceiling < *n)) r.ceiling = n;
  }
  return r;
}

bool NamespaceRule::allows(const std::string& suffix) const {
  if (exact) return allowed.count(suffix) != 0;
  if (auto v = Version::parse(suffix)) return ceiling && *v <= *ceiling;
  return special.count(suffix) != 0;
}

const char* to_string(Family f) {
  switch (f) {
    case Family::manylinux: return "manylinux";
    case Family::musllinux: return "musllinux";
    case Family::distro: return "distro";
    case Family::vfx: return "vfx";
    case Family::custom: return "custom";
  }
  return "?";
}

const char* to_string(IssueKind k) {
  switch (k) {
    case IssueKind::symbol_version: return "symbol-version";
    case IssueKind::missing_version: return "missing-version";
    case IssueKind::external_library: return "external-library";
    case IssueKind::missing_library: return "missing-library";
    case IssueKind::blacklisted_symbol: return "blacklisted-symbol";
    case IssueKind::loader_feature: return "loader-feature";
    case IssueKind::kernel: return "kernel";
    case IssueKind::isa_level: return "isa-level";
    case IssueKind::libc_family: return "libc-family";
    case IssueKind::architecture: return "architecture";
    case IssueKind::cxx11_abi: return "cxx11-abi";
    case IssueKind::python_version: return "python-version";
  }
  return "?";
}

const char* to_string(Severity s) { return s == Severity::error ? "error" : "warning"; }

std::string Target::tag() const {
  std::string t = name;
  for (char& c : t)
    if (c == '-' || c == '.') c = '_';
  return t + "_" + arch;
}

namespace {

// musl's libc is whitelisted as "libc.so", but extensions link to the architecture's name for it
// (libc.musl-x86_64.so.1). The names are auditwheel's (policy._fixup_musl_libc_soname).
std::string musl_libc_soname(const std::string& arch) {
  if (arch == "i686") return "libc.musl-x86.so.1";
  if (arch == "armv7l") return "libc.musl-armv7.so.1";
  return "libc.musl-" + arch + ".so.1";
}

}  // namespace

bool Target::whitelisted(const std::string& soname) const {
  auto listed = [&](const std::string& n) {
    return std::find(lib_whitelist.begin(), lib_whitelist.end(), n) != lib_whitelist.end();
  };
  if (listed(soname)) return true;
  return libc == Libc::musl && !arch.empty() && soname == musl_libc_soname(arch) && listed("libc.so");
}

std::optional<std::string> Requirements::libc_version() const {
  for (const auto& r : highest)
    if (r.ns == "GLIBC") return split_version_name(r.version)->suffix;
  return std::nullopt;
}

}  // namespace ferry::policy
