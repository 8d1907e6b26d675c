// Checked views over untrusted bytes. No offset read from a file is ever added to a pointer before
// `in_bounds(offset, length)` accepted it; the check is written so that it cannot overflow
// (bionic's ElfReader style: `off > size || len > size - off`).
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "support/result.hpp"

namespace ferry {

enum class Endian { little, big };

// `v` rounded up to a multiple of `a`; alignments 0 and 1 (as ELF's p_align and sh_addralign allow) leave it as is.
constexpr uint64_t align_up(uint64_t v, uint64_t a) { return a <= 1 ? v : (v + a - 1) / a * a; }

class ByteView {
public:
  ByteView() = default;
  ByteView(const uint8_t* data, uint64_t size, uint64_t base = 0) : data_(data), size_(size), base_(base) {}
  explicit ByteView(std::span<const uint8_t> s, uint64_t base = 0) : data_(s.data()), size_(s.size()), base_(base) {}

  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }
  // Offset of byte 0 of this view in the file it was cut from; errors report file offsets.
  uint64_t base() const { return base_; }
  bool empty() const { return size_ == 0; }

  bool in_bounds(uint64_t off, uint64_t len) const { return off <= size_ && len <= size_ - off; }

  std::optional<ByteView> find_sub(uint64_t off, uint64_t len) const {
    if (!in_bounds(off, len)) return std::nullopt;
    return ByteView(data_ + off, len, base_ + off);
  }
  Result<ByteView> sub(uint64_t off, uint64_t len, std::string_view what) const;

  template <class T>
  std::optional<T> find_uint(uint64_t off, Endian e) const {
    static_assert(std::is_unsigned_v<T>);
    if (!in_bounds(off, sizeof(T))) return std::nullopt;
    T v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
      size_t idx = (e == Endian::little) ? i : sizeof(T) - 1 - i;
      v |= static_cast<T>(static_cast<T>(data_[off + idx]) << (8 * i));
    }
    return v;
  }
  template <class T>
  Result<T> read_uint(uint64_t off, Endian e, std::string_view what) const {
    if (auto v = find_uint<T>(off, e)) return *v;
    return out_of_bounds(off, sizeof(T), what);
  }

  // A NUL-terminated string starting at `off`; fails when no NUL is found before the end of the view.
  std::optional<std::string_view> find_cstring(uint64_t off) const;
  Result<std::string_view> read_cstring(uint64_t off, std::string_view what) const;

  Error out_of_bounds(uint64_t off, uint64_t len, std::string_view what) const;

private:
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
  uint64_t base_ = 0;
};

// Formatting helpers used in error messages.
std::string hex(uint64_t v);

// Overflow-safe a + b; nullopt when it wraps.
inline std::optional<uint64_t> checked_add(uint64_t a, uint64_t b) {
  uint64_t r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}
inline std::optional<uint64_t> checked_mul(uint64_t a, uint64_t b) {
  uint64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

}  // namespace ferry
