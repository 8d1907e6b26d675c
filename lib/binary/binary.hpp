// One entry point for any binary ferry reads: sniff the format, dispatch to the ELF, Mach-O or PE reader.
#pragma once

#include <string>
#include <variant>

#include "elf/elf_info.hpp"
#include "macho/macho_info.hpp"
#include "pe/pe_info.hpp"
#include "support/bytes.hpp"
#include "support/result.hpp"

namespace ferry {

using Binary = std::variant<elf::ElfInfo, macho::MachOFile, pe::PeInfo>;

// Reads any supported binary. Non-binaries give an ErrorCode::unsupported error ("not an ELF, Mach-O or PE file").
Result<Binary> read_binary(ByteView image, const std::string& path);
Result<Binary> read_binary_file(const std::string& path);
const std::string& binary_path(const Binary& b);
const char* binary_format(const Binary& b);  // "elf", "macho", "pe"

}  // namespace ferry
