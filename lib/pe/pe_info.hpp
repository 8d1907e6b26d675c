// Decoded PE/COFF images (EXE and DLL, PE32 and PE32+): what the Windows loader needs to find dependencies —
// imported DLLs with their functions, delay-loaded DLLs, the exported DLL name — and the header facts a
// compatibility check reads (machine, subsystem, OS versions, characteristics). Plain decoded fields only.
// Follows the Microsoft PE format specification ("PE Format", learn.microsoft.com) and LLVM's COFFObjectFile.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "support/bytes.hpp"
#include "support/result.hpp"

namespace ferry::pe {

// One imported function: by name (with its hint) or by ordinal.
struct ImportedFunction {
  std::string name;  // empty when imported by ordinal
  std::optional<uint16_t> ordinal;  // set when imported by ordinal
  uint16_t hint = 0;
};

// A DLL named by the import directory (or the delay-load directory), with the functions taken from it.
struct ImportedDll {
  std::string name;  // as written, e.g. "KERNEL32.dll"
  std::vector<ImportedFunction> functions;
};

struct Version {
  uint16_t major = 0, minor = 0;
};

struct PeInfo {
  std::string path;
  uint64_t file_size = 0;
  uint16_t machine = 0;        // IMAGE_FILE_MACHINE_* (0x8664 AMD64, 0x14c I386, 0xaa64 ARM64 ...)
  std::string machine_name;    // "x86_64", "i386", "arm64", "arm", "unknown(0x...)"
  bool pe32_plus = false;      // optional header magic 0x20b (64-bit) rather than 0x10b
  bool is_dll = false;         // IMAGE_FILE_DLL
  uint16_t characteristics = 0;      // COFF header Characteristics (IMAGE_FILE_*)
  uint16_t dll_characteristics = 0;  // optional header DllCharacteristics (IMAGE_DLLCHARACTERISTICS_*)
  uint16_t subsystem = 0;            // IMAGE_SUBSYSTEM_* (2 windows GUI, 3 windows console ...)
  std::string subsystem_name;        // "windows_gui", "windows_cui", "efi_application" ...
  Version os_version;          // MajorOperatingSystemVersion / Minor
  Version subsystem_version;   // MajorSubsystemVersion / Minor: the Windows version the loader insists on
  Version image_version;
  Version linker_version;
  uint32_t timestamp = 0;
  uint64_t image_base = 0;
  uint32_t entry_point = 0;    // AddressOfEntryPoint (RVA)
  uint32_t size_of_image = 0;
  uint16_t section_count = 0;

  std::vector<ImportedDll> imports;        // import directory, in order
  std::vector<ImportedDll> delay_imports;  // delay-load directory, in order
  std::optional<std::string> export_name;  // export directory Name: the DLL's own name
  uint32_t export_count = 0;               // export address table entries (NumberOfFunctions)
  std::vector<std::string> exported_names;  // export name pointer table, in order

  std::vector<std::string> warnings;  // non-fatal problems; decoding went on
};

// Decodes a PE image. `path` is used only for error messages and PeInfo::path. Structural problems
// (truncation, RVAs outside every section, tables that run off the file, absurd counts) are ErrorCode::format
// errors naming the structure and its file offset.
struct ReadPeOptions {
  // Re-read the header fields with LIEF as a second opinion (disagreement becomes a warning). It costs a copy and
  // a parse of the whole image; wheel repair, which needs only the imports, turns it off.
  bool lief_cross_check = true;
};
Result<PeInfo> read_pe(ByteView image, const std::string& path, const ReadPeOptions& opts = {});

std::string machine_name(uint16_t machine);
std::string subsystem_name(uint16_t subsystem);
// Set bits of the COFF Characteristics / optional header DllCharacteristics, named as in the specification
// without the IMAGE_FILE_ / IMAGE_DLLCHARACTERISTICS_ prefix ("DLL", "LARGE_ADDRESS_AWARE", "NX_COMPAT" ...).
std::vector<std::string> characteristics_names(uint16_t characteristics);
std::vector<std::string> dll_characteristics_names(uint16_t dll_characteristics);

}  // namespace ferry::pe
