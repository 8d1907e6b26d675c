// LIEF's view of a PE image, used for the COFF and optional header fields (machine, characteristics, magic,
// subsystem, versions), which LIEF 0.9 decodes correctly. LIEF 0.9 has no delay-load imports and skips imports
// with short names, so import and export tables come from the checked reader (read_pe.cpp). LIEF throws on bad
// input and logs to stderr; both are contained here.
#include <LIEF/PE.hpp>

#include <cstring>
#include <exception>

#include "pe/lief_check.hpp"
#include "support/lief_start_internal.hpp"

namespace ferry::pe::detail {

namespace {

template <class T, class U>
void take(PeInfo& info, const char* field, T& ours, U lief_value) {
  T v = static_cast<T>(lief_value);
  if (ours != v)
    info.warnings.push_back(std::string("LIEF reads ") + field + " " + hex(v) + ", the checked reader " + hex(ours));
  ours = v;
}

// Directories kept for LIEF: export (0) and import (1). Everything else it would walk (resources, relocations,
// debug, TLS, load config, certificates, CLR) is unbounded by our reader and unused by ferry.
void clear_unused(std::vector<uint8_t>& copy, uint64_t dirs_off, uint32_t ndirs, uint64_t coff_off) {
  for (uint32_t i = 2; i < ndirs; ++i) std::memset(copy.data() + dirs_off + uint64_t(i) * 8, 0, 8);
  std::memset(copy.data() + coff_off + 8, 0, 8);  // PointerToSymbolTable, NumberOfSymbols
}
}  // namespace

void cross_check_with_lief(ByteView image, uint64_t dirs_off, uint32_t ndirs, uint64_t coff_off, PeInfo& info) {
  start_lief_quietly();
  try {
    std::vector<uint8_t> copy(image.data(), image.data() + image.size());
    clear_unused(copy, dirs_off, ndirs, coff_off);
    std::unique_ptr<LIEF::PE::Binary> bin = LIEF::PE::Parser::parse(copy, "");
    if (!bin) {
      info.warnings.push_back("LIEF could not parse the image");
      return;
    }
    const auto& h = bin->header();
    const auto& oh = bin->optional_header();
    take(info, "machine", info.machine, h.machine());
    take(info, "characteristics", info.characteristics, h.characteristics());
    bool plus = oh.magic() == LIEF::PE::PE_TYPE::PE32_PLUS;
    if (plus != info.pe32_plus) info.warnings.push_back("LIEF and the checked reader disagree on PE32/PE32+");
    info.pe32_plus = plus;
    take(info, "subsystem", info.subsystem, oh.subsystem());
    take(info, "DllCharacteristics", info.dll_characteristics, oh.dll_characteristics());
    take(info, "MajorOperatingSystemVersion", info.os_version.major, oh.major_operating_system_version());
    take(info, "MinorOperatingSystemVersion", info.os_version.minor, oh.minor_operating_system_version());
    take(info, "MajorSubsystemVersion", info.subsystem_version.major, oh.major_subsystem_version());
    take(info, "MinorSubsystemVersion", info.subsystem_version.minor, oh.minor_subsystem_version());
    take(info, "ImageBase", info.image_base, oh.imagebase());
    info.machine_name = machine_name(info.machine);
    info.subsystem_name = subsystem_name(info.subsystem);
    info.is_dll = (info.characteristics & 0x2000) != 0;
  } catch (const std::exception& e) {
    info.warnings.push_back(std::string("LIEF could not parse the image: ") + e.what());
  } catch (...) {
    info.warnings.push_back("LIEF could not parse the image");
  }
}

}  // namespace ferry::pe::detail
