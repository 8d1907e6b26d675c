// The bytes of a layout the planner models: the input after the room moves decided so far, never materialised.
// Each move is one layer (a block copied to a new offset, a range cleared, header and table fields written);
// an offset in the modelled file is translated back through the layers to the input, to zero (a cleared range
// or the grown end) or to a field value a move writes. carry_out() (move_block.cpp) writes the same moves for
// real; this view answers what those bytes would be, so planning needs neither a copy nor a re-read.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "support/bytes.hpp"

namespace ferry::patch {

// One room move as the planner's model sees it (made from a RoomMove by model_layer(), plan_layout.cpp).
struct ModelLayer {
  uint64_t src = 0, dst = 0, size = 0;        // the block [src, +size) of the layout below now at dst
  uint64_t clear_offset = 0, clear_size = 0;  // zeroed after the copy
  uint64_t file_size = 0;                      // the file's size afterwards (grown bytes are zero)
  std::map<uint64_t, uint8_t> written;         // bytes the move writes last: fields, program header table, e_phnum
};

// How many bytes of [off, +len) of `data` (`size` bytes; bytes past it count as zero) come before the first
// non-zero one: len when there is none.
uint64_t first_nonzero_byte(const uint8_t* data, uint64_t size, uint64_t off, uint64_t len);

class LayoutView {
public:
  LayoutView(ByteView input, std::vector<ModelLayer> layers);

  uint64_t size() const { return size_; }
  bool in_bounds(uint64_t off, uint64_t len) const { return off <= size_ && len <= size_ - off; }
  // The byte at `off` of the modelled file (0 past its end).
  uint8_t at(uint64_t off) const;
  // The offset of the first non-zero byte of [off, +len) of the modelled file, or off + len when all are zero.
  uint64_t first_nonzero(uint64_t off, uint64_t len) const;
  // [off, +len) of the modelled file: the input's own bytes when the range maps to one input range, otherwise
  // assembled once into a buffer this view keeps (so the ByteView stays valid as long as the view).
  std::optional<ByteView> find_sub(uint64_t off, uint64_t len) const;
  const std::vector<ModelLayer>& layers() const { return layers_; }
  ByteView input() const { return input_; }

private:
  uint8_t at(size_t depth, uint64_t off) const;
  // Where [off, +len) of the layout after `depth` layers comes from when it is one piece: the input offset, or
  // nullopt-with-zero for an all-zero range; `mixed` when it must be assembled byte by byte.
  struct Origin {
    enum Kind { input, zero, mixed } kind = mixed;
    uint64_t offset = 0;
  };
  Origin origin(size_t depth, uint64_t off, uint64_t len) const;
  uint64_t size_at(size_t depth) const { return depth == 0 ? input_.size() : layers_[depth - 1].file_size; }

  ByteView input_;
  std::vector<ModelLayer> layers_;
  uint64_t size_ = 0;
  mutable std::deque<std::vector<uint8_t>> assembled_;  // buffers find_sub handed out
};

}  // namespace ferry::patch
