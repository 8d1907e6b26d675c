// The built-in targets, made once from the compact tables (builtin_manylinux.cpp, generated from auditwheel's
// policy data; builtin_distros.cpp, hand-written), and lookup by name, alias or platform tag.
#include <algorithm>
#include <cctype>
#include <sstream>

#include "policy/builtin_tables.hpp"
#include "policy/policy.hpp"

namespace ferry::policy {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::map<std::string, NamespaceRule> parse_exact(const std::string& spec) {
  std::map<std::string, NamespaceRule> out;
  for (const auto& part : split(spec, '|')) {
    auto eq = part.find('=');
    if (eq == std::string::npos) continue;
    out[part.substr(0, eq)] = NamespaceRule::exact_set(split(part.substr(eq + 1), ' '));
  }
  return out;
}

// glibc's own libraries: what every glibc system provides (the distro targets' whitelist).
std::vector<std::string> glibc_base_libraries(const Version& glibc) {
  std::vector<std::string> libs = {"libc.so.6",       "libm.so.6",     "libdl.so.2",    "librt.so.1",
                                   "libpthread.so.0", "libutil.so.1",  "libresolv.so.2", "libanl.so.1",
                                   "libgcc_s.so.1",   "libstdc++.so.6", "libz.so.1"};
  if (glibc < *Version::parse("2.28")) libs.push_back("libnsl.so.1");  // moved to libnsl2 / optional later
  if (!(glibc < *Version::parse("2.22"))) libs.push_back("libmvec.so.1");
  if (glibc < *Version::parse("2.39")) libs.push_back("libcrypt.so.1");
  return libs;
}

Version kernel_for_manylinux(const Version& glibc) {
  // The policies' reference distributions (compat.md); glibc >= 2.26 needs Linux >= 3.2 on every arch.
  static const std::vector<std::pair<const char*, const char*>> known = {
      {"2.5", "2.6.18"}, {"2.12", "2.6.32"}, {"2.17", "3.10"}, {"2.28", "4.18"}, {"2.34", "5.14"}};
  for (auto& [g, k] : known)
    if (glibc == *Version::parse(g)) return *Version::parse(k);
  if (glibc < *Version::parse("2.26")) return *Version::parse("2.6.32");
  return *Version::parse("3.2");
}

Target distro_target(const tables::DistroRow& row, const std::string& arch) {
  Target t;
  t.name = row.name;
  t.aliases = split(row.aliases, ' ');
  t.description = row.description;
  t.family = Family::distro;
  t.arch = arch;
  t.libc_version = *Version::parse(row.glibc);
  t.kernel = *Version::parse(row.kernel);
  auto ceiling = [](const char* v) {
    NamespaceRule r;
    r.ceiling = Version::parse(v);
    return r;
  };
  t.versions["GLIBC"] = ceiling(row.glibc);
  t.versions["GLIBCXX"] = ceiling(row.glibcxx);
  t.versions["CXXABI"] = ceiling(row.cxxabi);
  t.versions["GCC"] = ceiling(row.gcc);
  for (const auto& full : split(row.special, ' '))
    if (auto vn = split_version_name(full)) t.versions[vn->ns].special.insert(vn->suffix);
  t.lib_whitelist = glibc_base_libraries(t.libc_version);
  t.max_x86_isa_level = (arch == "x86_64") ? row.x86_isa_level : 1;
  return t;
}

// The soname of a Python's shared library: the host application (Maya, Houdini, Nuke, ...) provides it.
std::string libpython_soname(const std::string& python) {
  if (python == "3.7") return "libpython3.7m.so.1.0";  // the pymalloc 'm' ABI flag was dropped in 3.8
  return "libpython" + python + ".so.1.0";
}

// A VFX Reference Platform year: its base distro's ceilings for x86_64 (the platform's Linux architecture),
// plus the libstdc++ ABI and Python rules, with the year's libpython on the whitelist.
Target vfx_target(const tables::VfxRow& row) {
  const tables::DistroRow* base = nullptr;
  for (const auto& d : tables::distro_rows())
    if (std::string(d.name) == row.base) base = &d;
  Target t = distro_target(*base, "x86_64");
  t.name = row.name;
  t.aliases = split(row.aliases, ' ');
  t.family = Family::vfx;
  t.old_cxx_abi = row.old_cxx_abi;
  t.python = row.python;
  t.lib_whitelist.push_back(libpython_soname(t.python));
  std::string year = t.name.substr(3);
  t.description = "VFX Reference Platform CY" + year + ": " + base->description + " libraries; gcc " + row.gcc +
                  ", C++" + row.cxx + ", Python " + row.python + ", " +
                  (row.old_cxx_abi ? "old libstdc++ ABI" : "new libstdc++ ABI");
  return t;
}

std::vector<Target> make_builtin() {
  std::vector<Target> out;
  for (const auto& row : tables::manylinux_rows()) {
    std::string name = row.name;
    bool musl = name.starts_with("musllinux");
    for (const auto& av : row.archs) {
      Target t;
      t.name = name;
      t.aliases = split(row.aliases, ' ');
      t.family = musl ? Family::musllinux : Family::manylinux;
      t.arch = av.arch;
      t.libc = musl ? Libc::musl : Libc::glibc;
      // manylinux_X_Y / musllinux_X_Y: the libc version is in the name (PEP 600 / 656).
      auto parts = split(name, '_');
      if (parts.size() == 3) t.libc_version = *Version::parse(parts[1] + "." + parts[2]);
      t.kernel = musl ? *Version::parse("2.6.39") : kernel_for_manylinux(t.libc_version);
      t.priority = row.priority;
      t.versions = parse_exact(av.spec);
      t.lib_whitelist = split(row.whitelist, ' ');
      for (const auto& entry : split(row.blacklist, ';')) {
        auto colon = entry.find(':');
        if (colon == std::string::npos) continue;
        t.blacklist[entry.substr(0, colon)] = split(entry.substr(colon + 1), ' ');
      }
      std::ostringstream d;
      if (musl)
        d << "musl " << t.libc_version.str() << " (PEP 656)";
      else
        d << "glibc " << t.libc_version.str() << " (PEP 600" << (t.aliases.empty() ? "" : ", " + t.aliases[0])
          << ")";
      t.description = d.str();
      out.push_back(std::move(t));
    }
  }
  for (const auto& row : tables::distro_rows())
    for (const auto& arch : split(row.archs, ' ')) out.push_back(distro_target(row, arch));
  for (const auto& row : tables::vfx_rows()) out.push_back(vfx_target(row));
  return out;
}

std::string normalize(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != '-' && c != '_' && c != '.') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const char* const kArchs[] = {"x86_64", "i686", "aarch64", "armv7l", "ppc64le", "ppc64", "s390x", "riscv64",
                              "loongarch64"};

}  // namespace

const std::vector<Target>& builtin_targets() {
  // Never destroyed: freeing every target's symbol-version maps at exit was 3% of a one-wheel `ferry show`.
  static const std::vector<Target>& targets = *new std::vector<Target>(make_builtin());
  return targets;
}

std::vector<const Target*> targets_for_arch(const std::string& arch) {
  std::vector<const Target*> out;
  for (const auto& t : builtin_targets())
    if (arch.empty() || t.arch == arch) out.push_back(&t);
  return out;
}

std::string arch_of(const elf::ElfInfo& info) {
  switch (info.machine) {
    case elf::em::x86_64: return "x86_64";
    case elf::em::intel386: return "i686";
    case elf::em::aarch64: return "aarch64";
    case elf::em::arm: return "armv7l";
    case elf::em::ppc64: return info.endian == Endian::little ? "ppc64le" : "ppc64";
    case elf::em::s390: return "s390x";
    case elf::em::riscv: return "riscv64";
    case elf::em::loongarch: return "loongarch64";
    default: return info.machine_name.empty() ? "unknown" : info.machine_name;
  }
}

Result<const Target*> find_target(const std::string& name_in, const std::string& arch_in) {
  std::string name = name_in, arch = arch_in.empty() ? "x86_64" : arch_in;
  for (const char* a : kArchs) {
    std::string suffix = std::string("_") + a;
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      name = name.substr(0, name.size() - suffix.size());
      arch = a;
      break;
    }
  }
  std::string want = normalize(name);
  bool name_known = false;
  for (const auto& t : builtin_targets()) {
    bool match = normalize(t.name) == want;
    for (const auto& a : t.aliases) match = match || normalize(a) == want;
    if (!match) continue;
    name_known = true;
    if (t.arch == arch) return &t;
  }
  if (name_known) {
    std::string archs;
    for (const auto& t : builtin_targets()) {
      bool match = normalize(t.name) == want;
      for (const auto& a : t.aliases) match = match || normalize(a) == want;
      if (match) archs += (archs.empty() ? "" : ", ") + t.arch;
    }
    return make_error(ErrorCode::not_found,
                      "target '" + name_in + "' has no " + arch + " variant (architectures: " + archs + ")");
  }
  std::string close;
  std::string prefix = want.substr(0, std::min<size_t>(want.size(), 4));
  std::set<std::string> seen;
  for (const auto& t : builtin_targets())
    if (normalize(t.name).starts_with(prefix) && seen.insert(t.name).second) close += (close.empty() ? "" : ", ") + t.name;
  return make_error(ErrorCode::not_found, "unknown target '" + name_in + "'" +
                                              (close.empty() ? "" : " (known: " + close + ")") +
                                              "; see ferry check --list-targets");
}

}  // namespace ferry::policy
