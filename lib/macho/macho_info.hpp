// Decoded Mach-O files, thin or fat/universal: one Slice per architecture, holding what the dynamic loader (dyld)
// reads from the load commands — install name, dependencies with their kind and versions, LC_RPATH entries, and
// the minimum OS / SDK. Plain decoded fields only, so the resolver can apply @rpath/@loader_path rules without
// any Mach-O type. Follows <mach-o/loader.h> and <mach-o/fat.h> (cctools / LLVM BinaryFormat/MachO.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "support/bytes.hpp"
#include "support/result.hpp"

namespace ferry::macho {

// How a dependency is loaded; one load command each (LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB,
// LC_LOAD_UPWARD_DYLIB, LC_LAZY_LOAD_DYLIB).
enum class DylibKind { load, weak, reexport, upward, lazy };
const char* to_string(DylibKind k);  // "load", "weak", "reexport", "upward", "lazy"

// Versions are packed as in the file: xxxx.yy.zz in 16.8.8 bits.
struct Dylib {
  std::string name;  // as written, e.g. "@rpath/libfoo.dylib", "/usr/lib/libSystem.B.dylib"
  DylibKind kind = DylibKind::load;
  uint32_t current_version = 0;
  uint32_t compatibility_version = 0;
  uint32_t timestamp = 0;
};

// Minimum OS and SDK, from LC_BUILD_VERSION or one of the LC_VERSION_MIN_* commands.
struct MinOs {
  std::string command;  // "LC_BUILD_VERSION", "LC_VERSION_MIN_MACOSX", ...
  uint32_t platform = 0;  // PLATFORM_* (1 macos, 2 ios, 3 tvos, 4 watchos, 6 maccatalyst, 7 iossimulator ...)
  std::string platform_name;  // "macos", "ios", ... ("unknown(N)" for values ferry does not know)
  uint32_t minos = 0;  // packed X.Y.Z
  uint32_t sdk = 0;    // packed X.Y.Z; 0 when the linker did not record one
};

struct Slice {
  uint64_t offset = 0;  // of the slice in the file (0 for a thin file)
  uint64_t size = 0;
  Endian endian = Endian::little;
  bool is_64 = true;
  uint32_t cpu_type = 0;     // CPU_TYPE_*
  uint32_t cpu_subtype = 0;  // CPU_SUBTYPE_* including the capability bits
  std::string arch;          // "x86_64", "arm64", "arm64e", "i386", "x86_64h", "armv7", "ppc" ...
  uint32_t file_type = 0;    // MH_* (2 execute, 6 dylib, 8 bundle ...)
  std::string file_type_name;  // "execute", "dylib", "bundle", "object" ...
  uint32_t flags = 0;        // MH_* header flags
  uint32_t ncmds = 0;
  uint32_t sizeofcmds = 0;

  std::optional<Dylib> id;  // LC_ID_DYLIB: the install name (kind is `load`); never listed in dependencies
  std::vector<Dylib> dependencies;  // in load-command order: that order gives dyld's library ordinals
  std::vector<std::string> rpaths;  // every LC_RPATH, in order
  std::vector<MinOs> min_os;        // usually one; zippered (macOS + Mac Catalyst) binaries carry two
  std::optional<std::string> dylinker;  // LC_LOAD_DYLINKER, e.g. /usr/lib/dyld
  std::optional<std::string> uuid;      // LC_UUID, upper-case 8-4-4-4-12
  std::optional<uint64_t> entry_offset;  // LC_MAIN entryoff
  bool has_code_signature = false;       // LC_CODE_SIGNATURE

  std::vector<std::string> warnings;  // non-fatal problems; decoding went on

  const std::string* install_name() const { return id ? &id->name : nullptr; }
};

struct MachOFile {
  std::string path;
  uint64_t file_size = 0;
  bool fat = false;        // a universal file (FAT_MAGIC or FAT_MAGIC_64), even with a single slice
  bool fat64 = false;      // FAT_MAGIC_64
  std::vector<Slice> slices;  // one for a thin file
};

// Decodes a thin or fat Mach-O image. `path` is used only for error messages and MachOFile::path.
// Structural problems (truncation, offsets outside the file or command, overlapping slices, absurd counts) are
// ErrorCode::format errors naming the structure and its file offset.
// `lief_cross_check` = false skips the LIEF comparison (warnings only; a fifth of the time on big wheels).
Result<MachOFile> read_macho(ByteView image, const std::string& path, bool lief_cross_check = true);

// Names and formatting shared by renderers and tests.
std::string arch_name(uint32_t cpu_type, uint32_t cpu_subtype);
const char* file_type_name(uint32_t file_type);
std::string platform_name(uint32_t platform);
// Set mach_header flags named as in <mach-o/loader.h> without the MH_ prefix ("NOUNDEFS", "TWOLEVEL", "PIE" ...).
std::vector<std::string> header_flag_names(uint32_t flags);
std::string format_dylib_version(uint32_t packed);  // always X.Y.Z, as otool -L prints it
std::string format_os_version(uint32_t packed);     // X.Y, or X.Y.Z when Z is not 0, as llvm-readobj prints it

}  // namespace ferry::macho
