// The output being built, without holding the file: the input is mapped copy-on-write at the start of an address
// range reserved for any growth (so views of it never move), every write marks the pages it touches, and the
// result is written by copying untouched pages straight from the input file (copy_file_range) and writing only
// the touched or appended ones. Memory grows with what changes, not with the file.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "support/bytes.hpp"
#include "support/file.hpp"
#include "support/result.hpp"

namespace ferry::patch {

class Image {
public:
  static constexpr uint64_t kPage = 4096;  // granularity of the change tracking
  static constexpr uint64_t kPopulatePages = 8;  // a write this long makes its pages writable in one call

  // Maps the regular file `path` (kept open: unchanged ranges are copied from it).
  static Result<Image> open(const std::string& path);
  // A copy of `bytes` (which must outlive the image: changed() compares against it).
  static Result<Image> copy_of(ByteView bytes, const std::string& path_for_errors);
  Image() = default;
  Image(Image&& o) noexcept;
  Image& operator=(Image&& o) noexcept;
  Image(const Image&) = delete;
  Image& operator=(const Image&) = delete;
  ~Image();

  ByteView view() const { return ByteView(base_, size_); }
  uint64_t size() const { return size_; }
  uint64_t original_size() const { return original_size_; }
  // Grows (zero-filled) or shrinks the output; fails when the reserved range cannot hold it.
  Status resize(uint64_t n);
  // Writable bytes [offset, offset + n), marked as changed. The caller has checked the range against size().
  uint8_t* write(uint64_t offset, uint64_t n);
  // Whether any byte of [offset, offset + n) of the output was written from memory (a written page, or past the
  // input's end) rather than copied from the same offset of the input.
  bool touched(uint64_t offset, uint64_t n) const;
  // Whether the output's bytes differ from the input's (reads only the pages written).
  Result<bool> changed() const;
  // Writes the whole output to `fd` at its current position. `seeded`: `fd` (at position 0) already holds the
  // input's bytes, so only the pages not in copied_ranges() are written, and the file is cut to the output's size.
  Status write_to(int fd, bool seeded = false) const;
  // The ranges [from, to) of the output that write_to copies from the same offsets of the input file, unchanged:
  // the runs of untouched pages below the input's end, in order. None for an image copied from memory.
  std::vector<std::pair<uint64_t, uint64_t>> copied_ranges() const;
  // The file `path`, written by write_to, mapped for verification: its own pages except the inner pages of each
  // copied range (all but the range's first and last page), which are mapped from the input at the same offset.
  // On a filesystem that reflinks (XFS, btrfs) those ranges share the input's blocks but not its page cache, so
  // reading them through the new file reads the disk again: 1.0-1.5 ms of the 5 ms a 3-4 MB library takes on
  // XFS. What the kernel copies is the input's bytes; what can be wrong is where ferry asked for them, and the
  // end pages, read from the new file, show that (verify() compares them: VerifyScope::written).
  Result<MappedFile> map_written(const std::string& path) const;
  std::vector<uint8_t> to_vector() const { return std::vector<uint8_t>(base_, base_ + size_); }

private:
  void release();
  void populate(uint64_t first_page, uint64_t end_page);
  Status read_original(uint64_t offset, uint64_t n, uint8_t* out) const;
  Status write_range(int fd, uint64_t from, uint64_t to, bool dirty) const;

  uint8_t* base_ = nullptr;
  uint64_t size_ = 0, original_size_ = 0, capacity_ = 0;
  UniqueFd fd_;                // the input file, or none for an image copied from memory
  ByteView original_;          // the input bytes of an image copied from memory
  std::vector<bool> dirty_;    // per kPage of the reserved range
  std::string path_;
};

}  // namespace ferry::patch
