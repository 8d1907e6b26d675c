// read_layout: the load-command walk the Mach-O writers (edit_commands, codesign) share. read_macho has
// validated the file already; this walk checks again what it relies on, so it is safe on its own.
#include "macho/slice_layout.hpp"

namespace ferry::macho {

namespace {

constexpr uint32_t MH_MAGIC = 0xfeedface, MH_MAGIC_64 = 0xfeedfacf;

// Segment name, file range and sections; lowers `first_content` to the first byte of content it names.
Status read_segment(ByteView s, const RawCommand& c, bool is64, SliceLayout& l) {
  const uint64_t fixed = is64 ? 72 : 56, sect = is64 ? 80 : 68;
  if (c.size < fixed) return make_error(ErrorCode::format, "segment command is too small", c.offset);
  char name[17] = {};
  std::memcpy(name, s.data() + c.offset + 8, 16);
  SegmentRef seg;
  seg.command_offset = c.offset;
  seg.vmsize = is64 ? *s.find_uint<uint64_t>(c.offset + 32, Endian::little) : *s.find_uint<uint32_t>(c.offset + 28, Endian::little);
  seg.fileoff = is64 ? *s.find_uint<uint64_t>(c.offset + 40, Endian::little) : *s.find_uint<uint32_t>(c.offset + 32, Endian::little);
  seg.filesize = is64 ? *s.find_uint<uint64_t>(c.offset + 48, Endian::little) : *s.find_uint<uint32_t>(c.offset + 36, Endian::little);
  uint32_t nsects = *s.find_uint<uint32_t>(c.offset + (is64 ? 64 : 48), Endian::little);
  if (fixed + uint64_t(nsects) * sect > c.size)
    return make_error(ErrorCode::format, std::string("segment ") + name + ": nsects does not fit in cmdsize", c.offset);
  if (seg.fileoff != 0 && seg.filesize != 0) l.first_content = std::min(l.first_content, seg.fileoff);
  for (uint32_t i = 0; i < nsects; ++i) {
    uint64_t so = c.offset + fixed + uint64_t(i) * sect;
    uint64_t size = is64 ? *s.find_uint<uint64_t>(so + 40, Endian::little) : *s.find_uint<uint32_t>(so + 36, Endian::little);
    uint32_t off = *s.find_uint<uint32_t>(so + (is64 ? 48 : 40), Endian::little);
    uint32_t type = *s.find_uint<uint32_t>(so + (is64 ? 64 : 56), Endian::little) & 0xff;
    bool zerofill = type == 0x1 || type == 0xc || type == 0x12;
    if (!zerofill && off != 0 && size != 0) l.first_content = std::min<uint64_t>(l.first_content, off);
  }
  if (std::string(name) == "__TEXT") l.text = seg;
  if (std::string(name) == "__LINKEDIT") l.linkedit = seg;
  return {};
}

}  // namespace

Result<SliceLayout> read_layout(ByteView s) {
  SliceLayout l;
  auto magic = s.find_uint<uint32_t>(0, Endian::little);
  if (!magic || (*magic != MH_MAGIC && *magic != MH_MAGIC_64))
    return make_error(ErrorCode::unsupported, "mach header: only little-endian Mach-O slices can be rewritten", s.base());
  l.is_64 = *magic == MH_MAGIC_64;
  l.header_size = l.is_64 ? 32 : 28;
  if (!s.in_bounds(0, l.header_size)) return s.out_of_bounds(0, l.header_size, "mach header");
  l.cpu_type = *s.find_uint<uint32_t>(4, Endian::little);
  l.file_type = *s.find_uint<uint32_t>(12, Endian::little);
  uint32_t ncmds = *s.find_uint<uint32_t>(16, Endian::little);
  uint32_t sizeofcmds = *s.find_uint<uint32_t>(20, Endian::little);
  l.commands_end = uint64_t(l.header_size) + sizeofcmds;
  if (l.commands_end > s.size())
    return make_error(ErrorCode::format, "mach header: sizeofcmds runs past the end of the slice", s.base() + 20);
  l.first_content = s.size();
  uint64_t pos = l.header_size;
  for (uint32_t i = 0; i < ncmds; ++i) {
    if (pos + 8 > l.commands_end)
      return make_error(ErrorCode::format, "load command #" + std::to_string(i) + " runs past sizeofcmds", s.base() + pos);
    RawCommand c{*s.find_uint<uint32_t>(pos, Endian::little), pos, *s.find_uint<uint32_t>(pos + 4, Endian::little)};
    if (c.size < 8 || c.size % 4 || pos + c.size > l.commands_end)
      return make_error(ErrorCode::format, "load command #" + std::to_string(i) + ": bad cmdsize " + hex(c.size),
                        s.base() + pos);
    if (c.cmd == lc::segment || c.cmd == lc::segment_64) FERRY_CHECK(read_segment(s, c, c.cmd == lc::segment_64, l));
    if (c.cmd == lc::code_signature) {
      if (c.size < 16) return make_error(ErrorCode::format, "LC_CODE_SIGNATURE is too small", s.base() + pos);
      l.code_signature = pos;
    }
    l.commands.push_back(c);
    pos += c.size;
  }
  if (l.first_content < l.commands_end)
    return make_error(ErrorCode::format, "load commands overlap the first section (" + hex(l.first_content) + ")",
                      s.base() + 20);
  return l;
}

}  // namespace ferry::macho
