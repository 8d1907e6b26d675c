// Offset translation through the modelled room moves (layout_view.hpp). The precedence within one layer is
// carry_out's order of writes: the block copy, then the cleared range, then the fields and the program header
// table; below a layer, bytes it does not touch are those of the layer before it.
#include "patch/layout_view.hpp"

#include <algorithm>
#include <cstring>

namespace ferry::patch {

LayoutView::LayoutView(ByteView input, std::vector<ModelLayer> layers)
    : input_(input), layers_(std::move(layers)), size_(size_at(layers_.size())) {}

uint8_t LayoutView::at(uint64_t off) const { return at(layers_.size(), off); }

uint8_t LayoutView::at(size_t depth, uint64_t off) const {
  while (depth > 0) {
    const ModelLayer& l = layers_[depth - 1];
    if (off >= l.file_size) return 0;
    if (auto w = l.written.find(off); w != l.written.end()) return w->second;
    if (off >= l.clear_offset && off - l.clear_offset < l.clear_size) return 0;
    --depth;
    if (off >= l.dst && off - l.dst < l.size) off = l.src + (off - l.dst);
    else if (off >= size_at(depth)) return 0;
  }
  return off < input_.size() ? input_.data()[off] : 0;
}

LayoutView::Origin LayoutView::origin(size_t depth, uint64_t off, uint64_t len) const {
  auto overlaps = [&](uint64_t a, uint64_t n) { return off < a + n && a < off + len; };
  auto within = [&](uint64_t a, uint64_t n) { return off >= a && off + len <= a + n; };
  while (depth > 0) {
    const ModelLayer& l = layers_[depth - 1];
    if (auto w = l.written.lower_bound(off); w != l.written.end() && w->first < off + len) return {};
    if (within(l.clear_offset, l.clear_size)) return {Origin::zero, 0};
    if (overlaps(l.clear_offset, l.clear_size)) return {};
    --depth;
    if (within(l.dst, l.size)) {
      off = l.src + (off - l.dst);
    } else if (overlaps(l.dst, l.size)) {
      return {};
    } else if (off >= size_at(depth)) {
      return {Origin::zero, 0};
    } else if (off + len > size_at(depth)) {
      return {};
    }
  }
  return {Origin::input, off};
}

uint64_t first_nonzero_byte(const uint8_t* data, uint64_t size, uint64_t off, uint64_t len) {
  if (off >= size) return len;
  const uint64_t n = std::min(len, size - off);
  const uint8_t* p = data + off;
  uint64_t k = 0;
  for (; k + 8 <= n; k += 8) {  // eight bytes at a time: padding runs to thousands of zeros
    uint64_t w;
    std::memcpy(&w, p + k, 8);
    if (w) break;
  }
  for (; k < n; ++k)
    if (p[k]) return k;
  return len;
}

// Chunk by chunk: a chunk that comes from one input range is scanned there, an all-zero one is skipped, and only
// a chunk that straddles a layer's edges is read byte by byte. (free_after scans the padding after a structure
// this way: byte by byte through the layers it was most of a patch of libLLVM on a reflinking filesystem.)
uint64_t LayoutView::first_nonzero(uint64_t off, uint64_t len) const {
  if (layers_.empty()) return off + first_nonzero_byte(input_.data(), input_.size(), off, len);
  const uint64_t end = off + std::min(len, off < size_ ? size_ - off : 0);
  for (uint64_t pos = off; pos < end;) {
    const uint64_t n = std::min<uint64_t>(end - pos, 4096);
    const Origin o = origin(layers_.size(), pos, n);
    if (o.kind == Origin::input) {  // bytes past the input's end read as zero there too, as at() reads them
      if (uint64_t k = first_nonzero_byte(input_.data(), input_.size(), o.offset, n); k < n) return pos + k;
    } else if (o.kind == Origin::mixed) {
      for (uint64_t k = 0; k < n; ++k)
        if (at(pos + k) != 0) return pos + k;
    }
    pos += n;
  }
  return off + len;
}

std::optional<ByteView> LayoutView::find_sub(uint64_t off, uint64_t len) const {
  if (!in_bounds(off, len)) return std::nullopt;
  if (layers_.empty()) return input_.find_sub(off, len);
  const Origin o = origin(layers_.size(), off, len);
  if (o.kind == Origin::input) return ByteView(input_.data() + o.offset, len, off);
  std::vector<uint8_t>& buf = assembled_.emplace_back(len, 0);
  if (o.kind == Origin::mixed)
    for (uint64_t k = 0; k < len; ++k) buf[k] = at(off + k);
  return ByteView(buf.data(), len, off);
}

}  // namespace ferry::patch
