// Names for COFF machine types and PE subsystems, as llvm-readobj and dumpbin spell their meaning.
// Values from the PE format specification, "Machine Types" and "Windows Subsystem".
#include <cstdio>
#include <iterator>
#include <utility>

#include "pe/pe_info.hpp"

namespace ferry::pe {

std::string machine_name(uint16_t machine) {
  switch (machine) {
    case 0x14c: return "i386";
    case 0x8664: return "x86_64";
    case 0xaa64: return "arm64";
    case 0xa641: return "arm64ec";
    case 0xa64e: return "arm64x";
    case 0x1c0: return "arm";
    case 0x1c4: return "armnt";
    case 0x200: return "ia64";
    case 0x5064: return "riscv64";
    case 0x6264: return "loongarch64";
    default: break;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "unknown(0x%x)", machine);
  return buf;
}

std::string subsystem_name(uint16_t subsystem) {
  switch (subsystem) {
    case 0: return "unknown";
    case 1: return "native";
    case 2: return "windows_gui";
    case 3: return "windows_cui";
    case 5: return "os2_cui";
    case 7: return "posix_cui";
    case 8: return "native_windows";
    case 9: return "windows_ce_gui";
    case 10: return "efi_application";
    case 11: return "efi_boot_service_driver";
    case 12: return "efi_runtime_driver";
    case 13: return "efi_rom";
    case 14: return "xbox";
    case 16: return "windows_boot_application";
    default: return "unknown(" + std::to_string(subsystem) + ")";
  }
}

namespace {
std::vector<std::string> bit_names(uint16_t bits, const std::pair<uint16_t, const char*>* names, size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i)
    if (bits & names[i].first) out.emplace_back(names[i].second);
  return out;
}
}  // namespace

std::vector<std::string> characteristics_names(uint16_t c) {
  static const std::pair<uint16_t, const char*> names[] = {
      {0x1, "RELOCS_STRIPPED"},        {0x2, "EXECUTABLE_IMAGE"},      {0x4, "LINE_NUMS_STRIPPED"},
      {0x8, "LOCAL_SYMS_STRIPPED"},    {0x10, "AGGRESSIVE_WS_TRIM"},   {0x20, "LARGE_ADDRESS_AWARE"},
      {0x80, "BYTES_REVERSED_LO"},     {0x100, "32BIT_MACHINE"},       {0x200, "DEBUG_STRIPPED"},
      {0x400, "REMOVABLE_RUN_FROM_SWAP"}, {0x800, "NET_RUN_FROM_SWAP"}, {0x1000, "SYSTEM"},
      {0x2000, "DLL"},                 {0x4000, "UP_SYSTEM_ONLY"},     {0x8000, "BYTES_REVERSED_HI"}};
  return bit_names(c, names, std::size(names));
}

std::vector<std::string> dll_characteristics_names(uint16_t c) {
  static const std::pair<uint16_t, const char*> names[] = {
      {0x20, "HIGH_ENTROPY_VA"}, {0x40, "DYNAMIC_BASE"},   {0x80, "FORCE_INTEGRITY"}, {0x100, "NX_COMPAT"},
      {0x200, "NO_ISOLATION"},   {0x400, "NO_SEH"},        {0x800, "NO_BIND"},        {0x1000, "APPCONTAINER"},
      {0x2000, "WDM_DRIVER"},    {0x4000, "GUARD_CF"},     {0x8000, "TERMINAL_SERVER_AWARE"}};
  return bit_names(c, names, std::size(names));
}

}  // namespace ferry::pe
