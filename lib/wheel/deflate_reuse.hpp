// A patched member deflated by reusing its original compressed bits. Patching a torch-sized library changes a few
// pages (headers, the dynamic section, what is appended at the end); deflating the other 500 MB again was most of
// a repair's time. A deflate block decodes from its own bits and the 32 KiB of output before it, so every block of
// the original stream whose bits start on a byte boundary, whose 32 KiB history and content are unchanged, can be
// copied as it is (copy_file_range); only the ranges around the changes are deflated anew. Where copied bits end
// mid-byte, an empty stored block brings the stream back to a byte boundary (RFC 1951 3.2.4), as pigz does between
// its chunks. Each seam is decoded and checked before anything is written.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "support/result.hpp"
#include "wheel/deflate.hpp"
#include "wheel/zip_raw.hpp"

namespace ferry::wheel {

// A range [from, to) of uncompressed offsets.
struct ByteRange {
  uint64_t from = 0, to = 0;
};

// One piece of the new stream: `fresh` deflates new[from, to); `reuse` copies the original stream's bits
// [bit_from, bit_to) (bit_from on a byte boundary), which decode to new[from, to). A reuse piece `to_end` runs to
// the original stream's end, final block included.
struct ReusePiece {
  enum class Kind { fresh, reuse };
  Kind kind = Kind::fresh;
  uint64_t from = 0, to = 0;
  uint64_t bit_from = 0, bit_to = 0;
  bool to_end = false;
};

// The pieces, in order, that rebuild a stream for content of `new_size` bytes from `index` (the original's
// blocks) and `same` (sorted, disjoint ranges where the new content equals the original at the same offsets).
// A run is reused only over whole blocks that start on a byte boundary with 32 KiB of unchanged history before
// them, and only when that covers at least `min_run` bytes. Pure: no I/O. Pieces cover [0, new_size) exactly;
// the last one ends the stream (a fresh piece, possibly empty, or a reuse piece `to_end`).
std::vector<ReusePiece> plan_reuse(const DeflateIndex& index, const std::vector<ByteRange>& same, uint64_t new_size,
                                   uint64_t min_run);

struct ReuseStats {
  uint64_t reused = 0;  // uncompressed bytes whose compressed bits were copied
  bool used = false;    // false: the whole member was deflated anew (nothing worth reusing, or a check failed)
};

constexpr uint64_t kMinReuseRun = uint64_t{1} << 20;

// The CRC-32 of a patched file (`new_fd`, `new_size` bytes) from its original's (`base_crc` over `base_size`
// bytes, at `base_fd`) and the ranges the patch left unchanged (sorted, disjoint [from, to)): CRC-32 is linear,
// so only the bytes outside those ranges are read, from both files, and what the patch appended. nullopt when the
// patched file is shorter than the original or the ranges are not sorted and disjoint.
Result<std::optional<uint32_t>> patched_crc(int base_fd, uint64_t base_size, uint32_t base_crc, int new_fd,
                                            uint64_t new_size,
                                            const std::vector<std::pair<uint64_t, uint64_t>>& unchanged,
                                            const std::string& path_for_errors);

// Writes the raw deflate stream of `new_fd` (`new_size` bytes) to `out_fd` at `out_off`, reusing `base` where
// plan_reuse allows, deflating the rest as deflate_range_to does (`level`, `jobs`). Falls back to deflating the
// whole file when the base does not match its index or nothing is worth reusing. Returns the compressed size;
// `crc` receives the new content's CRC-32.
Result<uint64_t> deflate_file_reusing(const ReuseBase& base, int new_fd, uint64_t new_size, int level, int out_fd,
                                      uint64_t out_off, unsigned jobs, uint32_t& crc,
                                      const std::function<void(uint64_t)>& on_bytes, const std::string& path_for_errors,
                                      ReuseStats* stats = nullptr, uint64_t min_run = kMinReuseRun);

}  // namespace ferry::wheel
