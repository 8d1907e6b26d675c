// Compatibility targets as data, and the pure verdict "does this ELF run on that target, and if not, why".
// See docs/compat.md (ceilings, whitelists, loader feature floors); the manylinux and
// musllinux tables follow auditwheel's policy data (PEP 513/571/599/600/656), the distro tables the distros'
// own glibc / libstdc++ / libgcc_s / kernel versions. Everything here is pure: no file is read.
// Used by `ferry check` and by wheel repair (best tag, whitelist, blacklist, priority order).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "elf/elf_info.hpp"
#include "support/result.hpp"

namespace ferry::policy {

// A dotted numeric version ("2.2.5", "3.4.19"); compares component-wise, missing components are 0.
struct Version {
  std::vector<uint32_t> parts;
  static std::optional<Version> parse(const std::string& s);  // nullopt unless digits and dots only
  std::string str() const;
  friend bool operator<(const Version& a, const Version& b);
  friend bool operator==(const Version& a, const Version& b);
  friend bool operator<=(const Version& a, const Version& b) { return !(b < a); }
  friend bool operator>(const Version& a, const Version& b) { return b < a; }
};

// "GLIBC_2.2.5" -> {"GLIBC", "2.2.5"}; "CXXABI_TM_1" -> {"CXXABI", "TM_1"}: split at the first '_'
// (auditwheel's rule). nullopt when there is no '_' or either side is empty.
struct VersionName {
  std::string ns;      // namespace: GLIBC, GLIBCXX, CXXABI, GCC, ZLIB, LIBATOMIC, ...
  std::string suffix;  // 2.2.5, TM_1, ABI_DT_RELR, PRIVATE
};
std::optional<VersionName> split_version_name(const std::string& full);

// What a target allows in one version namespace. Either an exact set (auditwheel's data: `exact` is true and
// `allowed` lists every suffix) or a numeric ceiling plus the non-numeric suffixes allowed (`special`).
struct NamespaceRule {
  bool exact = false;
  std::set<std::string> allowed;  // exact sets
  std::optional<Version> ceiling; // highest numeric version (also filled for exact sets: their maximum)
  std::set<std::string> special;  // CXXABI_TM_1, GLIBC_ABI_DT_RELR, ... allowed by a ceiling rule
  bool allows(const std::string& suffix) const;
  // The rule of a namespace whose versions are listed one by one (auditwheel's policies): those and no others.
  static NamespaceRule exact_set(const std::vector<std::string>& versions);
};

enum class Family { manylinux, musllinux, distro, vfx, custom };
const char* to_string(Family f);
enum class Libc { glibc, musl };

struct Target {
  std::string name;                  // "manylinux_2_17", "musllinux_1_2", "centos7", "ubuntu-20.04", "my-target"
  std::vector<std::string> aliases;  // "manylinux2014", "el7", ...
  std::string description;           // "CentOS 7 (glibc 2.17, gcc 4.8.5)"
  Family family = Family::distro;
  std::string arch;                  // auditwheel arch names: x86_64, i686, aarch64, armv7l, ppc64le, s390x, ...
  Libc libc = Libc::glibc;
  Version libc_version;              // glibc 2.17, or musl 1.2
  Version kernel;                    // the oldest kernel the target promises (empty = no floor)
  int priority = 0;                  // auditwheel priority: higher = older = more compatible; 0 outside manylinux
  std::map<std::string, NamespaceRule> versions;  // namespace -> rule; other namespaces are not checked
  std::vector<std::string> lib_whitelist;         // sonames the system provides; other libraries must ship
  std::map<std::string, std::vector<std::string>> blacklist;  // soname -> symbols that must not be imported
  uint32_t max_x86_isa_level = 1;    // 1 = x86-64 baseline, 2 = v2 (RHEL 9), ...
  // VFX Reference Platform years (docs/compat.md): the old libstdc++ ABI (no std::__cxx11 symbol in the dynamic
  // symbol table) and the Python version extension modules must be built for ("3.7", "2.7"; empty = any).
  bool old_cxx_abi = false;
  std::string python;

  // "manylinux_2_17_x86_64": the platform tag (name with '-' and '.' as '_', then the architecture).
  std::string tag() const;
  bool whitelisted(const std::string& soname) const;
};

// The architecture name targets use for an ELF (x86_64, i686, aarch64, armv7l, ppc64le, ppc64, s390x,
// riscv64, loongarch64); the ELF machine name for anything else.
std::string arch_of(const elf::ElfInfo& info);

// The Python version ("3.7", "2.7") a CPython extension module is built for: from its file name's
// `cpython-3XY` tag, else from a DT_NEEDED libpythonX.Y when it exports a module init function. nullopt when
// the file is not recognisably an extension module (abi3 modules run on any later Python: also nullopt).
std::optional<std::string> extension_python_version(const elf::ElfInfo& info);

// glibc's own libraries (libc.so.6, libm.so.6, libpthread.so.0, ..., the loader): tied to the system's loader,
// they always come from the system, so a copy shipped alongside never satisfies them.
bool is_glibc_library(const std::string& soname);

// Every built-in target for every architecture, in a stable order (manylinux by priority, musllinux, distros).
const std::vector<Target>& builtin_targets();
// Built-in targets of one architecture ("" = all).
std::vector<const Target*> targets_for_arch(const std::string& arch);
// Finds a target by name, alias or platform tag ("manylinux2014", "manylinux_2_17", "manylinux2014_x86_64",
// "centos7", "ubuntu-20.04", "ubuntu20.04", "debian11", "bullseye"); `arch` picks the architecture when the
// name does not carry one. Error (not_found) naming the close matches otherwise.
Result<const Target*> find_target(const std::string& name, const std::string& arch = "x86_64");

// A user's own target from a JSON file (format documented in lib/policy/policy_file.md).
Result<std::vector<Target>> read_policy_file(const std::string& path);
Result<std::vector<Target>> parse_policy_json(const std::string& text, const std::string& path);

// ---------------------------------------------------------------------------------------------------------
// Verdicts

enum class IssueKind {
  symbol_version,      // a required version is above the target's ceiling
  missing_version,     // --sysroot: the library found does not define a required version
  external_library,    // a needed library is not on the whitelist and not shipped alongside
  missing_library,     // --sysroot: a needed library is not in the root
  blacklisted_symbol,  // an imported symbol on the target's blacklist
  loader_feature,      // DT_RELR, GNU hash only, IFUNC/unique, PHDR outside first PT_LOAD, exec stack, TEXTREL
  kernel,              // .note.ABI-tag asks for a newer kernel
  isa_level,           // x86-64 ISA level above the target's
  libc_family,         // a glibc binary on a musl target or the reverse
  architecture,        // the file is for another architecture than the target
  cxx11_abi,           // a std::__cxx11 symbol on a target that requires the old libstdc++ ABI
  python_version,      // an extension module for another Python version than the target's
};
const char* to_string(IssueKind k);

enum class Severity { error, warning };
const char* to_string(Severity s);

// Fix hints for an offending symbol version (filled by fix_hints.hpp when a symbol catalog is available).
struct FixHint {
  std::vector<std::string> older_versions;  // full names, oldest first, that the target allows: GLIBC_2.2.5
  std::string cause;   // "crt1.o of glibc >= 2.34", "_FILE_OFFSET_BITS=64", "-ffast-math", ...
  std::string remedy;  // ".symver memcpy,memcpy@GLIBC_2.2.5", "-static-libstdc++", "build in an older container"
};

struct Issue {
  IssueKind kind = IssueKind::symbol_version;
  Severity severity = Severity::error;
  std::string message;  // one line, lower case, names the symbol / library / feature and the limit
  std::string library;  // soname involved ("libc.so.6"), when one
  std::string symbol;   // the offending symbol, when one (empty for a version with no symbol bound to it)
  std::string version;  // full version name ("GLIBC_2.34"), when one
  std::string feature;  // loader feature ("DT_RELR", "exec-stack", "x86-64-v3", "kernel 3.2.0")
  FixHint hint;
};

// Target-independent facts: the highest version required in each namespace, with the library it comes from.
struct Requirement {
  std::string ns;
  std::string version;  // full name of the highest: GLIBC_2.34
  std::string library;
};
struct Requirements {
  std::vector<Requirement> highest;  // sorted by namespace
  std::optional<std::string> libc_version() const;  // GLIBC_x.y suffix of the highest GLIBC, when any
};
Requirements summarize(const elf::ElfInfo& info);

// What the world around a file provides.
struct ProvidedLibrary {
  std::string path;                // where it was found (inside the root)
  std::set<std::string> versions;  // version definitions (Verdef names) of that library
};
struct Environment {
  // Sonames / file names shipped alongside the file (same wheel, tarball or directory): never "external".
  std::set<std::string> shipped;
  const std::set<std::string>* also_shipped = nullptr;  // a shared set of more shipped names (not owned)
  bool is_shipped(const std::string& name) const {
    return shipped.count(name) != 0 || (also_shipped && also_shipped->count(name) != 0);
  }
  // With --sysroot: what the root provides for each needed name. When set, a needed name absent from the map
  // is a missing library, and every required version must be among the found library's definitions.
  std::optional<std::map<std::string, ProvidedLibrary>> sysroot;
};

struct EvaluateOptions {
  // Only what auditwheel checks (symbol versions, whitelist, blacklist, ISA level): wheel repair uses it so its
  // best tag is the one auditwheel would give. Loader-feature floors and kernel checks are skipped.
  bool auditwheel_compat = false;
  bool check_isa = true;  // auditwheel's --disable-isa-ext-check turns this off
};

struct TargetVerdict {
  std::string target;  // Target::name
  std::string tag;     // Target::tag()
  bool pass = true;    // no issue of severity error
  std::vector<Issue> issues;  // errors then warnings, each group in a stable order
};

// The verdict of one ELF against one target. Pure.
TargetVerdict evaluate(const elf::ElfInfo& info, const Target& target, const Environment& env = {},
                       const EvaluateOptions& opts = {});

// The auditwheel-style best policy of a family (manylinux or musllinux) for a set of files (a wheel): the
// highest-priority target of that family, for the files' architecture, that every file passes.
// nullptr when none (the wheel is plain "linux_<arch>").
const Target* best_policy(const std::vector<const elf::ElfInfo*>& files, Family family,
                          const Environment& env = {}, const EvaluateOptions& opts = {});
// Every target of the family and arch that all files pass, best (highest priority) first.
std::vector<const Target*> satisfied_policies(const std::vector<const elf::ElfInfo*>& files, Family family,
                                              const Environment& env = {}, const EvaluateOptions& opts = {});

// The oldest built-in target (by libc version, then kernel) of the file's architecture and libc that it passes,
// across all families; nullptr when none.
const Target* oldest_target(const elf::ElfInfo& info, const Environment& env = {},
                            const EvaluateOptions& opts = {});

}  // namespace ferry::policy
