// The lowering plan, pure: for each imported symbol whose version the target does not have, the method
// (rebind, moved, glue, refused) and the binding after lowering. Nothing here reads or writes a file.

#include <algorithm>
#include <map>

#include "elf/elf_constants.hpp"
#include "lower/lower_passes.hpp"

namespace ferry::lower {

namespace {

bool allowed(const policy::Target& t, const std::string& version) {
  auto vn = policy::split_version_name(version);
  if (!vn) return true;
  auto it = t.versions.find(vn->ns);
  return it == t.versions.end() || it->second.allows(vn->suffix);
}

// Why a symbol with nothing older in glibc cannot be lowered, and what to do instead.
std::string refusal(const Requirement& r) {
  static const std::map<std::string, std::string> known = {
      {"_dl_find_object", "glibc < 2.35 has no equivalent (libgcc falls back when it is absent at build time)"},
  };
  auto vn = policy::split_version_name(r.version);
  std::string ns = vn ? vn->ns : "";
  if (ns == "GLIBCXX" || ns == "CXXABI")
    return "libstdc++ cannot be lowered by renaming: link it statically (-static-libstdc++) or ship libstdc++.so.6";
  if (ns == "GCC") return "libgcc_s cannot be lowered by renaming: link it statically (-static-libgcc) or ship it";
  if (auto it = known.find(r.symbol); it != known.end()) return it->second;
  if (ns == "GLIBC") return "glibc has no older version of " + r.symbol + "; rebuild without it or on an older system";
  return "not a glibc version; ferry lowers glibc requirements only";
}

Binding bind(const Requirement& r, const policy::Target& t, const Facts& facts) {
  Binding b{r.symbol, r.library, r.version, Method::refused, "", "", "", ""};
  const uint16_t m = facts.machine;
  const bool x86_64 = m == elf::em::x86_64;
  if (r.symbol == "__libc_start_main" && r.library == "libc.so.6" && facts.is_program) {
    const Rule* rule = find_rule(r.symbol, r.library, m);
    if (rule && rule->method == Method::glue && allowed(t, rule->old_version))
      return {r.symbol, r.library, r.version, Method::glue, r.library, rule->old_version,
              "_start calls ferry's code, which passes an init function running DT_INIT and DT_INIT_ARRAY", ""};
    b.reason = rule ? "the older " + std::string(rule->old_version) + " is still above the target"
                    : "no __libc_start_main glue for this architecture; rebuild on a glibc < 2.34 system";
    return b;
  }
  static const std::map<std::string, std::string> stat_glue = {
      {"stat", "__xstat"},     {"fstat", "__fxstat"},     {"lstat", "__lxstat"},     {"fstatat", "__fxstatat"},
      {"stat64", "__xstat64"}, {"fstat64", "__fxstat64"}, {"lstat64", "__lxstat64"}, {"fstatat64", "__fxstatat64"},
      {"mknod", "__xmknod"},   {"mknodat", "__xmknodat"}};
  if (auto it = stat_glue.find(r.symbol); it != stat_glue.end() && r.library == "libc.so.6" && r.via_got) {
    b.reason = "used through a GOT entry other than a PLT jump (its address is taken, or -fno-plt): ferry's glue "
               "only rewrites PLT jumps; rebuild on a glibc < 2.33 system";
    return b;
  }
  if (auto it = stat_glue.find(r.symbol); it != stat_glue.end() && r.library == "libc.so.6" && !x86_64 && m != elf::em::aarch64) {
    b.reason = "ferry's glue for the stat family (2.33) exists for x86_64 and aarch64 only; rebuild on a glibc < 2.33 system";
    return b;
  }
  // aarch64: every __xstat-family symbol is at its first version, 2.17, and _STAT_VER is 0 (the kernel's layout).
  if (auto it = stat_glue.find(r.symbol); it != stat_glue.end() && r.library == "libc.so.6" && m == elf::em::aarch64 &&
                                          allowed(t, "GLIBC_2.17"))
    return {r.symbol, r.library, r.version, Method::glue, r.library, "GLIBC_2.17",
            "calls " + it->second + "(" + (it->second.starts_with("__xmknod") ? "_MKNOD_VER = 0, ..., &dev" : "_STAT_VER = 0, ...") +
                ") through a PLT stub rewritten to ferry's code", it->second};
  if (auto it = stat_glue.find(r.symbol); it != stat_glue.end() && r.library == "libc.so.6" && allowed(t, "GLIBC_2.4")) {
    std::string v = it->second.starts_with("__fxstatat") || it->second == "__xmknodat" ? "GLIBC_2.4" : "GLIBC_2.2.5";
    return {r.symbol, r.library, r.version, Method::glue, r.library, v,
            "calls " + it->second + "(" + (it->second.starts_with("__xmknod") ? "_MKNOD_VER = 0, ..., &dev" : "_STAT_VER = 1, ...") +
                ") through a PLT jump rewritten to ferry's code", it->second};
  }
  // 64-bit: fcntl64 (2.28, the name _FILE_OFFSET_BITS=64 selects) is fcntl, the same function. (On i386 the
  // old fcntl does not translate the 64-bit lock commands: refused there.)
  if (std::string base = baseline_version(m);
      r.symbol == "fcntl64" && r.library == "libc.so.6" && !base.empty() && allowed(t, base))
    return {r.symbol, r.library, r.version, Method::rebind, r.library, base,
            "on 64-bit fcntl64 and fcntl are one function", "fcntl"};
  if (r.symbol == "__libc_single_threaded" && r.library == "libc.so.6" && !x86_64 && m != elf::em::aarch64) {
    b.reason = "ferry's __libc_single_threaded definition exists for x86_64 and aarch64 only";
    return b;
  }
  if (r.symbol == "__libc_single_threaded" && r.library == "libc.so.6")
    return {r.symbol, r.library, r.version, Method::glue, "", "",
            "it reads as 0 (\"not single-threaded\", always safe): its copy relocation is dropped or its GOT entry points at a zero ferry adds", ""};
  if (const Rule* rule = find_rule(r.symbol, r.library, m); rule && rule->method != Method::glue) {
    if (!allowed(t, rule->old_version)) {
      b.reason = std::string("the older ") + rule->old_version + " is still above the target";
      return b;
    }
    return {r.symbol, r.library, r.version, rule->method, rule->old_library, rule->old_version, "", ""};
  }
  b.reason = refusal(r);
  return b;
}

}  // namespace

bool Plan::has_feature(const std::string& name) const {
  return std::any_of(features.begin(), features.end(), [&](const Feature& f) { return f.name == name; });
}

bool Plan::refused() const {
  return !problems.empty() ||
         std::any_of(bindings.begin(), bindings.end(), [](const Binding& b) { return b.method == Method::refused; });
}

Plan make_plan(const Facts& facts, const policy::Target& target, bool add_dt_hash) {
  Plan p;
  std::map<std::pair<std::string, std::string>, bool> used;
  for (const auto& r : facts.requirements) {
    used[{r.library, r.version}] = true;
    if (allowed(target, r.version)) continue;
    Binding b = bind(r, target, facts);
    bool have = std::find(facts.needed.begin(), facts.needed.end(), b.new_library) != facts.needed.end() ||
                std::find(p.add_needed.begin(), p.add_needed.end(), b.new_library) != p.add_needed.end();
    if (b.method == Method::moved && !have) p.add_needed.push_back(b.new_library);
    p.bindings.push_back(std::move(b));
  }
  // Loader features: DT_RELR expanded (its GLIBC_ABI_DT_RELR marker goes with it), DT_HASH added.
  const bool expand_relr = facts.relr && !allowed(target, "GLIBC_ABI_DT_RELR");
  if (expand_relr)
    p.features.push_back({"DT_RELR", "expand", std::to_string(facts.relr_count) +
                              " relative relocations packed for glibc >= 2.36 become R_X86_64_RELATIVE entries of "
                              ".rela.dyn; GLIBC_ABI_DT_RELR is dropped"});
  if (facts.gnu_hash_only && (add_dt_hash || target.libc_version < *policy::Version::parse("2.5")))
    p.features.push_back({"DT_HASH", "add", "a SysV hash table of .dynsym (glibc < 2.5 reads no DT_GNU_HASH)"});
  // A requirement no symbol uses (e.g. GLIBC_ABI_DT_RELR) is dropped when it is a plain glibc version; a
  // loader feature marker is refused unless its feature is lowered.
  for (const auto& [file, version] : facts.versions) {
    if (used.count({file, version}) || allowed(target, version)) continue;
    if (version == "GLIBC_ABI_DT_RELR" && expand_relr) continue;
    auto vn = policy::split_version_name(version);
    bool numeric = vn && policy::Version::parse(vn->suffix).has_value();
    if (!numeric) p.problems.push_back(version + " (" + file + "): a loader feature the target lacks; ferry cannot remove it");
  }
  return p;
}

}  // namespace ferry::lower
