// The decoded model of an ELF file that every capability reads: plain structs, no class or byte-order templates
// (the readers decode both through elf::Codec). Dynamic information is read through PT_DYNAMIC mapped by the
// PT_LOADs, as the loader does, so files without section headers decode the same; section headers are a fallback.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "elf/elf_constants.hpp"
#include "support/bytes.hpp"
#include "support/result.hpp"

namespace ferry::elf {

enum class Kind { relocatable, executable, pie, shared_object, core, other };
const char* to_string(Kind k);

struct Segment {
  uint32_t type = 0;   // PT_*
  uint32_t flags = 0;  // PF_*
  uint64_t offset = 0, vaddr = 0, paddr = 0, filesz = 0, memsz = 0, align = 0;
};

// One Vernaux of a Verneed: a version required from `file`, and the dynamic symbols that bind to it.
struct VersionRequirement {
  std::string name;  // e.g. GLIBC_2.14
  uint32_t hash = 0;
  uint16_t flags = 0;  // VER_FLG_WEAK ...
  uint16_t index = 0;  // vna_other: the .gnu.version value symbols use
  std::vector<std::string> symbols;  // imported symbols that use this version, sorted
};
struct VersionNeed {
  std::string file;  // vn_file, e.g. libc.so.6
  std::vector<VersionRequirement> versions;
};
struct VersionDefinition {
  std::string name;  // first Verdaux
  std::vector<std::string> parents;  // further Verdaux entries
  uint16_t index = 0;
  uint16_t flags = 0;  // VER_FLG_BASE for the file's own name
};

// A dynamic symbol, with the version it requires (imports) or defines (exports).
struct DynSymbol {
  std::string name;
  std::string version;   // empty when unversioned
  std::string library;   // for imports with a Vernaux: the Verneed file
  bool defined = false;  // st_shndx != SHN_UNDEF
  bool hidden_version = false;  // versym bit 15: a non-default (sym@VER, not sym@@VER) definition
  bool weak = false;
  uint8_t type = 0;  // STT_*
  uint8_t bind = 0;  // STB_*
  uint8_t visibility = 0;
  uint64_t value = 0, size = 0;
};

struct GnuProperties {
  uint32_t x86_isa_needed = 0;  // GNU_PROPERTY_X86_ISA_1_NEEDED bitmask (1 = baseline, 2 = v2, 4 = v3, 8 = v4)
  uint32_t x86_features = 0;    // GNU_PROPERTY_X86_FEATURE_1_AND (1 = IBT, 2 = SHSTK)
  uint32_t aarch64_features = 0;  // GNU_PROPERTY_AARCH64_FEATURE_1_AND (1 = BTI, 2 = PAC)
  bool present = false;
};

struct AbiTag {  // .note.ABI-tag: minimum kernel for glibc-linked programs
  uint32_t os = 0;  // 0 = Linux
  uint32_t major = 0, minor = 0, patch = 0;
};

struct ElfInfo {
  std::string path;
  uint64_t file_size = 0;
  int bits = 64;  // 32 or 64
  Endian endian = Endian::little;
  uint16_t machine = 0;  // EM_*
  std::string machine_name;  // x86_64, i386, aarch64, ...
  uint8_t osabi = 0;
  uint8_t abi_version = 0;
  uint16_t e_type = 0;
  Kind kind = Kind::other;
  uint64_t entry = 0;
  uint32_t e_flags = 0;

  std::vector<Segment> segments;
  uint64_t phoff = 0;
  uint16_t phnum = 0;
  bool has_section_headers = false;
  uint64_t shnum = 0;

  std::optional<std::string> interpreter;
  std::optional<std::string> soname;
  std::vector<std::string> needed;  // DT_NEEDED in order
  std::optional<std::string> rpath;    // DT_RPATH raw string
  std::optional<std::string> runpath;  // DT_RUNPATH raw string
  std::vector<std::string> rpath_entries;    // split on ':' (empty entries kept: they mean ".")
  std::vector<std::string> runpath_entries;
  uint64_t dt_flags = 0;    // DT_FLAGS
  uint64_t dt_flags_1 = 0;  // DT_FLAGS_1
  bool has_dynamic = false;
  bool textrel = false;  // DT_TEXTREL or DF_TEXTREL
  bool relr = false;     // DT_RELR
  bool sysv_hash = false;  // DT_HASH
  bool gnu_hash = false;   // DT_GNU_HASH
  bool bind_now = false;   // DT_BIND_NOW, DF_BIND_NOW or DF_1_NOW
  bool has_init_array = false;
  bool has_tls = false;  // PT_TLS
  std::optional<bool> exec_stack;  // PT_GNU_STACK flags; nullopt when there is no PT_GNU_STACK

  std::vector<VersionNeed> version_needs;        // .gnu.version_r, files in order
  std::vector<VersionDefinition> version_defs;   // .gnu.version_d
  std::vector<DynSymbol> dynamic_symbols;        // index 0 (the null symbol) omitted
  size_t imported_symbols = 0;  // undefined, named dynamic symbols
  size_t exported_symbols = 0;  // defined, named, non-local dynamic symbols
  size_t ifunc_symbols = 0;     // STT_GNU_IFUNC among dynamic symbols
  size_t unique_symbols = 0;    // STB_GNU_UNIQUE among dynamic symbols
  size_t irelative_relocs = 0;  // R_*_IRELATIVE in DT_RELA/DT_REL/DT_JMPREL: IFUNCs resolved without a symbol

  GnuProperties properties;
  std::optional<AbiTag> abi_tag;
  std::optional<std::string> build_id;  // hex

  // True when the program header table lies inside the file range of the first PT_LOAD: kernels before ~5.17
  // (CentOS 6/7) compute AT_PHDR from the first PT_LOAD, so programs need it there.
  bool phdr_in_first_load = true;

  std::vector<std::string> warnings;  // non-fatal problems; decoding went on

  bool is_dynamic() const { return has_dynamic; }
  bool has_nodeflib() const;
  const VersionNeed* find_version_need(const std::string& file) const;
};

struct ReadOptions {
  bool symbols = true;   // decode dynamic symbols (needed by check; inspect of many files may skip)
};

// Decodes an ELF image. `path` is used only for error messages and ElfInfo::path.
Result<ElfInfo> read_elf(ByteView image, const std::string& path, const ReadOptions& opts = {});
// Maps and decodes a file.
Result<ElfInfo> read_elf_file(const std::string& path, const ReadOptions& opts = {});

const char* machine_name(uint16_t machine);
// EI_OSABI's name ("GNU/Linux"), the names of the DT_FLAGS and DT_FLAGS_1 bits set in `f`, and p_flags as
// readelf prints them ("R-E").
const char* osabi_name(uint8_t osabi);
std::vector<std::string> dt_flags_names(uint64_t f);
std::vector<std::string> dt_flags_1_names(uint64_t f);
std::string segment_flags(uint32_t f);
// Splits an RPATH/RUNPATH string on ':' the way the loader does.
std::vector<std::string> split_search_path(const std::string& s);

}  // namespace ferry::elf
