// Fix hints: older versions from a symbol catalog, and the cause/remedy table of compat.md.
#include "policy/fix_hints.hpp"

#include <algorithm>
#include <optional>
#include <set>

namespace ferry::policy {
namespace {

bool version_less(const std::string& a, const std::string& b) {
  auto va = split_version_name(a), vb = split_version_name(b);
  if (va && vb && va->ns == vb->ns) {
    auto na = Version::parse(va->suffix), nb = Version::parse(vb->suffix);
    if (na && nb) return *na < *nb;
    if (na != nb) return bool(na);  // numeric before special
  }
  return a < b;
}


const std::set<std::string>& libm_rewritten() {
  // libm functions given new, faster versions (glibc 2.27: the f variants; 2.29: exp/log/pow and friends).
  static const std::set<std::string> s = {"exp",  "exp2",  "log",  "log2",  "pow",  "expf",   "exp2f", "logf",
                                          "log2f", "powf", "sinf", "cosf",  "sincosf", "lgamma", "lgammaf",
                                          "lgammal", "exp10", "log10f"};
  return s;
}
const std::set<std::string>& lfs_symbols() {
  static const std::set<std::string> s = {"fcntl64", "glob64", "globfree64", "fopen64", "open64", "openat64",
                                          "lseek64", "pread64", "pwrite64", "mmap64", "fstat64", "stat64",
                                          "lstat64", "fstatat64", "readdir64", "ftruncate64", "truncate64",
                                          "statfs64", "fstatfs64", "getrlimit64", "setrlimit64", "sendfile64",
                                          "posix_fallocate64", "fseeko64", "ftello64", "mkstemp64", "creat64"};
  return s;
}
const std::set<std::string>& stat_family() {
  static const std::set<std::string> s = {"stat", "fstat", "lstat", "fstatat", "mknod", "mknodat",
                                          "stat64", "fstat64", "lstat64", "fstatat64"};
  return s;
}

void fill(Issue& issue, const Target& target, const SymbolCatalog& catalog) {
  FixHint& h = issue.hint;
  auto vn = split_version_name(issue.version);
  const std::string& sym = issue.symbol;
  std::string pin;  // newest older version the target allows
  if (!sym.empty() && !catalog.empty()) {
    for (const auto& v : catalog.versions_of(issue.library, sym)) {
      if (!version_less(v, issue.version)) continue;
      h.older_versions.push_back(v);
      auto ov = split_version_name(v);
      if (!ov) continue;
      auto rule = target.versions.find(ov->ns);
      bool allowed = rule == target.versions.end() ? issue.kind == IssueKind::missing_version
                                                   : rule->second.allows(ov->suffix);
      if (allowed) pin = v;
    }
  }
  std::string ns = vn ? vn->ns : "";
  std::string symver = pin.empty() ? "" : "__asm__(\".symver " + sym + "," + sym + "@" + pin + "\")";
  if (sym == "__libc_start_main") {
    h.cause = "crt1.o of glibc >= 2.34: every program linked there needs it";
    h.remedy = "build in an older container or against an older sysroot (pinning needs -nostartfiles and an own _start)";
  } else if (issue.version == "GLIBC_ABI_DT_RELR") {
    h.cause = "-z pack-relative-relocs (DT_RELR)";
    h.remedy = "link without -Wl,-z,pack-relative-relocs";
  } else if (ns == "GLIBCXX" || ns == "CXXABI") {
    h.cause = "a libstdc++ newer than the target's (g++ newer than the target's toolchain)";
    h.remedy = "link with -static-libstdc++ -static-libgcc, or build with the target's toolchain (devtoolset)";
  } else if (ns == "GCC") {
    h.cause = "a libgcc_s newer than the target's";
    h.remedy = "link with -static-libgcc, or build with the target's toolchain";
  } else if (sym.ends_with("_finite")) {
    h.cause = "-ffast-math (finite-math-only entry points)";
    h.remedy = "drop -ffast-math (or add -fno-finite-math-only), or build on the target";
  } else if (sym.starts_with("__") && sym.ends_with("_chk")) {
    h.cause = "_FORTIFY_SOURCE (checked variants of libc functions)";
    h.remedy = "lower -D_FORTIFY_SOURCE, or build on the target";
  } else if (lfs_symbols().count(sym)) {
    h.cause = "_FILE_OFFSET_BITS=64 with new glibc headers";
    h.remedy = symver.empty() ? "build with older headers (an older container)" : symver + ", or build with older headers";
  } else if (stat_family().count(sym)) {
    h.cause = "glibc >= 2.33 headers (older ones called __xstat and friends)";
    h.remedy = "build on an older glibc (the symbol did not exist as such before)";
  } else if (libm_rewritten().count(sym) && !pin.empty()) {
    h.cause = "libm's new symbol versions (faster implementations)";
    h.remedy = symver;
  } else if (!pin.empty()) {
    h.cause = "built against " + (vn ? vn->ns + " " + vn->suffix : issue.version) + " or newer, which made " + sym +
              "@" + issue.version + " the default";
    h.remedy = symver + " before the first use, or build on the target";
  } else if (!sym.empty()) {
    h.cause = sym + " does not exist before " + issue.version;
    h.remedy = "avoid " + sym + " (or look it up at run time with dlsym), or raise the target";
  }
  if (!pin.empty() && h.remedy.find(".symver") == std::string::npos && ns == "GLIBC" && sym != "__libc_start_main")
    h.remedy += "; or " + symver;
}

}  // namespace

void SymbolCatalog::add_library(const std::string& soname, const elf::ElfInfo& lib) {
  auto& table = defs_[soname];
  for (const auto& s : lib.dynamic_symbols) {
    if (!s.defined || s.version.empty()) continue;
    auto& vs = table[s.name];
    if (std::find(vs.begin(), vs.end(), s.version) == vs.end()) vs.push_back(s.version);
  }
  for (auto& [name, vs] : table) std::sort(vs.begin(), vs.end(), version_less);
  sources_.push_back(lib.path);
}

std::vector<std::string> SymbolCatalog::versions_of(const std::string& soname, const std::string& symbol) const {
  for (const std::string& lib : {soname, std::string("libc.so.6")}) {
    auto t = defs_.find(lib);
    if (t == defs_.end()) continue;
    auto s = t->second.find(symbol);
    if (s != t->second.end()) return s->second;
  }
  return {};
}

std::vector<std::string> library_dirs(const std::string& root, const std::string& arch) {
  std::string triplet = arch == "i686" ? "i386-linux-gnu" : arch == "armv7l" ? "arm-linux-gnueabihf"
                        : arch == "ppc64le"                ? "powerpc64le-linux-gnu"
                                                           : arch + "-linux-gnu";
  std::vector<std::string> dirs = {"/lib/" + triplet, "/usr/lib/" + triplet};
  if (arch == "i686") dirs.insert(dirs.end(), {"/lib32", "/usr/lib32", "/lib", "/usr/lib"});
  else dirs.insert(dirs.end(), {"/lib64", "/usr/lib64", "/lib", "/usr/lib"});
  if (root.empty()) dirs.push_back("/usr/" + triplet + "/lib");  // Debian's cross toolchains
  return dirs;
}

std::optional<elf::ElfInfo> find_root_library(const std::string& root_in, const std::string& arch,
                                              const std::string& soname) {
  std::string root = root_in == "/" ? "" : root_in;
  while (!root.empty() && root.back() == '/') root.pop_back();
  for (const auto& d : library_dirs(root, arch)) {
    auto info = elf::read_elf_file(root + d + "/" + soname);
    if (info && arch_of(*info) == arch) return std::move(*info);
  }
  return std::nullopt;
}

SymbolCatalog load_symbol_catalog(const std::string& root, const std::string& arch) {
  SymbolCatalog cat;
  for (const char* soname : {"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1",
                             "libstdc++.so.6", "libgcc_s.so.1"}) {
    if (auto info = find_root_library(root, arch, soname)) cat.add_library(soname, *info);
  }
  return cat;
}

void add_fix_hints(TargetVerdict& verdict, const Target& target, const SymbolCatalog& catalog) {
  for (auto& issue : verdict.issues)
    if (issue.kind == IssueKind::symbol_version || issue.kind == IssueKind::missing_version) fill(issue, target, catalog);
}

}  // namespace ferry::policy
