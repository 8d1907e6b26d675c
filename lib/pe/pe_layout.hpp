// The one decoding of a PE image's headers: DOS stub pointer, COFF file header, optional header, data
// directories and section table, with every range checked against the file and where each field lives (for
// editors). read_pe.cpp (the directories) and edit_imports.cpp (the import writer) both start from it.
// Field offsets follow the PE format specification ("PE Format", learn.microsoft.com).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pe/pe_info.hpp"
#include "support/bytes.hpp"
#include "support/result.hpp"

namespace ferry::pe {

struct LayoutSection {
  std::string name;
  uint64_t header_off = 0;  // file offset of this 40-byte section header
  uint32_t vsize = 0, va = 0, raw_size = 0, raw_ptr = 0, characteristics = 0;
};

struct PeLayout {
  // COFF file header
  uint16_t machine = 0, characteristics = 0;
  uint32_t timestamp = 0;
  // optional header
  bool pe32_plus = false;
  uint8_t linker_major = 0, linker_minor = 0;
  uint32_t entry_point = 0;
  uint64_t image_base = 0;
  uint32_t file_alignment = 0, section_alignment = 0, size_of_headers = 0, size_of_image = 0;
  uint16_t os_major = 0, os_minor = 0, image_major = 0, image_minor = 0, subsystem_major = 0, subsystem_minor = 0;
  uint16_t subsystem = 0, dll_characteristics = 0;
  uint32_t ndirs = 0;                                   // usable data directories (at most 16)
  std::array<std::pair<uint32_t, uint32_t>, 16> dirs{};  // (RVA, size); absent ones are zero
  std::vector<LayoutSection> sections;                  // in table order

  // Where fields live in the file.
  uint64_t coff_off = 0;           // COFF file header (after "PE\0\0")
  uint64_t opt_off = 0;            // optional header
  uint64_t checksum_off = 0;       // optional header CheckSum
  uint64_t size_of_image_off = 0;  // optional header SizeOfImage
  uint64_t dirs_off = 0;           // data directory array
  uint64_t section_table_off = 0;
  uint64_t file_size = 0;          // of the image read (headers past it are not backed by bytes)

  uint64_t dir_field(uint32_t i) const { return dirs_off + uint64_t(i) * 8; }
  // The file offset backing `rva` and how many bytes from there belong to the same section (or the headers).
  std::optional<std::pair<uint64_t, uint64_t>> rva_to_off(uint64_t rva) const;
  // The end of the raw data of every section (where an overlay would start).
  uint64_t raw_end() const;
};

// Reads and checks the headers and section table. Errors are ErrorCode::format, one line naming the structure,
// with its file offset.
Result<PeLayout> read_layout(ByteView file);

// read_pe on headers already decoded (an editor that holds the layout does not decode them twice).
Result<PeInfo> read_pe(ByteView image, const PeLayout& layout, const std::string& path, const ReadPeOptions& opts = {});

// The PE checksum (the algorithm of imagehlp's CheckSumMappedFile): 16-bit one's-complement-style sum of the
// file with the CheckSum field taken as zero, folded, plus the file length.
uint32_t pe_checksum(ByteView file, uint64_t checksum_off);

}  // namespace ferry::pe
