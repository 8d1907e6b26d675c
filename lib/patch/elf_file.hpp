// The writer's own view of an ELF file: raw headers with their file offsets, the dynamic section read through
// PT_DYNAMIC (as the loader does), .dynstr, version tables and dynamic symbols located through DT_* tags, and
// section headers when present. Records are decoded and encoded by elf::Codec (lib/elf/elf_codec.hpp), which
// fixes class and byte order once; every access is bounds-checked.
// Follows the System V gABI (ELF header, program and section headers, dynamic section) and the LSB symbol
// versioning chapter (Verneed/Vernaux/Verdef).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "elf/elf_codec.hpp"
#include "elf/elf_info.hpp"
#include "support/bytes.hpp"
#include "support/result.hpp"

namespace ferry::patch {

// The writer's records are lib/elf's: one decoding of program headers, section headers and dynamic entries.
using Phdr = elf::Segment;
using Dyn = elf::DynEntry;
using Codec = elf::Codec;

struct Shdr : elf::SectionHeader {
  std::string name_str;  // from the section header string table, when it has one
};

struct Vernaux {
  uint32_t hash = 0;
  uint16_t flags = 0, other = 0;
  uint32_t name = 0;  // .dynstr offset
};
struct Verneed {
  uint16_t version = 1;
  uint32_t file = 0;  // .dynstr offset
  std::vector<Vernaux> aux;
};

struct DynSym {
  uint32_t name = 0;
  uint16_t shndx = 0;
  uint64_t value = 0;
};

class LayoutView;

struct ElfFile {
  std::string path;
  ByteView bytes;  // the bytes it was read from; empty in a modelled layout (below)
  // Set in the planner's model of the file after room moves (plan_layout.cpp): the headers and tables here are
  // the modelled ones and the bytes are read through this view. Planning code reads bytes through file_size(),
  // in_file(), byte_at() and span(), which serve both.
  std::shared_ptr<const LayoutView> layout;
  Codec c;
  uint16_t e_type = 0, e_machine = 0;
  uint64_t e_phoff = 0, e_shoff = 0;
  uint16_t e_phentsize = 0, e_phnum = 0, e_shentsize = 0, e_shstrndx = 0;
  uint64_t shnum = 0;  // real count (extended numbering resolved)
  std::vector<Phdr> phdrs;
  std::vector<Shdr> shdrs;

  uint8_t os_abi = 0;  // e_ident[EI_OSABI]

  // Dynamic section: through PT_DYNAMIC, as the loader reads it. When there is no PT_DYNAMIC or it maps no
  // bytes (a linker script's odd output), the .dynamic section is read instead, as patchelf does; a separate
  // debug file (PT_DYNAMIC empty, .dynamic SHT_NOBITS) has no dynamic contents at all.
  std::optional<size_t> dynamic_phdr;
  bool has_dynamic = false;         // entries were read (from PT_DYNAMIC or the section)
  bool dynamic_from_section = false;
  uint64_t dynamic_offset = 0;      // file offset of the entries
  uint64_t dynamic_vaddr = 0;
  uint64_t dynamic_capacity = 0;    // entries that fit in PT_DYNAMIC's p_filesz (or the section's sh_size)
  std::vector<Dyn> dyn;             // entries before the first DT_NULL
  uint64_t dynstr_offset = 0, dynstr_addr = 0, dynstr_size = 0;
  bool has_dynstr = false;

  // Versions and symbols (through DT_*).
  std::optional<uint64_t> verneed_offset;  // file offset
  uint64_t verneed_bytes = 0;              // bytes the chain spans (to the end of its last entry)
  std::vector<Verneed> verneeds;
  std::optional<uint64_t> versym_offset;
  std::optional<uint64_t> dynsym_offset;
  std::optional<uint64_t> dynsym_count;  // from section headers, DT_HASH or DT_GNU_HASH
  std::vector<DynSym> dynsyms;
  std::vector<uint32_t> verdef_names;  // vda_name offsets of .gnu.version_d
  bool verdef_complete = true;

  std::optional<size_t> interp_phdr;

  uint64_t file_size() const;
  bool in_file(uint64_t off, uint64_t len) const;
  uint8_t byte_at(uint64_t off) const;  // 0 past the end
  // The offset of the first non-zero byte in [off, +len), or off + len when they are all zero (bytes past the
  // end count as zero): byte_at over a range, without a call and a walk through the layers per byte.
  uint64_t first_nonzero(uint64_t off, uint64_t len) const;
  std::optional<ByteView> span(uint64_t off, uint64_t len) const;
  // A `size`-byte field (2, 4 or 8) at `off` in the file's byte order; 0 when outside the file.
  uint64_t get(uint64_t off, int size) const;

  bool is64() const { return c.is64; }
  bool has_interp() const { return interp_phdr.has_value(); }
  // Whether the kernel would start this file as a program: ET_EXEC, or a PT_INTERP naming a path (printable
  // bytes up to a NUL). A PT_INTERP over other bytes (patchelf's phdr-corruption.so test) names none.
  bool runs_as_program() const;
  std::optional<uint64_t> find_dyn(int64_t tag) const;
  // File offset of [vaddr, vaddr+len) when a PT_LOAD maps it from the file.
  std::optional<uint64_t> find_offset(uint64_t vaddr, uint64_t len) const;
  std::optional<std::string> find_dynstr(uint64_t off) const;
  std::optional<std::string> interpreter() const;
  std::optional<size_t> find_section_by_addr(uint64_t addr, uint32_t type = 0) const;
  uint64_t max_vaddr_end() const;
  Error error(std::string message, std::optional<uint64_t> offset = std::nullopt,
              ErrorCode code = ErrorCode::format) const;
};

// Writes one program header at p (phent() bytes, which the caller has range-checked) in the file's class and
// byte order: the inverse of the decoding in read_elf_file_for_patch (both are elf::Codec's).
inline void encode_phdr(const Codec& c, uint8_t* p, const Phdr& h) { c.put_phdr(p, h); }

// Decodes headers, dynamic section and version tables; fails with a message naming the structure and offset.
Result<ElfFile> read_elf_file_for_patch(ByteView bytes, const std::string& path);

// The planner's model after one room move (plan_layout.cpp), whose bytes `f.layout` now shows: decodes again
// what the move wrote (the program header table, and the section headers, dynamic entries and dynamic symbols
// for which `written(offset, size)` says so, or which moved) and locates again, with the parser's checks, the
// tables found through program headers and DT_* tags. Nothing else is read again: the rest of the parsed file
// is what the move left as it was.
using WrittenTest = std::function<bool(uint64_t offset, uint64_t size)>;
Status follow_written_bytes(ElfFile& f, const WrittenTest& written);

}  // namespace ferry::patch
