// Built-in loader profiles: each loader's differences are data (search dirs, $LIB, subdirectories, cache).
// Sources: glibc sysdeps/unix/sysv/linux/x86_64/dl-cache.h + Debian's multiarch patch (Debian), the RHEL
// glibc packages (lib64), glibc 2.33 NEWS (glibc-hwcaps), 2.37 NEWS (legacy hwcaps removed), musl ldso/dynlink.c;
// $PLATFORM and the legacy hwcap names: glibc sysdeps/x86/cpu-features.c and dl-hwcap.h (2.26 to 2.36).
#include <algorithm>
#include <cstdlib>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

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

// What glibc 2.26..2.36 on this CPU sets as dl_platform ($PLATFORM) and the legacy hwcap names
// (dl_hwcap & HWCAP_IMPORTANT, lowest bit first). The kernel's AT_PLATFORM is "x86_64"; on Intel CPUs only,
// glibc replaces it with "xeon_phi" (AVX512CD+ER+PF usable) or "haswell" (AVX2, FMA, BMI1, BMI2, LZCNT, MOVBE,
// POPCNT usable), and adds the hwcap "avx512_1" (AVX512CD+BW+DQ+VL usable, not on xeon_phi). "Usable" means
// the CPU has it and the OS saves its registers (XCR0: XMM|YMM for AVX2/FMA, opmask|ZMM for AVX-512).
struct LegacyPlatform {
  std::string platform = "x86_64";
  std::vector<std::string> hwcaps = {"x86_64"};
};

LegacyPlatform cpu_legacy_platform() {
  LegacyPlatform out;
#if defined(__x86_64__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(0, &a, &b, &c, &d)) return out;
  unsigned max_leaf = a;
  bool intel = b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e;  // "GenuineIntel"
  if (!intel) return out;
  __get_cpuid(1, &a, &b, &c, &d);
  unsigned ecx1 = c;
  unsigned ebx7 = 0;
  if (max_leaf >= 7) {
    __cpuid_count(7, 0, a, b, c, d);
    ebx7 = b;
  }
  bool lzcnt = false;
  if (__get_cpuid(0x80000001, &a, &b, &c, &d)) lzcnt = c & (1u << 5);
  uint64_t xcr0 = 0;
  if (ecx1 & (1u << 27)) {  // OSXSAVE: xgetbv may be used
    unsigned lo, hi;
    __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    xcr0 = (uint64_t(hi) << 32) | lo;
  }
  auto bit = [](unsigned reg, int n) { return (reg & (1u << n)) != 0; };
  bool ymm = (xcr0 & 0x6) == 0x6, zmm = ymm && (xcr0 & 0xe0) == 0xe0;
  bool avx = ymm && bit(ecx1, 28);
  bool avx2 = avx && bit(ebx7, 5), fma = avx && bit(ecx1, 12);
  bool avx512f = zmm && bit(ebx7, 16);
  auto avx512 = [&](int n) { return avx512f && bit(ebx7, n); };
  bool cd = avx512(28), er = avx512(27), pf = avx512(26), bw = avx512(30), dq = avx512(17), vl = avx512(31);
  std::string platform;
  if (cd) {
    if (er) {
      if (pf) platform = "xeon_phi";
    } else if (bw && dq && vl) {
      out.hwcaps.push_back("avx512_1");
    }
  }
  if (platform.empty() && avx2 && fma && bit(ebx7, 3) && bit(ebx7, 8) && lzcnt && bit(ecx1, 22) && bit(ecx1, 23))
    platform = "haswell";
  if (!platform.empty()) out.platform = platform;
#endif
  return out;
}

LoaderProfile glibc(std::string name, std::vector<std::string> dirs, std::string lib, bool hwcaps, bool legacy) {
  LoaderProfile p;
  p.name = std::move(name);
  p.family = LoaderFamily::glibc;
  p.default_dirs = std::move(dirs);
  p.lib_expansion = std::move(lib);
  p.platform = "x86_64";  // a named target: the kernel's AT_PLATFORM, as on AMD and pre-Haswell Intel CPUs
  p.legacy_hwcaps = {"x86_64"};
  p.hwcaps = hwcaps;
  if (hwcaps) p.hwcaps_levels = cpu_hwcaps_levels();
  p.legacy_subdirs = legacy;
  p.interpreter = "/lib64/ld-linux-x86-64.so.2";
  return p;
}

// A loader without glibc's cache and hwcaps subdirectories (musl, dyld, Windows): a name and search directories.
LoaderProfile cacheless(const std::string& name, LoaderFamily family, std::vector<std::string> dirs) {
  LoaderProfile p;
  p.name = name;
  p.family = family;
  p.default_dirs = std::move(dirs);
  p.hwcaps = p.legacy_subdirs = p.use_cache = false;
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
  if (legacy_subdirs) {
    // _dl_important_hwcaps before 2.37: every non-empty subset of [hwcaps (lowest bit first), platform, "tls"],
    // a subset spelled from its last element to its first, subsets in decreasing order of their bit mask
    // (tls/haswell/avx512_1/x86_64, tls/haswell/avx512_1, tls/haswell/x86_64, tls/haswell, ..., x86_64).
    std::vector<std::string> names = legacy_hwcaps;
    if (!platform.empty()) names.push_back(platform);
    names.push_back("tls");
    size_t n = std::min<size_t>(names.size(), 16);
    for (size_t mask = (size_t(1) << n) - 1; mask > 0; --mask) {
      std::string dir;
      for (size_t i = n; i-- > 0;)
        if (mask & (size_t(1) << i)) dir += (dir.empty() ? "" : "/") + names[i];
      // No duplicate is dropped: where the platform is the kernel's "x86_64" and so is a hwcap name (a CPU
      // glibc does not call haswell), LD_DEBUG=libs lists tls/x86_64 and x86_64 twice, and tries them twice.
      out.push_back(dir);
    }
  }
  return out;
}

std::vector<std::string> profile_names() {
  return {"host", "debian12", "debian11", "centos6", "centos7", "rhel8", "rhel9", "musl", "macos", "windows"};
}

Result<LoaderProfile> find_profile(const std::string& name) {
  if (name == "host" || name == "debian12" || name == "debian" || name == "bookworm") {
    LoaderProfile p = glibc(name == "host" ? "host" : "debian12", kDebianDirs, "lib/x86_64-linux-gnu", true, true);
    if (name == "host") {
      static const LegacyPlatform cpu = cpu_legacy_platform();
      p.platform = cpu.platform;
      p.legacy_hwcaps = cpu.hwcaps;
    }
    return p;
  }
  if (name == "debian11" || name == "bullseye")
    return glibc("debian11", kDebianDirs, "lib/x86_64-linux-gnu", false, true);
  if (name == "centos6" || name == "centos7" || name == "rhel8" || name == "manylinux2010" || name == "manylinux2014" ||
      name == "manylinux_2_28")
    return glibc(name, kRedHatDirs, "lib64", false, true);
  if (name == "rhel9") return glibc(name, kRedHatDirs, "lib64", true, true);
  if (name == "musl" || name == "alpine") {
    LoaderProfile p = cacheless("musl", LoaderFamily::musl, {"/lib", "/usr/local/lib", "/usr/lib"});
    p.lib_expansion = "lib";
    p.interpreter = "/lib/ld-musl-x86_64.so.1";
    p.musl_path_file = "/etc/ld-musl-x86_64.path";
    return p;
  }
  // dyld: DYLD_FALLBACK_LIBRARY_PATH's defaults.
  if (name == "macos") return cacheless("macos", LoaderFamily::dyld, {"/usr/local/lib", "/usr/lib"});
  if (name == "windows") return cacheless("windows", LoaderFamily::windows, {});
  std::string known;
  for (auto& n : profile_names()) known += (known.empty() ? "" : ", ") + n;
  return make_error(ErrorCode::usage, "unknown loader profile '" + name + "' (known: " + known + ")");
}

LoaderProfile host_profile() { return *find_profile("host"); }

}  // namespace ferry::resolve

namespace ferry::resolve {

LoaderProfile detect_profile(const std::string& sysroot) {
  RootFs fs(sysroot);
  if (fs.is_host()) return host_profile();
  if (fs.host_path("/lib/ld-musl-x86_64.so.1")) return *find_profile("musl");
  // The root's loader runs on this CPU: its $PLATFORM and hwcaps levels are this machine's.
  LoaderProfile host = host_profile();
  // Red Hat layout when libc lives in lib64; otherwise Debian's (multiarch dirs, then /lib:/usr/lib), which
  // for_machine() adapts to the program's machine.
  bool lib64 = fs.host_path("/lib64/libc.so.6") || fs.host_path("/usr/lib64/libc.so.6");
  bool multiarch = !lib64 || fs.is_dir("/lib/x86_64-linux-gnu") || fs.is_dir("/usr/lib/x86_64-linux-gnu");
  LoaderProfile p = *find_profile(multiarch ? "debian12" : "rhel9");
  p.name = "glibc";
  p.platform = host.platform;
  p.legacy_hwcaps = host.legacy_hwcaps;
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
      if (d.name.starts_with("GLIBC_2.")) minor = std::max(minor, std::atoi(d.name.c_str() + 8));
    break;
  }
  if (minor >= 0) {
    p.name = "glibc-2." + std::to_string(minor);
    p.hwcaps = minor >= 33;
    if (!p.hwcaps) p.hwcaps_levels.clear();
    p.legacy_subdirs = minor <= 36;
    if (minor < 26) {  // before 2.26 the platform is the kernel's AT_PLATFORM on every CPU
      p.platform = "x86_64";
      p.legacy_hwcaps = {"x86_64"};
    }
  }
  return p;
}

}  // namespace ferry::resolve
