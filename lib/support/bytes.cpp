// Checked byte views: the only place that turns file offsets into pointers.
#include "support/bytes.hpp"

#include <cstdio>

namespace ferry {

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

Error ByteView::out_of_bounds(uint64_t off, uint64_t len, std::string_view what) const {
  std::string msg = std::string(what) + ": " + hex(len) + " bytes at " + hex(base_ + off) +
                    " run past the end of the data (" + hex(base_ + size_) + ")";
  return make_error(ErrorCode::format, std::move(msg), base_ + off);
}

Result<ByteView> ByteView::sub(uint64_t off, uint64_t len, std::string_view what) const {
  if (auto v = find_sub(off, len)) return *v;
  return out_of_bounds(off, len, what);
}

std::optional<std::string_view> ByteView::find_cstring(uint64_t off) const {
  if (off >= size_) return std::nullopt;
  const void* nul = std::memchr(data_ + off, 0, size_ - off);
  if (!nul) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(data_ + off),
                          static_cast<const uint8_t*>(nul) - (data_ + off));
}

Result<std::string_view> ByteView::read_cstring(uint64_t off, std::string_view what) const {
  if (auto s = find_cstring(off)) return *s;
  if (off >= size_)
    return make_error(ErrorCode::format,
                      std::string(what) + ": string offset " + hex(off) + " is past the end of the table (" +
                          hex(size_) + ")",
                      base_ + off);
  return make_error(ErrorCode::format, std::string(what) + ": string at " + hex(base_ + off) + " is not terminated",
                    base_ + off);
}

}  // namespace ferry
