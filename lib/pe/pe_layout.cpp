// The header pass of every PE reader and editor in lib/pe: the headers and section table decoded once, every
// range checked against the file, each field's file offset kept for the editor.
#include "pe/pe_layout.hpp"

#include <algorithm>
#include <cstring>

namespace ferry::pe {

namespace {
Error layout_error(std::string msg, uint64_t off) { return make_error(ErrorCode::format, std::move(msg), off); }
}  // namespace

std::optional<std::pair<uint64_t, uint64_t>> PeLayout::rva_to_off(uint64_t rva) const {
  uint64_t headers_end = std::min<uint64_t>(size_of_headers, file_size);
  if (rva < headers_end) return std::make_pair(rva, headers_end - rva);
  for (const auto& s : sections) {
    if (rva < s.va) continue;
    uint64_t delta = rva - s.va;
    uint64_t span = s.vsize != 0 ? std::min(s.vsize, s.raw_size) : s.raw_size;
    if (delta < span) return std::make_pair(uint64_t(s.raw_ptr) + delta, span - delta);
  }
  return std::nullopt;
}

uint64_t PeLayout::raw_end() const {
  uint64_t end = size_of_headers;
  for (const auto& s : sections)
    if (s.raw_size != 0) end = std::max<uint64_t>(end, uint64_t(s.raw_ptr) + s.raw_size);
  return end;
}

Result<PeLayout> read_layout(ByteView f) {
  if (f.size() < 0x40 || f.data()[0] != 'M' || f.data()[1] != 'Z')
    return layout_error("DOS header: not an MZ image (" + std::to_string(f.size()) + " bytes)", 0);
  PeLayout L;
  L.file_size = f.size();
  uint32_t pe_off = *f.find_uint<uint32_t>(0x3c, Endian::little);
  if (!f.in_bounds(pe_off, 24))
    return layout_error("DOS header: e_lfanew " + hex(pe_off) + " points past the end of the file (" + hex(f.size()) + ")",
                        0x3c);
  if (std::memcmp(f.data() + pe_off, "PE\0\0", 4) != 0)
    return layout_error("PE signature at " + hex(pe_off) + " is missing", pe_off);
  L.coff_off = uint64_t(pe_off) + 4;
  L.machine = *f.find_uint<uint16_t>(L.coff_off, Endian::little);
  uint16_t nsections = *f.find_uint<uint16_t>(L.coff_off + 2, Endian::little);
  L.timestamp = *f.find_uint<uint32_t>(L.coff_off + 4, Endian::little);
  uint16_t opt_size = *f.find_uint<uint16_t>(L.coff_off + 16, Endian::little);
  L.characteristics = *f.find_uint<uint16_t>(L.coff_off + 18, Endian::little);

  L.opt_off = L.coff_off + 20;
  FERRY_TRY(oh, f.sub(L.opt_off, opt_size, "optional header"));
  auto magic = oh.find_uint<uint16_t>(0, Endian::little);
  if (!magic)
    return layout_error("optional header: SizeOfOptionalHeader " + hex(opt_size) + " is too small", L.coff_off + 16);
  if (*magic != 0x10b && *magic != 0x20b)
    return layout_error("optional header: bad magic " + hex(*magic) + " (expected 0x10b or 0x20b)", L.opt_off);
  L.pe32_plus = *magic == 0x20b;
  const uint64_t dirs_at = L.pe32_plus ? 112 : 96;
  if (opt_size < dirs_at)
    return layout_error("optional header: SizeOfOptionalHeader " + hex(opt_size) + " is too small for " +
                            (L.pe32_plus ? "PE32+" : "PE32") + " (needs " + hex(dirs_at) + ")",
                        L.coff_off + 16);
  auto u16 = [&](uint64_t o) { return *oh.find_uint<uint16_t>(o, Endian::little); };
  auto u32 = [&](uint64_t o) { return *oh.find_uint<uint32_t>(o, Endian::little); };
  L.linker_major = oh.data()[2], L.linker_minor = oh.data()[3];
  L.entry_point = u32(16);
  L.image_base = L.pe32_plus ? *oh.find_uint<uint64_t>(24, Endian::little) : u32(28);
  L.section_alignment = u32(32);
  L.file_alignment = u32(36);
  L.os_major = u16(40), L.os_minor = u16(42);
  L.image_major = u16(44), L.image_minor = u16(46);
  L.subsystem_major = u16(48), L.subsystem_minor = u16(50);
  L.size_of_image = u32(56);
  L.size_of_image_off = L.opt_off + 56;
  L.size_of_headers = u32(60);
  L.checksum_off = L.opt_off + 64;
  L.subsystem = u16(68);
  L.dll_characteristics = u16(70);
  uint32_t ndirs = u32(dirs_at - 4);
  // The loader reads at most 16 directories; more are ignored, fewer mean the rest are absent.
  L.ndirs = std::min<uint32_t>(ndirs, 16);
  L.dirs_off = L.opt_off + dirs_at;
  if (dirs_at + uint64_t(L.ndirs) * 8 > opt_size)
    return layout_error("optional header: NumberOfRvaAndSizes " + std::to_string(ndirs) +
                            " does not fit in SizeOfOptionalHeader " + hex(opt_size),
                        L.opt_off + dirs_at - 4);
  for (uint32_t i = 0; i < L.ndirs; ++i) L.dirs[i] = {u32(dirs_at + i * 8), u32(dirs_at + i * 8 + 4)};

  L.section_table_off = L.opt_off + opt_size;
  FERRY_TRY(st, f.sub(L.section_table_off, uint64_t(nsections) * 40, "section table"));
  L.sections.reserve(nsections);
  for (uint32_t i = 0; i < nsections; ++i) {
    uint64_t s = uint64_t(i) * 40;
    LayoutSection h;
    h.header_off = st.base() + s;
    const char* raw = reinterpret_cast<const char*>(st.data() + s);
    h.name.assign(raw, strnlen(raw, 8));
    h.vsize = *st.find_uint<uint32_t>(s + 8, Endian::little);
    h.va = *st.find_uint<uint32_t>(s + 12, Endian::little);
    h.raw_size = *st.find_uint<uint32_t>(s + 16, Endian::little);
    h.raw_ptr = *st.find_uint<uint32_t>(s + 20, Endian::little);
    h.characteristics = *st.find_uint<uint32_t>(s + 36, Endian::little);
    if (h.raw_size != 0 && !f.in_bounds(h.raw_ptr, h.raw_size))
      return layout_error("section #" + std::to_string(i) + " (" + h.name + "): raw data " + hex(h.raw_ptr) + "+" +
                              hex(h.raw_size) + " is outside the file (" + hex(f.size()) + ")",
                          h.header_off);
    L.sections.push_back(std::move(h));
  }
  return L;
}

uint32_t pe_checksum(ByteView f, uint64_t checksum_off) {
  uint64_t sum = 0;
  const uint64_t n = f.size();
  for (uint64_t i = 0; i < n; i += 2) {
    if (i == checksum_off || i == checksum_off + 2) continue;
    uint32_t w = f.data()[i];
    if (i + 1 < n) w |= uint32_t(f.data()[i + 1]) << 8;
    sum += w;
    sum = (sum & 0xffff) + (sum >> 16);
  }
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint32_t>(sum + n);
}

}  // namespace ferry::pe
