// The parts of a PE image's headers an editor needs: where each header field lives in the file, the section
// table, and RVA <-> file offset through it. Read once, checked, shared by the passes of edit_imports.cpp.
// Field offsets follow the PE format specification ("PE Format", learn.microsoft.com).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "support/bytes.hpp"
#include "support/result.hpp"

namespace ferry::pe {

struct LayoutSection {
  std::string name;
  uint64_t header_off = 0;  // file offset of this 40-byte section header
  uint32_t vsize = 0, va = 0, raw_size = 0, raw_ptr = 0, characteristics = 0;
};

struct PeLayout {
  bool pe32_plus = false;
  uint64_t image_base = 0;
  uint64_t coff_off = 0;           // COFF file header (after "PE\0\0")
  uint64_t opt_off = 0;            // optional header
  uint64_t checksum_off = 0;       // optional header CheckSum
  uint64_t size_of_image_off = 0;  // optional header SizeOfImage
  uint64_t dirs_off = 0;           // data directory array
  uint32_t ndirs = 0;              // usable data directories (at most 16)
  uint64_t section_table_off = 0;
  uint64_t file_size = 0;          // of the image read (headers past it are not backed by bytes)
  uint32_t file_alignment = 0, section_alignment = 0, size_of_headers = 0, size_of_image = 0;
  std::vector<LayoutSection> sections;  // in table order

  uint64_t dir_field(uint32_t i) const { return dirs_off + uint64_t(i) * 8; }
  // The file offset backing `rva` and how many bytes from there belong to the same section (or the headers).
  std::optional<std::pair<uint64_t, uint64_t>> rva_to_off(uint64_t rva) const;
  // The end of the raw data of every section (where an overlay would start).
  uint64_t raw_end() const;
};

// Reads and checks the headers and section table (one-line format errors with file offsets).
Result<PeLayout> read_layout(ByteView file);

// The PE checksum (the algorithm of imagehlp's CheckSumMappedFile): 16-bit one's-complement-style sum of the
// file with the CheckSum field taken as zero, folded, plus the file length.
uint32_t pe_checksum(ByteView file, uint64_t checksum_off);

}  // namespace ferry::pe
