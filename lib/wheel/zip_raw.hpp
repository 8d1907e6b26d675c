// The zip container written directly (APPNOTE.TXT 4.3): an archive assembled from already-compressed member
// data (the reading side is lib/archive's zip_directory.hpp). Copying member data is done with copy_file_range,
// so unchanged members of a gigabyte wheel never pass through user space; ZIP64 records are written when sizes,
// offsets or the member count need them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "archive/zip_directory.hpp"
#include "support/result.hpp"

namespace ferry::wheel {

// A member as the central directory and its local header describe it: ferry's zip reader (lib/archive).
using RawMember = archive::ZipEntry;

// Parses and checks the central directory (archive::read_zip_directory): errors name the member and the offset.
inline Result<std::vector<RawMember>> read_central_directory(const std::string& path) {
  return archive::read_zip_directory(path);
}

struct DeflateIndex;         // deflate.hpp

// What a patch of a member as extracted tells the writer that rebuilds its deflate stream: the ranges [from, to)
// of the new content that hold the original's bytes at the same offsets (patch::PatchReport::unchanged; sorted,
// disjoint), and the new content's CRC-32 worked out from them (patched_crc, deflate_reuse.hpp).
struct KnownChanges {
  std::vector<std::pair<uint64_t, uint64_t>> unchanged;
  uint32_t crc = 0;
};
class PendingDeflateIndex;  // deflate.hpp

// What reusing an original member's compressed bits needs (deflate_reuse.hpp): its compressed stream (`wheel_fd`
// at `data_offset`), its block index, and its content (`base_fd`, the member as extracted; checked against the
// index's CRC-32 before use).
struct ReuseBase {
  int wheel_fd = -1;
  uint64_t data_offset = 0;
  const DeflateIndex* index = nullptr;
  int base_fd = -1;
  // Without `index`: the index still being walked, awaited once the contents are compared.
  PendingDeflateIndex* pending = nullptr;
  // What the patch knows of the new content (KnownChanges): then neither file is compared and `base_fd` is not
  // read. Null: both files are read and compared.
  const KnownChanges* known = nullptr;
};

struct RawOutput {
  // copy: `comp_size` compressed bytes at `data_offset` of `src_fd`, with their CRC and method, as they are.
  // bytes: `bytes` already compressed (method, CRC and sizes given). deflate_file / store_file: the whole file
  // `src_fd` of `size` bytes, deflated in parallel chunks or stored while it is written (CRC and compressed size
  // are filled in then).
  enum class Data { copy, bytes, deflate_file, store_file };
  std::string name;
  Data data = Data::copy;
  int src_fd = -1;
  uint64_t data_offset = 0;
  std::vector<uint8_t> bytes;
  uint64_t comp_size = 0, size = 0;
  uint32_t crc = 0;
  uint16_t method = 0;
  uint16_t dostime = 0, dosdate = 0;
  uint32_t mode = 0100644;   // st_mode for the external attributes
  // Set: called when the writer reaches the member, before its header, to fill in its data (a `bytes` member
  // produced late); an error stops the write.
  std::function<Status(RawOutput&)> late;
  // deflate_file: the original member this file was patched from (reuse.index set), whose compressed bits are
  // copied wherever the patch left the content alone (deflate_reuse.hpp).
  ReuseBase reuse;
  // Set: called once the member is written (and not at all when the write stops before it).
  std::function<void()> done;
};

struct RawWriteOptions {
  int level = 6;      // for deflate_file members (libdeflate's 1..12)
  bool fast_large = false;  // the default level: deflate_file members from kFastDeflateFrom on use the fast encoder
  unsigned jobs = 0;  // threads deflating one member's chunks (0 = all cores)
  std::function<void(uint64_t)> on_bytes;  // uncompressed bytes of member data written (progress)
  std::function<void()> on_member;         // one more member written (progress)
};

// Copies [in_off, in_off+len) of `src` to `dst` at `out_off`: in the kernel (copy_file_range) when it can, else
// through a buffer.
Status copy_range(int src, uint64_t in_off, int dst, uint64_t out_off, uint64_t len, const std::string& path_for_errors);

// Writes the archive to `fd` (from offset 0): local headers, data, central directory, end records. Members
// written from a file get their CRC and compressed size filled in.
Status write_raw_zip(int fd, std::vector<RawOutput>& members, const RawWriteOptions& opts,
                     const std::string& path_for_errors);

}  // namespace ferry::wheel
