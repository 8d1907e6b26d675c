// Raw layout of one thin Mach-O slice as the writers need it: where each load command sits, the segments that
// bound the header padding, __TEXT (exec segment) and __LINKEDIT, and LC_CODE_SIGNATURE. Only little-endian
// slices (every Mach-O a current macOS runs) are writable; big-endian ones are refused as unsupported.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "support/bytes.hpp"
#include "support/result.hpp"

namespace ferry::macho {

namespace lc {
constexpr uint32_t load_dylib = 0xc, id_dylib = 0xd, segment = 0x1, segment_64 = 0x19, code_signature = 0x1d;
constexpr uint32_t load_weak_dylib = 0x80000018, reexport_dylib = 0x8000001f, lazy_load_dylib = 0x20,
                   load_upward_dylib = 0x80000023, rpath = 0x8000001c;
inline bool is_dependency(uint32_t cmd) {
  return cmd == load_dylib || cmd == load_weak_dylib || cmd == reexport_dylib || cmd == lazy_load_dylib ||
         cmd == load_upward_dylib;
}
}  // namespace lc

struct RawCommand {
  uint32_t cmd = 0;
  uint64_t offset = 0;  // from the start of the slice
  uint32_t size = 0;
};

struct SegmentRef {
  uint64_t command_offset = 0;  // of the LC_SEGMENT(_64) command
  uint64_t fileoff = 0, filesize = 0, vmsize = 0;
};

struct SliceLayout {
  bool is_64 = true;
  uint32_t header_size = 32;
  uint32_t cpu_type = 0, file_type = 0;
  std::vector<RawCommand> commands;
  uint64_t commands_end = 0;        // header_size + sizeofcmds
  uint64_t first_content = 0;       // lowest file offset of segment/section content: the end of the padding
  std::optional<SegmentRef> text, linkedit;
  std::optional<uint64_t> code_signature;  // offset of LC_CODE_SIGNATURE
};

// Bounds-checked walk of the header and load commands of `slice` (errors name `what` and the offset).
Result<SliceLayout> read_layout(ByteView slice);

// Little-endian field access on a mutable slice (callers have bounds-checked through read_layout).
inline uint32_t get32(const std::vector<uint8_t>& b, uint64_t off) {
  return uint32_t(b[off]) | uint32_t(b[off + 1]) << 8 | uint32_t(b[off + 2]) << 16 | uint32_t(b[off + 3]) << 24;
}
inline uint64_t get64(const std::vector<uint8_t>& b, uint64_t off) {
  return uint64_t(get32(b, off)) | uint64_t(get32(b, off + 4)) << 32;
}
inline void put32(std::vector<uint8_t>& b, uint64_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + i] = uint8_t(v >> (8 * i));
}
inline void put64(std::vector<uint8_t>& b, uint64_t off, uint64_t v) {
  put32(b, off, uint32_t(v));
  put32(b, off + 4, uint32_t(v >> 32));
}
inline void put32be(std::vector<uint8_t>& b, uint64_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + i] = uint8_t(v >> (24 - 8 * i));
}
inline void put64be(std::vector<uint8_t>& b, uint64_t off, uint64_t v) {
  put32be(b, off, uint32_t(v >> 32));
  put32be(b, off + 4, uint32_t(v));
}

}  // namespace ferry::macho
