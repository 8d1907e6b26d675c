// evaluate(file, target): the verdict of one ELF against one target, pure. Checks follow compat.md:
// symbol versions against the target's namespace rules (auditwheel's semantics: namespaces the target does not
// list are not checked), libraries against the whitelist, blacklisted imports, x86-64 ISA level, and loader
// feature floors (DT_RELR, GNU hash only, IFUNC/unique, PHDR outside the first PT_LOAD, exec stack, ABI tag).
#include <algorithm>
#include <cctype>
#include <tuple>

#include "policy/policy.hpp"

namespace ferry::policy {
namespace {

bool is_loader_name(const std::string& n) {
  return n.starts_with("ld-linux") || n.starts_with("ld64.so") || n.starts_with("ld-musl-") ||
         n.starts_with("ld.so") || n.starts_with("ld-2.");
}

// Which libc an ELF was linked against: by DT_NEEDED names and the program interpreter.
std::optional<Libc> libc_of(const elf::ElfInfo& info) {
  auto musl = [](const std::string& s) { return s.find("musl") != std::string::npos; };
  if (info.interpreter) {
    if (musl(*info.interpreter)) return Libc::musl;
    if (info.interpreter->find("ld-linux") != std::string::npos || info.interpreter->find("ld64.so") != std::string::npos)
      return Libc::glibc;
  }
  for (const auto& n : info.needed) {
    if (n == "libc.so.6") return Libc::glibc;
    if (n == "libc.so" || musl(n)) return Libc::musl;
  }
  return std::nullopt;
}

Version v(const char* s) { return *Version::parse(s); }

std::string ceiling_text(const NamespaceRule& rule) {
  if (rule.ceiling) return rule.ceiling->str();
  return "none";
}

// Highest bit of GNU_PROPERTY_X86_ISA_1_NEEDED as a level: 1 = baseline, 2 = v2, 3 = v3, 4 = v4.
uint32_t isa_level(uint32_t mask) {
  uint32_t level = 0;
  for (uint32_t bit = 0; bit < 32; ++bit)
    if (mask & (1u << bit)) level = bit + 1;
  return level;
}

void add(TargetVerdict& out, IssueKind kind, Severity sev, std::string message) {
  Issue i;
  i.kind = kind;
  i.severity = sev;
  i.message = std::move(message);
  out.issues.push_back(std::move(i));
}

void check_versions(const elf::ElfInfo& info, const Target& target, const Environment& env,
                    const EvaluateOptions& opts, TargetVerdict& out) {
  for (const auto& need : info.version_needs) {
    // A shipped copy satisfies its own versions, unless the target provides that library itself (whitelisted:
    // glibc, libstdc++, ...): the system's copy wins there, as auditwheel assumes when it never grafts them.
    bool shipped = env.is_shipped(need.file) && !target.whitelisted(need.file) && !is_glibc_library(need.file);
    const ProvidedLibrary* provided = nullptr;
    if (env.sysroot && !shipped) {
      auto it = env.sysroot->find(need.file);
      if (it != env.sysroot->end()) provided = &it->second;
    }
    for (const auto& ver : need.versions) {
      auto emit = [&](IssueKind kind, const std::string& why) {
        auto one = [&](const std::string& sym) {
          Issue i;
          i.kind = kind;
          i.library = need.file;
          i.symbol = sym;
          i.version = ver.name;
          i.message = (sym.empty() ? ver.name : sym + "@" + ver.name) + " (" + need.file + ") " + why;
          out.issues.push_back(std::move(i));
        };
        if (ver.symbols.empty()) one("");
        for (const auto& s : ver.symbols) one(s);
      };
      if (provided && !provided->versions.count(ver.name))
        emit(IssueKind::missing_version, "is not defined by " + provided->path);
      if (shipped && !opts.auditwheel_compat) continue;  // the shipped copy defines it
      auto vn = split_version_name(ver.name);
      if (!vn) continue;
      auto rule = target.versions.find(vn->ns);
      if (rule == target.versions.end()) continue;
      if (rule->second.allows(vn->suffix)) continue;
      std::string why;
      if (Version::parse(vn->suffix))
        why = "is above " + target.name + "'s " + vn->ns + " ceiling " + ceiling_text(rule->second);
      else
        why = "is not available on " + target.name;
      emit(IssueKind::symbol_version, why);
    }
  }
}

void check_libraries(const elf::ElfInfo& info, const Target& target, const Environment& env, TargetVerdict& out) {
  for (const auto& n : info.needed) {
    if (env.is_shipped(n) && !is_glibc_library(n)) continue;
    if (env.sysroot) {
      if (env.sysroot->count(n)) continue;
      if (is_loader_name(n)) continue;
      Issue i;
      i.kind = IssueKind::missing_library;
      i.library = n;
      i.message = n + " is not found in the sysroot";
      out.issues.push_back(std::move(i));
      continue;
    }
    if (is_loader_name(n) || target.whitelisted(n)) continue;
    Issue i;
    i.kind = IssueKind::external_library;
    i.library = n;
    i.message = n + " is not on " + target.name + "'s library whitelist: ship it alongside (graft it into the wheel)";
    out.issues.push_back(std::move(i));
  }
  for (const auto& [lib, syms] : target.blacklist) {
    if (std::find(info.needed.begin(), info.needed.end(), lib) == info.needed.end()) continue;
    for (const auto& s : info.dynamic_symbols) {
      // A weak import is optional (the loader binds it to null when the library lacks it), so it is no reason
      // to refuse a target: Rust and libstdc++ reference __cxa_thread_atexit_impl weakly. auditwheel agrees.
      if (s.defined || s.weak || (!s.library.empty() && s.library != lib)) continue;
      if (std::find(syms.begin(), syms.end(), s.name) == syms.end()) continue;
      Issue i;
      i.kind = IssueKind::blacklisted_symbol;
      i.library = lib;
      i.symbol = s.name;
      i.message = s.name + " (" + lib + ") is blacklisted by " + target.name;
      out.issues.push_back(std::move(i));
    }
  }
}

void check_loader(const elf::ElfInfo& info, const Target& target, const EvaluateOptions& opts, TargetVerdict& out) {
  bool glibc = target.libc == Libc::glibc;
  const Version& g = target.libc_version;
  auto feature = [&](Severity sev, const std::string& f, std::string msg) {
    add(out, IssueKind::loader_feature, sev, std::move(msg));
    out.issues.back().feature = f;
  };
  if (opts.check_isa && (info.machine == elf::em::x86_64 || info.machine == elf::em::intel386) && info.properties.x86_isa_needed) {
    uint32_t level = isa_level(info.properties.x86_isa_needed);
    if (level > target.max_x86_isa_level) {
      std::string name = "x86-64-v" + std::to_string(level);
      add(out, IssueKind::isa_level, Severity::error,
          "needs " + name + " (GNU property note) but " + target.name + " promises only " +
              (target.max_x86_isa_level <= 1 ? std::string("the baseline") : "x86-64-v" + std::to_string(target.max_x86_isa_level)));
      out.issues.back().feature = name;
    }
  }
  if (opts.auditwheel_compat) return;
  bool has_relr_marker = false;
  for (const auto& n : info.version_needs)
    for (const auto& ver : n.versions) has_relr_marker = has_relr_marker || ver.name == "GLIBC_ABI_DT_RELR";
  // A static executable (no PT_INTERP, nothing needed: a static-pie) applies DT_RELR with its own start-up code,
  // linked in from the glibc it was built with; the target's loader never sees it.
  const bool self_relocating = !info.interpreter && info.needed.empty() &&
                               (info.kind == elf::Kind::pie || info.kind == elf::Kind::executable);
  if (glibc && info.relr && !has_relr_marker && !self_relocating && g < v("2.36"))
    feature(Severity::error, "DT_RELR", "DT_RELR relocations need glibc >= 2.36 (target has " + g.str() + ")");
  if (glibc && info.has_dynamic && info.gnu_hash && !info.sysv_hash && g < v("2.5"))
    feature(Severity::error, "gnu-hash-only",
            "DT_GNU_HASH without DT_HASH needs glibc >= 2.5 (target has " + g.str() + ")");
  bool ifunc = info.ifunc_symbols || info.irelative_relocs;
  if (glibc && (ifunc || info.unique_symbols) && g < v("2.11"))
    feature(Severity::error, ifunc ? "ifunc" : "gnu-unique",
            std::string(info.ifunc_symbols ? "STT_GNU_IFUNC symbols" : ifunc ? "R_*_IRELATIVE relocations"
                                                                            : "STB_GNU_UNIQUE symbols") +
                " need glibc >= 2.11 (target has " + g.str() + ")");
  bool program = info.interpreter.has_value();
  if (program && !info.phdr_in_first_load && !target.kernel.parts.empty() && target.kernel < v("5.18"))
    feature(Severity::error, "phdr-outside-first-load",
            "the program header table is outside the first PT_LOAD: kernels before 5.18 pass a wrong AT_PHDR (target kernel " +
                target.kernel.str() + ")");
  if (info.exec_stack.value_or(false)) {
    bool refused = glibc && info.kind == elf::Kind::shared_object && !(g < v("2.41"));
    feature(refused ? Severity::error : Severity::warning, "exec-stack",
            refused ? "executable stack (PT_GNU_STACK RWX): glibc >= 2.41 refuses to load such libraries"
                    : "executable stack (PT_GNU_STACK RWX): hardened systems refuse it");
  }
  if (info.textrel)
    feature(Severity::warning, "textrel", "text relocations (DT_TEXTREL): hardened systems (SELinux) refuse them");
  if (info.abi_tag && info.abi_tag->os == 0 && !target.kernel.parts.empty()) {
    Version k{{info.abi_tag->major, info.abi_tag->minor, info.abi_tag->patch}};
    if (target.kernel < k) {
      // ld.so skips libraries whose note asks for a newer kernel; static programs die with "kernel too old".
      bool fatal = !program || info.kind == elf::Kind::shared_object;
      add(out, IssueKind::kernel, fatal ? Severity::error : Severity::warning,
          ".note.ABI-tag asks for Linux >= " + k.str() + " but " + target.name + " runs " + target.kernel.str());
      out.issues.back().feature = "kernel " + k.str();
    }
  }
}

std::string base_name(const std::string& path) {
  auto slash = path.find_last_of("/!");
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "3.7" from "_m.cpython-37m-x86_64-linux-gnu.so" or "_m.cpython-311.so"; nullopt without the tag.
std::optional<std::string> python_from_file_name(const std::string& name) {
  auto at = name.find(".cpython-3");
  if (at == std::string::npos) return std::nullopt;
  size_t i = at + 10, j = i;
  while (j < name.size() && std::isdigit(static_cast<unsigned char>(name[j]))) ++j;
  if (j == i) return std::nullopt;
  return "3." + name.substr(i, j - i);
}

// "3.7" from "libpython3.7m.so.1.0", "2.7" from "libpython2.7.so.1.0".
std::optional<std::string> python_from_needed(const std::string& soname) {
  if (soname.rfind("libpython", 0) != 0) return std::nullopt;
  size_t i = 9, j = i;
  while (j < soname.size() && (std::isdigit(static_cast<unsigned char>(soname[j])) || soname[j] == '.')) ++j;
  std::string v = soname.substr(i, j - i);
  while (!v.empty() && v.back() == '.') v.pop_back();
  if (v.find('.') == std::string::npos) return std::nullopt;
  return v;
}

// The old-ABI rule: the std::__cxx11 inline namespace (mangled NSt7__cxx11) and the [abi:cxx11] tag gcc puts
// on functions returning such types (mangled B5cxx11: `std::string name()` is _Z4nameB5cxx11v) exist only in
// the new ABI, so any such name in the dynamic symbol table, imported or exported, means the new ABI.
bool new_abi_name(const std::string& mangled) {
  return mangled.rfind("_Z", 0) == 0 &&
         (mangled.find("NSt7__cxx11") != std::string::npos || mangled.find("B5cxx11") != std::string::npos);
}
constexpr size_t kMaxAbiIssues = 10;  // the last one counts the rest: a C++ library can have thousands

void check_vfx(const elf::ElfInfo& info, const Target& target, TargetVerdict& out) {
  std::string year = target.name.rfind("vfx", 0) == 0 ? "CY" + target.name.substr(3) : target.name;
  if (target.old_cxx_abi) {
    std::vector<const elf::DynSymbol*> hits;
    for (const auto& s : info.dynamic_symbols)
      if (new_abi_name(s.name)) hits.push_back(&s);
    std::sort(hits.begin(), hits.end(), [](auto* a, auto* b) { return a->name < b->name; });
    hits.erase(std::unique(hits.begin(), hits.end(), [](auto* a, auto* b) { return a->name == b->name; }),
               hits.end());
    std::string why = "built with the new libstdc++ ABI; the VFX platform " + year +
                      " requires -D_GLIBCXX_USE_CXX11_ABI=0";
    size_t shown = std::min(hits.size(), kMaxAbiIssues);
    for (size_t k = 0; k < shown; ++k) {
      Issue i;
      i.kind = IssueKind::cxx11_abi;
      i.feature = "cxx11-abi";
      i.symbol = hits[k]->name;
      i.message = hits[k]->name + (hits[k]->defined ? " (defined)" : " (imported)") + ": " + why;
      if (k + 1 == shown && hits.size() > shown)
        i.message += " (and " + std::to_string(hits.size() - shown) + " more std::__cxx11 symbols)";
      i.hint.cause = "built with the new libstdc++ ABI (std::__cxx11, gcc's default since gcc 5)";
      i.hint.remedy = "rebuild with -D_GLIBCXX_USE_CXX11_ABI=0 (devtoolset's default), with every C++ "
                      "dependency built the same way";
      out.issues.push_back(std::move(i));
    }
  }
  if (!target.python.empty()) {
    auto found = extension_python_version(info);
    if (found && *found != target.python) {
      Issue i;
      i.kind = IssueKind::python_version;
      i.feature = "python " + *found;
      i.message = "extension module for Python " + *found + ", the VFX platform " + year + " uses Python " +
                  target.python;
      i.hint.cause = "built against the headers of Python " + *found;
      i.hint.remedy = "rebuild against Python " + target.python;
      out.issues.push_back(std::move(i));
    }
  }
}

}  // namespace

std::optional<std::string> extension_python_version(const elf::ElfInfo& info) {
  if (info.kind != elf::Kind::shared_object) return std::nullopt;
  if (auto v = python_from_file_name(base_name(info.path))) return v;
  // Without the tag (Python 2, or a module named plainly `_m.so`): linked to libpython and exporting the module
  // init function (PyInit_<name> in Python 3, init<name> in Python 2).
  for (const auto& n : info.needed) {
    auto v = python_from_needed(n);
    if (!v) continue;
    std::string init = v->rfind("2.", 0) == 0 ? "init" : "PyInit_";
    for (const auto& s : info.dynamic_symbols)
      if (s.defined && s.name.size() > init.size() && s.name.rfind(init, 0) == 0) return v;
  }
  return std::nullopt;
}

bool is_glibc_library(const std::string& n) {
  static const char* const libs[] = {"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1",
                                     "libutil.so.1", "libresolv.so.2", "libnsl.so.1", "libanl.so.1",
                                     "libmvec.so.1", "libBrokenLocale.so.1", "libcrypt.so.1"};
  for (const char* l : libs)
    if (n == l) return true;
  return is_loader_name(n);
}

TargetVerdict evaluate(const elf::ElfInfo& info, const Target& target, const Environment& env,
                       const EvaluateOptions& opts) {
  TargetVerdict out;
  out.target = target.name;
  out.tag = target.tag();
  std::string arch = arch_of(info);
  if (arch != target.arch)
    add(out, IssueKind::architecture, Severity::error, "built for " + arch + ", the target is " + target.arch);
  if (auto libc = libc_of(info); libc && *libc != target.libc)
    add(out, IssueKind::libc_family, Severity::error,
        std::string("linked against ") + (*libc == Libc::glibc ? "glibc" : "musl") + ", the target uses " +
            (target.libc == Libc::glibc ? "glibc" : "musl"));
  check_versions(info, target, env, opts, out);
  check_libraries(info, target, env, out);
  check_loader(info, target, opts, out);
  if (!opts.auditwheel_compat) check_vfx(info, target, out);
  // Stable, readable order: errors first, then by kind, library, version (numerically: 2.2.5 < 2.14), symbol.
  auto version_key = [](const std::string& full) {
    auto vn = split_version_name(full);
    std::optional<Version> num = vn ? Version::parse(vn->suffix) : std::nullopt;
    return std::make_tuple(vn ? vn->ns : full, !num.has_value(), num ? *num : Version{}, full);
  };
  std::stable_sort(out.issues.begin(), out.issues.end(), [&](const Issue& a, const Issue& b) {
    if (a.severity != b.severity) return a.severity < b.severity;
    if (a.kind != b.kind) return a.kind < b.kind;
    if (a.library != b.library) return a.library < b.library;
    auto ka = version_key(a.version), kb = version_key(b.version);
    if (ka != kb) return ka < kb;
    return std::tie(a.symbol, a.feature) < std::tie(b.symbol, b.feature);
  });
  out.issues.erase(std::unique(out.issues.begin(), out.issues.end(),
                               [](const Issue& a, const Issue& b) {
                                 return a.kind == b.kind && a.message == b.message;
                               }),
                   out.issues.end());
  out.pass = std::none_of(out.issues.begin(), out.issues.end(),
                          [](const Issue& i) { return i.severity == Severity::error; });
  return out;
}

Requirements summarize(const elf::ElfInfo& info) {
  std::map<std::string, std::pair<Version, Requirement>> best;
  std::map<std::string, Requirement> special_only;
  for (const auto& need : info.version_needs)
    for (const auto& ver : need.versions) {
      auto vn = split_version_name(ver.name);
      if (!vn) continue;
      auto num = Version::parse(vn->suffix);
      if (!num) {
        special_only.try_emplace(vn->ns, Requirement{vn->ns, ver.name, need.file});
        continue;
      }
      auto it = best.find(vn->ns);
      if (it == best.end() || it->second.first < *num)
        best[vn->ns] = {*num, Requirement{vn->ns, ver.name, need.file}};
    }
  Requirements out;
  for (auto& [ns, p] : best) out.highest.push_back(p.second);
  for (auto& [ns, r] : special_only)
    if (!best.count(ns)) out.highest.push_back(r);
  std::sort(out.highest.begin(), out.highest.end(),
            [](const Requirement& a, const Requirement& b) { return a.ns < b.ns; });
  return out;
}

std::vector<const Target*> satisfied_policies(const std::vector<const elf::ElfInfo*>& files, Family family,
                                              const Environment& env, const EvaluateOptions& opts) {
  std::vector<const Target*> out;
  if (files.empty()) return out;
  std::string arch = arch_of(*files.front());
  for (const auto* f : files)
    if (arch_of(*f) != arch) return out;
  for (const auto* t : targets_for_arch(arch)) {
    if (t->family != family) continue;
    bool all = std::all_of(files.begin(), files.end(),
                           [&](const elf::ElfInfo* f) { return evaluate(*f, *t, env, opts).pass; });
    if (all) out.push_back(t);
  }
  std::stable_sort(out.begin(), out.end(), [](const Target* a, const Target* b) { return a->priority > b->priority; });
  return out;
}

const Target* best_policy(const std::vector<const elf::ElfInfo*>& files, Family family, const Environment& env,
                          const EvaluateOptions& opts) {
  if (files.empty()) return nullptr;
  std::string arch = arch_of(*files.front());
  for (const auto* f : files)
    if (arch_of(*f) != arch) return nullptr;
  std::vector<const Target*> candidates;
  for (const auto* t : targets_for_arch(arch))
    if (t->family == family) candidates.push_back(t);
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Target* a, const Target* b) { return a->priority > b->priority; });
  for (const auto* t : candidates)  // the first one all files pass is the best; later ones are not evaluated
    if (std::all_of(files.begin(), files.end(),
                    [&](const elf::ElfInfo* f) { return evaluate(*f, *t, env, opts).pass; }))
      return t;
  return nullptr;
}

const Target* oldest_target(const elf::ElfInfo& info, const Environment& env, const EvaluateOptions& opts) {
  // Versions only compare within one libc: a file is ranked against targets of the libc it links.
  Libc libc = libc_of(info).value_or(Libc::glibc);
  const Target* best = nullptr;
  for (const auto* t : targets_for_arch(arch_of(info))) {
    if (t->libc != libc) continue;
    if (best && !(t->libc_version < best->libc_version ||
                  (t->libc_version == best->libc_version && t->kernel < best->kernel)))
      continue;
    if (!evaluate(info, *t, env, opts).pass) continue;
    best = t;
  }
  return best;
}

}  // namespace ferry::policy
