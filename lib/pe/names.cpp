// Names for COFF machine types and PE subsystems, as llvm-readobj and dumpbin spell their meaning.
// Values from the PE format specification, "Machine Types" and "Windows Subsystem".
#include <cstdio>

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

}  // namespace ferry::pe
