// A large ELF member streamed through `ferry show` without being written anywhere: an anonymous mapping of the
// member's size where only the pages the ELF decoder reads are filled, so a 450 MB library costs its headers'
// memory, no disk and no page cache. Whether the decoder read nothing else is checked after the fact (mincore),
// so a layout the keep rule misses is extracted in full by the caller, never decoded from zeros.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "elf/elf_codec.hpp"
#include "support/bytes.hpp"

namespace ferry::wheel {

class SparseElfImage {
public:
  // Null when the mapping cannot be made (the caller then extracts the member to a file).
  static std::unique_ptr<SparseElfImage> create(uint64_t size);
  ~SparseElfImage();
  SparseElfImage(const SparseElfImage&) = delete;
  SparseElfImage& operator=(const SparseElfImage&) = delete;

  // The member's next `n` bytes, in order: the parts on kept pages are copied, the rest dropped.
  void feed(const uint8_t* data, size_t n);
  // The whole member as the decoder sees it (pages never filled read as zeros).
  ByteView view() const { return ByteView(base_, size_); }
  // After decoding from view(): true when every page the decoder read was filled. A page read but never filled
  // maps the kernel's zero page, which mincore(2) reports as resident like a filled one.
  bool only_filled_pages_read() const;

private:
  SparseElfImage(uint8_t* base, uint64_t size);
  void keep(uint64_t off, uint64_t len);  // pages the stream has not reached yet
  void read_headers();                    // the keep rule, as the ELF and program headers arrive

  uint8_t* base_;
  uint64_t size_;
  uint64_t page_;
  uint64_t pos_ = 0;                   // bytes fed so far
  std::vector<bool> filled_;           // per page: kept before the stream reached it, so written whole
  bool header_read_ = false, segments_read_ = false;
  uint64_t phoff_ = 0, phnum_ = 0;
  elf::Codec codec_;
};

}  // namespace ferry::wheel
