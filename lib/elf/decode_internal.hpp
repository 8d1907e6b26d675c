// Internal to lib/elf: the rules the full reader (read_elf.cpp) and the header-only reader (read_headers.cpp)
// share once their bytes are in hand, so both fill ElfInfo the same way: the ELF header's fields, the program
// header table's checks and the segment facts drawn from it, the dynamic-table flags, the address-to-offset
// rule through PT_LOAD, and the DT_NEEDED / DT_SONAME / DT_RPATH / DT_RUNPATH strings with their errors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "elf/elf_codec.hpp"
#include "elf/elf_ident.hpp"
#include "elf/elf_info.hpp"
#include "support/result.hpp"

namespace ferry::elf {

// A format error naming the file, as every reader's errors do.
Error format_error(const std::string& path, std::string message, std::optional<uint64_t> offset);

// Identification and ELF header fields into `info` (bits, endian, osabi, abi_version, e_type, machine,
// machine_name, entry, e_flags, phoff).
void set_header(ElfInfo& info, const Ident& id, const FileHeader& h);

// Checks a table of `n` (> 0) program headers of `phentsize` bytes at `phoff` in a file of `file_size` bytes:
// e_phentsize must be the class's record size and the table must lie in the file. Returns its size in bytes.
Result<uint64_t> program_table_size(const std::string& path, const Codec& c, uint64_t n, uint64_t phentsize,
                                    uint64_t phoff, uint64_t file_size);

// Decodes `n` program headers from `table` (n * c.phent() bytes) into info.segments, with what they tell
// directly: exec_stack (PT_GNU_STACK), has_tls (PT_TLS) and phdr_in_first_load. Sets info.phnum.
void set_segments(ElfInfo& info, const Codec& c, const uint8_t* table, uint64_t n);

// File offset of a virtual address through the first PT_LOAD whose file bytes hold it (the loader's view).
std::optional<uint64_t> load_offset(const std::vector<Segment>& segments, uint64_t addr);

// The dynamic entries that are flags or mere presence; fed every entry before DT_NULL, first value wins.
struct DynamicFlags {
  std::optional<uint64_t> flags, flags_1;
  bool textrel = false, relr = false, hash = false, gnu_hash = false, bind_now = false, init = false;
  void note(int64_t tag, uint64_t val);
  void apply(ElfInfo& info) const;  // dt_flags, dt_flags_1, textrel, relr, sysv_hash, gnu_hash, bind_now, has_init_array
};

// The string-valued dynamic entries: .dynstr offsets, first value wins except DT_NEEDED (all, in order).
struct DynamicStrings {
  std::vector<uint64_t> needed;
  std::optional<uint64_t> soname, rpath, runpath;
  bool any() const { return !needed.empty() || soname || rpath || runpath; }
};

// Resolves the strings into info (needed, soname, rpath, runpath and their split entries). `string_at(offset,
// what)` gives the .dynstr string at `offset` or the error naming `what`.
template <class StringAt>
Status set_dynamic_strings(ElfInfo& info, const DynamicStrings& d, StringAt&& string_at) {
  info.needed.reserve(d.needed.size());
  for (size_t i = 0; i < d.needed.size(); ++i) {
    FERRY_TRY(s, string_at(d.needed[i], "DT_NEEDED #" + std::to_string(i)));
    info.needed.push_back(std::move(s));
  }
  if (d.soname) {
    FERRY_TRY(s, string_at(*d.soname, "DT_SONAME"));
    info.soname = std::move(s);
  }
  if (d.rpath) {
    FERRY_TRY(s, string_at(*d.rpath, "DT_RPATH"));
    info.rpath_entries = split_search_path(s);
    info.rpath = std::move(s);
  }
  if (d.runpath) {
    FERRY_TRY(s, string_at(*d.runpath, "DT_RUNPATH"));
    info.runpath_entries = split_search_path(s);
    info.runpath = std::move(s);
  }
  return {};
}

// The error for a string offset outside .dynstr (`size` bytes at file offset `table_offset`).
Error dynstr_error(const std::string& path, const std::string& what, uint64_t offset, uint64_t size,
                   uint64_t table_offset);

}  // namespace ferry::elf
