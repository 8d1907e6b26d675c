// The zip container read and written directly (APPNOTE.TXT 4.3): the central directory of an archive with each
// member's data offset, and an archive assembled from already-compressed member data. Copying member data is done
// with copy_file_range, so unchanged members of a gigabyte wheel never pass through user space; ZIP64 records are
// written when sizes, offsets or the member count need them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/result.hpp"

namespace ferry::wheel {

struct RawMember {
  std::string name;
  uint16_t version_made_by = 0, flags = 0, method = 0, dostime = 0, dosdate = 0;
  uint32_t crc = 0, external_attr = 0;
  uint64_t comp_size = 0, size = 0, local_offset = 0;
  uint64_t data_offset = 0;  // first byte of the compressed data (after the local header)
};

// Parses the end record (ZIP64 too), the central directory and every local header. Every offset is checked
// against the file size; errors name the member and the offset.
Result<std::vector<RawMember>> read_central_directory(const std::string& path);

struct RawOutput {
  std::string name;
  int src_fd = -1;           // file holding the compressed data
  uint64_t data_offset = 0;  // where it starts there
  uint64_t comp_size = 0, size = 0;
  uint32_t crc = 0;
  uint16_t method = 0;
  uint16_t dostime = 0, dosdate = 0;
  uint32_t mode = 0100644;   // st_mode for the external attributes
};

// Writes the archive to `fd` (from offset 0): local headers, data, central directory, end records.
Status write_raw_zip(int fd, const std::vector<RawOutput>& members, const std::string& path_for_errors);

}  // namespace ferry::wheel
