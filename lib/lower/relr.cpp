// DT_RELR -> RELA for glibc < 2.36 (x86_64). Each RELR entry is an address (even: relocate the word there, next
// word follows) or a bitmap (odd: bit i relocates the i-th of the 63 words after the last address); the addend is
// the word stored at the address. Each becomes an R_X86_64_RELATIVE entry in a new .rela.dyn (the old entries
// follow, after any counted by DT_RELACOUNT), placed after a segment or in a PT_LOAD of its own; DT_RELA/RELASZ
// point at it and the DT_RELR tags go (or become the RELA tags when the file had none).

#include <algorithm>

#include "elf/elf_constants.hpp"
#include "lower/lower_passes.hpp"

namespace ferry::lower {

Result<std::vector<uint64_t>> decode_relr(const patch::ElfFile& f) {
  std::vector<uint64_t> addrs;
  auto at = f.find_dyn(elf::dt::relr), size = f.find_dyn(elf::dt::relrsz);
  if (!at) return addrs;
  const uint64_t w = f.c.word_size();
  if (!size || *size % w) return f.error("DT_RELRSZ is missing or not a multiple of the word size");
  if (auto ent = f.find_dyn(elf::dt::relrent); ent && *ent != w)
    return f.error("DT_RELRENT " + std::to_string(*ent) + " is not the word size");
  auto off = f.find_offset(*at, *size);
  if (!off) return f.error("DT_RELR [" + hex(*at) + ", +" + std::to_string(*size) + ") is not mapped from the file");
  uint64_t where = 0;
  for (uint64_t o = *off; o < *off + *size; o += w) {
    uint64_t e = f.c.get(f.bytes.data() + o, int(w));
    if ((e & 1) == 0) {
      addrs.push_back(e);
      where = e + w;
      continue;
    }
    if (addrs.empty()) return f.error("DT_RELR: a bitmap before any address", o);
    for (uint64_t i = 0; (e >>= 1) != 0; ++i)
      if (e & 1) addrs.push_back(where + i * w);
    // Every relocated word lies in the file (checked when expanded): more of them than the file has words is a
    // malformed table, and would only cost memory.
    if (addrs.size() > (f.bytes.size() + *size) / w)
      return f.error("DT_RELR: more relocations than the file has words", o);
    where += (8 * w - 1) * w;
  }
  return addrs;
}

Status write_dynamic(const patch::ElfFile& f, std::vector<uint8_t>& out, const std::vector<patch::Dyn>& entries) {
  if (entries.size() + 1 > f.dynamic_capacity)
    return f.error("no spare entry in the dynamic section (" + std::to_string(f.dynamic_capacity) + " entries)",
                   f.dynamic_offset, ErrorCode::unsupported);
  for (uint64_t i = 0; i < f.dynamic_capacity; ++i) {
    patch::Dyn d = i < entries.size() ? entries[i] : patch::Dyn{elf::dt::null, 0};
    f.c.put_dyn(&out[f.dynamic_offset + i * f.c.dynent()], {d.tag, d.val});
  }
  return {};
}

void update_section(const patch::ElfFile& f, std::vector<uint8_t>& out, size_t i, std::optional<uint32_t> type,
                    uint64_t addr, uint64_t offset, uint64_t size) {
  uint8_t* h = &out[f.e_shoff + i * f.c.shent()];
  if (type) f.c.write(h, f.c.sh_type(), *type);
  f.c.write(h, f.c.sh_addr(), addr);
  f.c.write(h, f.c.sh_offset(), offset);
  f.c.write(h, f.c.sh_size(), size);
}

Status expand_relr(const patch::ElfFile& f, std::vector<uint8_t>& out, std::vector<std::string>& steps) {
  if (f.e_machine != elf::em::x86_64 || !f.is64())
    return f.error("DT_RELR expansion: x86_64 only", std::nullopt, ErrorCode::unsupported);
  FERRY_TRY(addrs, decode_relr(f));
  if (addrs.empty() && !f.find_dyn(elf::dt::relr)) return {};
  // The new table: relative entries counted by DT_RELACOUNT, the expanded ones, then the rest.
  std::vector<uint8_t> table;
  auto rela = f.find_dyn(elf::dt::rela);
  uint64_t relasz = f.find_dyn(elf::dt::relasz).value_or(0), old_off = 0;
  if (rela) {
    if (relasz % 24) return f.error("DT_RELASZ is not a multiple of 24");
    auto off = f.find_offset(*rela, relasz);
    if (!off) return f.error("DT_RELA is not mapped from the file");
    old_off = *off;
  }
  const uint64_t old_count = relasz / 24;
  const auto counted = std::min<uint64_t>(f.find_dyn(elf::dt::relacount).value_or(0), old_count);
  // A linker may let DT_RELA's range end with the PLT's (DT_JMPREL) entries, which glibc then skips in that
  // pass; the moved table leaves them to DT_JMPREL alone.
  const uint64_t jmprel = f.find_dyn(elf::dt::jmprel).value_or(UINT64_MAX), pltsz = f.find_dyn(elf::dt::pltrelsz).value_or(0);
  auto copy_old = [&](uint64_t from, uint64_t to) {
    for (uint64_t i = from; i < to; ++i) {
      if (rela && *rela + 24 * i >= jmprel && *rela + 24 * i < jmprel + pltsz) continue;
      table.insert(table.end(), f.bytes.data() + old_off + 24 * i, f.bytes.data() + old_off + 24 * (i + 1));
    }
  };
  copy_old(0, counted);
  for (uint64_t a : addrs) {
    auto at = f.find_offset(a, 8);
    if (!at) return f.error("DT_RELR relocates " + hex(a) + ", which is not mapped from the file");
    uint8_t e[24];
    f.c.put(e, 8, a);
    f.c.put(e + 8, 8, elf::r_x86_64::relative);
    f.c.put(e + 16, 8, f.c.get(f.bytes.data() + *at, 8));  // the implicit addend: the word stored there
    table.insert(table.end(), e, e + 24);
  }
  copy_old(counted, old_count);
  FERRY_TRY(room, reserve_after_segment(f, out, table.size(), false));
  std::copy(table.begin(), table.end(), out.begin() + room.offset);
  // Dynamic entries: the RELR tags go; RELA points at the new table (the RELR tags' slots hold it when the file
  // had no RELA table).
  std::vector<patch::Dyn> dyn;
  for (const auto& d : f.dyn) {
    if (d.tag == elf::dt::relr || d.tag == elf::dt::relrsz || d.tag == elf::dt::relrent) continue;
    patch::Dyn x = d;
    if (d.tag == elf::dt::rela) x.val = room.vaddr;
    if (d.tag == elf::dt::relasz) x.val = table.size();
    if (d.tag == elf::dt::relacount) x.val = counted + addrs.size();
    dyn.push_back(x);
  }
  if (!rela) {
    dyn.push_back({elf::dt::rela, room.vaddr});
    dyn.push_back({elf::dt::relasz, table.size()});
    dyn.push_back({elf::dt::relaent, 24});
  }
  FERRY_CHECK(write_dynamic(f, out, dyn));
  // Section headers follow: .rela.dyn to its new place (or .relr.dyn becomes it), .relr.dyn stays as bytes no
  // tag points at (PROGBITS: tools no longer list it as relocations).
  std::optional<size_t> rela_sec, relr_sec;
  for (size_t i = 1; i < f.shdrs.size(); ++i) {
    if (rela && f.shdrs[i].type == elf::sht::rela && f.shdrs[i].addr == *rela) rela_sec = i;
    if (f.shdrs[i].type == elf::sht::relr) relr_sec = i;
  }
  if (rela_sec) update_section(f, out, *rela_sec, std::nullopt, room.vaddr, room.offset, table.size());
  if (relr_sec) {
    const auto& s = f.shdrs[*relr_sec];
    if (rela_sec || rela) update_section(f, out, *relr_sec, elf::sht::progbits, s.addr, s.offset, s.size);
    else {
      update_section(f, out, *relr_sec, elf::sht::rela, room.vaddr, room.offset, table.size());
      f.c.put(&out[f.e_shoff + *relr_sec * f.c.shent() + 56], 8, 24);  // sh_entsize
    }
  }
  steps.push_back("DT_RELR: " + std::to_string(addrs.size()) + " relative relocations expanded into " +
                  std::to_string(table.size() / 24) + " RELA entries (" + std::to_string(table.size()) +
                  " bytes after segment " + std::to_string(room.phdr) + ")");
  return {};
}

}  // namespace ferry::lower
