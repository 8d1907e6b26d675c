// ferry's own zip reader (APPNOTE.TXT 4.3): the central directory with ZIP64, every entry checked against the
// file and its local header before any data is read, and a member's data streamed back (stored, or deflated
// through zlib) with its size and CRC-32 checked at the end. It replaced libzip, so a static ferry needs no
// library Debian ships only shared. The wheel module reads and writes member data through it as well.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/result.hpp"

namespace ferry::archive {

struct ZipEntry {
  std::string name;  // as stored
  uint16_t version_made_by = 0, flags = 0, method = 0, dostime = 0, dosdate = 0;
  uint32_t crc = 0, external_attr = 0;
  uint64_t comp_size = 0, size = 0, local_offset = 0;
  uint64_t data_offset = 0;  // first byte of the compressed data (after the local header)

  bool encrypted() const { return (flags & 1) != 0; }
  // st_mode from the external attributes when the entry was made on Unix (0 otherwise).
  uint32_t unix_mode() const { return (version_made_by >> 8) == 3 ? external_attr >> 16 : 0; }
};

// Parses the end record (ZIP64 too) and the central directory, and checks, before anything is read: every entry
// lies inside the directory; each local header is where its entry says, with the same name and method (and CRC
// and sizes unless a data descriptor follows); member data lies inside the file, before the directory, and no two
// members share bytes (the overlapping-member zip bomb). Errors name the member and the offset.
Result<std::vector<ZipEntry>> read_zip_directory(const std::string& path);

// Streams one member's uncompressed data from an open file, bounded memory (256 KiB of input at a time).
// read() returns the bytes produced, 0 at the end, -1 on an error (then error() says what). At the end the
// CRC-32 is checked; sizes are the caller's to compare (a member that inflates to more or less than it claims).
class ZipDataStream {
public:
  ZipDataStream(int fd, const ZipEntry& e);
  ~ZipDataStream();
  ZipDataStream(const ZipDataStream&) = delete;
  ZipDataStream& operator=(const ZipDataStream&) = delete;

  int64_t read(uint8_t* buf, size_t n);
  const std::string& error() const { return error_; }

private:
  int64_t fail(std::string why);
  bool fill();

  int fd_;
  const ZipEntry& e_;
  void* z_ = nullptr;  // z_stream, for deflated members
  std::vector<uint8_t> in_;
  size_t in_pos_ = 0, in_len_ = 0;
  uint64_t consumed_ = 0;  // compressed bytes read from the file
  uint32_t crc_ = 0;
  bool done_ = false;
  std::string error_;
};

}  // namespace ferry::archive
