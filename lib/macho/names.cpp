// Names for Mach-O CPU types, file types and platforms, and the packed-version formats otool and llvm-readobj use.
// Values from <mach/machine.h>, <mach-o/loader.h> (MH_*, PLATFORM_*) as mirrored in LLVM BinaryFormat/MachO.h.
#include <cstdio>
#include <utility>

#include "macho/macho_info.hpp"

namespace ferry::macho {

namespace {
constexpr uint32_t kAbi64 = 0x01000000;     // CPU_ARCH_ABI64
constexpr uint32_t kAbi64_32 = 0x02000000;  // CPU_ARCH_ABI64_32
constexpr uint32_t kSubtypeMask = 0x00ffffff;  // strips CPU_SUBTYPE_MASK capability bits (e.g. LIB64, PTRAUTH)
}  // namespace

const char* to_string(DylibKind k) {
  switch (k) {
    case DylibKind::load: return "load";
    case DylibKind::weak: return "weak";
    case DylibKind::reexport: return "reexport";
    case DylibKind::upward: return "upward";
    case DylibKind::lazy: return "lazy";
  }
  return "load";
}

std::string arch_name(uint32_t cpu_type, uint32_t cpu_subtype) {
  uint32_t sub = cpu_subtype & kSubtypeMask;
  switch (cpu_type) {
    case 7: return "i386";
    case 7 | kAbi64: return sub == 8 ? "x86_64h" : "x86_64";
    case 12:
      switch (sub) {
        case 5: return "armv4t";
        case 6: return "armv6";
        case 7: return "armv5";
        case 9: return "armv7";
        case 10: return "armv7f";
        case 11: return "armv7s";
        case 12: return "armv7k";
        case 14: return "armv6m";
        case 15: return "armv7m";
        case 16: return "armv7em";
        default: return "arm";
      }
    case 12 | kAbi64: return sub == 2 ? "arm64e" : "arm64";
    case 12 | kAbi64_32: return "arm64_32";
    case 18: return "ppc";
    case 18 | kAbi64: return "ppc64";
    default: break;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "cpu(0x%x,0x%x)", cpu_type, cpu_subtype);
  return buf;
}

const char* file_type_name(uint32_t file_type) {
  switch (file_type) {
    case 1: return "object";
    case 2: return "execute";
    case 3: return "fvmlib";
    case 4: return "core";
    case 5: return "preload";
    case 6: return "dylib";
    case 7: return "dylinker";
    case 8: return "bundle";
    case 9: return "dylib_stub";
    case 10: return "dsym";
    case 11: return "kext_bundle";
    case 12: return "fileset";
    default: return "unknown";
  }
}

std::string platform_name(uint32_t platform) {
  switch (platform) {
    case 1: return "macos";
    case 2: return "ios";
    case 3: return "tvos";
    case 4: return "watchos";
    case 5: return "bridgeos";
    case 6: return "maccatalyst";
    case 7: return "iossimulator";
    case 8: return "tvossimulator";
    case 9: return "watchossimulator";
    case 10: return "driverkit";
    case 11: return "visionos";
    case 12: return "visionossimulator";
    default: return "unknown(" + std::to_string(platform) + ")";
  }
}

std::vector<std::string> header_flag_names(uint32_t flags) {
  static const std::pair<uint32_t, const char*> names[] = {
      {0x1, "NOUNDEFS"},           {0x2, "INCRLINK"},           {0x4, "DYLDLINK"},
      {0x8, "BINDATLOAD"},         {0x10, "PREBOUND"},          {0x20, "SPLIT_SEGS"},
      {0x40, "LAZY_INIT"},         {0x80, "TWOLEVEL"},          {0x100, "FORCE_FLAT"},
      {0x200, "NOMULTIDEFS"},      {0x400, "NOFIXPREBINDING"},  {0x800, "PREBINDABLE"},
      {0x1000, "ALLMODSBOUND"},    {0x2000, "SUBSECTIONS_VIA_SYMBOLS"}, {0x4000, "CANONICAL"},
      {0x8000, "WEAK_DEFINES"},    {0x10000, "BINDS_TO_WEAK"},  {0x20000, "ALLOW_STACK_EXECUTION"},
      {0x40000, "ROOT_SAFE"},      {0x80000, "SETUID_SAFE"},    {0x100000, "NO_REEXPORTED_DYLIBS"},
      {0x200000, "PIE"},           {0x400000, "DEAD_STRIPPABLE_DYLIB"}, {0x800000, "HAS_TLV_DESCRIPTORS"},
      {0x1000000, "NO_HEAP_EXECUTION"}, {0x2000000, "APP_EXTENSION_SAFE"},
      {0x4000000, "NLIST_OUTOFSYNC_WITH_DYLDINFO"}, {0x8000000, "SIM_SUPPORT"},
      {0x80000000u, "DYLIB_IN_CACHE"}};
  std::vector<std::string> out;
  for (auto [bit, name] : names)
    if (flags & bit) out.emplace_back(name);
  return out;
}

std::string format_dylib_version(uint32_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%u.%u.%u", v >> 16, (v >> 8) & 0xff, v & 0xff);
  return buf;
}

std::string format_os_version(uint32_t v) {
  char buf[32];
  if ((v & 0xff) == 0)
    std::snprintf(buf, sizeof buf, "%u.%u", v >> 16, (v >> 8) & 0xff);
  else
    std::snprintf(buf, sizeof buf, "%u.%u.%u", v >> 16, (v >> 8) & 0xff, v & 0xff);
  return buf;
}

}  // namespace ferry::macho
