// The two hash functions of the ELF dynamic symbol tables: the SysV ELF hash (DT_HASH buckets, and the vna_hash
// of every Verneed entry) and the GNU hash (DT_GNU_HASH). One definition for the writer and for ferry lower.
#pragma once

#include <cstdint>
#include <string_view>

namespace ferry::elf {

inline uint32_t sysv_hash(std::string_view s) {
  uint32_t h = 0;
  for (unsigned char ch : s) {
    h = (h << 4) + ch;
    uint32_t g = h & 0xf0000000u;
    if (g) h ^= g >> 24;
    h &= ~g;
  }
  return h;
}

inline uint32_t gnu_hash(std::string_view s) {
  uint32_t h = 5381;
  for (unsigned char ch : s) h = h * 33 + ch;
  return h;
}

}  // namespace ferry::elf
