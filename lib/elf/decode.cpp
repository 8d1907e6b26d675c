// The decoding rules both ELF readers share (decode_internal.hpp): what the ELF header, the program header
// table and the dynamic table's flag entries put into ElfInfo, and the errors for a table that does not fit.
#include <elf.h>

#include "elf/decode_internal.hpp"

namespace ferry::elf {

Error format_error(const std::string& path, std::string message, std::optional<uint64_t> offset) {
  Error e = make_error(ErrorCode::format, std::move(message), offset);
  e.path = path;
  return e;
}

void set_header(ElfInfo& info, const Ident& id, const FileHeader& h) {
  info.bits = id.bits;
  info.endian = id.endian;
  info.osabi = id.osabi;
  info.abi_version = id.abi_version;
  info.e_type = h.type;
  info.machine = h.machine;
  info.machine_name = machine_name(h.machine);
  info.entry = h.entry;
  info.e_flags = h.flags;
  info.phoff = h.phoff;
}

Result<uint64_t> program_table_size(const std::string& path, const Codec& c, uint64_t n, uint64_t phentsize,
                                    uint64_t phoff, uint64_t file_size) {
  if (phentsize != c.phent())
    return format_error(path, "e_phentsize: " + std::to_string(phentsize) + " is not the size of a program header",
                        c.e_phentsize().at);
  auto table = checked_mul(n, phentsize);
  if (!table || phoff > file_size || *table > file_size - phoff)
    return format_error(path,
                        "program header table: " + std::to_string(n) + " entries at " + hex(phoff) +
                            " run past the end of the file (" + hex(file_size) + ")",
                        phoff);
  return *table;
}

void set_segments(ElfInfo& info, const Codec& c, const uint8_t* table, uint64_t n) {
  info.phnum = static_cast<uint16_t>(std::min<uint64_t>(n, 0xffff));
  info.segments.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    Segment s = c.phdr(table + i * c.phent());
    if (s.type == PT_GNU_STACK) info.exec_stack = (s.flags & PF_X) != 0;
    if (s.type == PT_TLS) info.has_tls = true;
    info.segments.push_back(s);
  }
  // Kernels before ~5.17 derive AT_PHDR from the first PT_LOAD, so the table must lie inside its file range.
  uint64_t size = n * c.phent();
  for (const auto& s : info.segments) {
    if (s.type != PT_LOAD) continue;
    info.phdr_in_first_load = s.offset <= info.phoff && size <= s.filesz && info.phoff - s.offset <= s.filesz - size;
    break;
  }
}

std::optional<uint64_t> load_offset(const std::vector<Segment>& segments, uint64_t addr) {
  for (const auto& s : segments) {
    if (s.type != PT_LOAD || addr < s.vaddr) continue;
    uint64_t delta = addr - s.vaddr;
    if (delta >= s.filesz) continue;
    return s.offset + delta;
  }
  return std::nullopt;
}

void DynamicFlags::note(int64_t tag, uint64_t val) {
  switch (tag) {
    case DT_FLAGS:
      if (!flags) flags = val;
      break;
    case DT_FLAGS_1:
      if (!flags_1) flags_1 = val;
      break;
    case DT_TEXTREL: textrel = true; break;
    case DT_RELR: relr = true; break;
    case DT_HASH: hash = true; break;
    case DT_GNU_HASH: gnu_hash = true; break;
    case DT_BIND_NOW: bind_now = true; break;
    case DT_INIT_ARRAY:
    case DT_INIT: init = true; break;
    default: break;
  }
}

void DynamicFlags::apply(ElfInfo& info) const {
  info.dt_flags = flags.value_or(0);
  info.dt_flags_1 = flags_1.value_or(0);
  info.textrel = textrel || (info.dt_flags & DF_TEXTREL);
  info.relr = relr;
  info.sysv_hash = hash;
  info.gnu_hash = gnu_hash;
  info.bind_now = bind_now || (info.dt_flags & DF_BIND_NOW) || (info.dt_flags_1 & DF_1_NOW);
  info.has_init_array = init;
}

Error dynstr_error(const std::string& path, const std::string& what, uint64_t offset, uint64_t size,
                   uint64_t table_offset) {
  return format_error(path,
                      what + ": string offset " + hex(offset) + " is past the end of .dynstr (" + hex(size) + ")",
                      table_offset);
}

}  // namespace ferry::elf
