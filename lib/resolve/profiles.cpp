// Built-in loader profiles: each loader's differences are data (search dirs, $LIB, subdirectories, cache).
// Sources: glibc sysdeps/unix/sysv/linux/x86_64/dl-cache.h + Debian's multiarch patch (Debian), the RHEL
// glibc packages (lib64), glibc 2.33 NEWS (glibc-hwcaps), 2.37 NEWS (legacy hwcaps removed), musl ldso/dynlink.c.
#include <algorithm>
#include <cstdlib>

#include "resolve/root_fs.hpp"

#include "resolve/resolve.hpp"

namespace ferry::resolve {

namespace {

std::vector<std::string> cpu_hwcaps_levels() {
  std::vector<std::string> out;
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("x86-64-v4")) out.push_back("x86-64-v4");
  if (__builtin_cpu_supports("x86-64-v3")) out.push_back("x86-64-v3");
  if (__builtin_cpu_supports("x86-64-v2")) out.push_back("x86-64-v2");
#endif
  return out;
}

LoaderProfile glibc(std::string name, std::vector<std::string> dirs, std::string lib, bool hwcaps, bool legacy) {
  LoaderProfile p;
  p.name = std::move(name);
  p.family = LoaderFamily::glibc;
  p.default_dirs = std::move(dirs);
  p.lib_expansion = std::move(lib);
  p.platform = "x86_64";
  p.hwcaps = hwcaps;
  if (hwcaps) p.hwcaps_levels = cpu_hwcaps_levels();
  p.legacy_subdirs = legacy;
  p.interpreter = "/lib64/ld-linux-x86-64.so.2";
  return p;
}

const std::vector<std::string> kDebianDirs = {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"};
const std::vector<std::string> kRedHatDirs = {"/lib64", "/usr/lib64"};

}  // namespace

std::vector<std::string> LoaderProfile::subdirs() const {
  std::vector<std::string> out;
  if (family != LoaderFamily::glibc) return out;
  if (hwcaps)
    for (auto& l : hwcaps_levels) out.push_back("glibc-hwcaps/" + l);
  if (legacy_subdirs && !platform.empty()) {
    // _dl_important_hwcaps before 2.37: tls and the platform, combined; most specific first.
    out.push_back("tls/" + platform + "/" + platform);
    out.push_back("tls/" + platform);
    out.push_back("tls");
    out.push_back(platform + "/" + platform);
    out.push_back(platform);
  }
  return out;
}

std::vector<std::string> profile_names() {
  return {"host", "debian12", "debian11", "centos6", "centos7", "rhel8", "rhel9", "musl", "macos", "windows"};
}

Result<LoaderProfile> find_profile(const std::string& name) {
  if (name == "host" || name == "debian12" || name == "debian" || name == "bookworm")
    return glibc(name == "host" ? "host" : "debian12", kDebianDirs, "lib/x86_64-linux-gnu", true, true);
  if (name == "debian11" || name == "bullseye")
    return glibc("debian11", kDebianDirs, "lib/x86_64-linux-gnu", false, true);
  if (name == "centos6" || name == "centos7" || name == "rhel8" || name == "manylinux2010" || name == "manylinux2014" ||
      name == "manylinux_2_28")
    return glibc(name, kRedHatDirs, "lib64", false, true);
  if (name == "rhel9") return glibc(name, kRedHatDirs, "lib64", true, true);
  if (name == "musl" || name == "alpine") {
    LoaderProfile p;
    p.name = "musl";
    p.family = LoaderFamily::musl;
    p.default_dirs = {"/lib", "/usr/local/lib", "/usr/lib"};
    p.lib_expansion = "lib";
    p.hwcaps = false;
    p.legacy_subdirs = false;
    p.use_cache = false;
    p.interpreter = "/lib/ld-musl-x86_64.so.1";
    p.musl_path_file = "/etc/ld-musl-x86_64.path";
    return p;
  }
  if (name == "macos") {
    LoaderProfile p;
    p.name = "macos";
    p.family = LoaderFamily::dyld;
    p.hwcaps = p.legacy_subdirs = p.use_cache = false;
    p.default_dirs = {"/usr/local/lib", "/usr/lib"};  // DYLD_FALLBACK_LIBRARY_PATH defaults
    return p;
  }
  if (name == "windows") {
    LoaderProfile p;
    p.name = "windows";
    p.family = LoaderFamily::windows;
    p.hwcaps = p.legacy_subdirs = p.use_cache = false;
    return p;
  }
  std::string known;
  for (auto& n : profile_names()) known += (known.empty() ? "" : ", ") + n;
  return make_error(ErrorCode::usage, "unknown loader profile '" + name + "' (known: " + known + ")");
}

LoaderProfile host_profile() { return *find_profile("host"); }

void ResolveOptions::from_environment() {
  if (ld_library_path) return;
  if (const char* v = std::getenv("LD_LIBRARY_PATH")) ld_library_path = std::string(v);
}

}  // namespace ferry::resolve

namespace ferry::resolve {

LoaderProfile detect_profile(const std::string& sysroot) {
  RootFs fs(sysroot);
  if (fs.is_host()) return host_profile();
  if (fs.host_path("/lib/ld-musl-x86_64.so.1")) return *find_profile("musl");
  // Red Hat layout when libc lives in lib64; otherwise Debian's (multiarch dirs, then /lib:/usr/lib), which
  // for_machine() adapts to the program's machine.
  bool lib64 = fs.host_path("/lib64/libc.so.6") || fs.host_path("/usr/lib64/libc.so.6");
  bool multiarch = !lib64 || fs.is_dir("/lib/x86_64-linux-gnu") || fs.is_dir("/usr/lib/x86_64-linux-gnu");
  LoaderProfile p = *find_profile(multiarch ? "debian12" : "rhel9");
  p.name = "glibc";
  // glibc version: the highest GLIBC_2.N that libc.so.6 defines.
  int minor = -1;
  std::vector<std::string> libc_dirs = p.default_dirs;
  for (auto& d : {"/lib/aarch64-linux-gnu", "/lib/i386-linux-gnu", "/lib64"}) libc_dirs.push_back(d);
  for (auto& dir : libc_dirs) {
    auto host = fs.host_path(dir + "/libc.so.6");
    if (!host) continue;
    auto info = elf::read_elf_file(*host, elf::ReadOptions{.symbols = false});
    if (!info) continue;
    for (auto& d : info->version_defs)
      if (d.name.rfind("GLIBC_2.", 0) == 0) minor = std::max(minor, std::atoi(d.name.c_str() + 8));
    break;
  }
  if (minor >= 0) {
    p.name = "glibc-2." + std::to_string(minor);
    p.hwcaps = minor >= 33;
    if (!p.hwcaps) p.hwcaps_levels.clear();
    p.legacy_subdirs = minor <= 36;
  }
  return p;
}

}  // namespace ferry::resolve
