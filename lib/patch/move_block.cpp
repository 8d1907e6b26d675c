// Moving a block of allocated sections to another file offset and address, and every reference that must follow
// it: non-PT_LOAD program headers lying wholly inside the block (PT_NOTE, PT_INTERP, PT_GNU_PROPERTY), DT_*
// pointers into it, the section headers of the sections in it, and the values of symbols defined in those
// sections (.symtab and .dynsym). Shared by make_room.cpp (block -> a new PT_LOAD at the end of the file) and
// slide.cpp (block -> further along its own PT_LOAD). Only sections that nothing but these tables points at may
// be in a block (is_movable_section): code and data refer to .text or .data by relative addresses we cannot see.
#include <elf.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "patch/layout_plan.hpp"

namespace ferry::patch {

bool is_dt_pointer(int64_t t) {
  switch (t) {
    case DT_HASH: case DT_STRTAB: case DT_SYMTAB: case DT_RELA: case DT_REL: case DT_JMPREL: case DT_GNU_HASH:
    case DT_VERSYM: case DT_VERNEED: case DT_VERDEF: case 36 /* DT_RELR */:
      return true;
    default:
      return false;
  }
}

namespace {

bool dt_points_at(const ElfFile& f, int64_t tag, uint64_t addr) {
  auto v = f.find_dyn(tag);
  return v && *v == addr;
}

// The relocation ranges the loader reads, {pointer tag, size tag}.
constexpr std::pair<int64_t, int64_t> kRelocRanges[] = {
    {DT_RELA, DT_RELASZ}, {DT_REL, DT_RELSZ}, {DT_JMPREL, DT_PLTRELSZ}, {36 /* DT_RELR */, 35 /* DT_RELRSZ */}};

}  // namespace

// A section may move only when what refers to its address is something we rewrite: the dynamic section (for
// the tables the loader finds through DT_* tags), PT_NOTE / PT_INTERP. The same section types elsewhere are
// referred to by code: a static executable finds its IRELATIVE relocations through __rela_iplt_start.
bool is_movable_section(const ElfFile& f, const Shdr& s) {
  switch (s.type) {
    case SHT_NOTE:
      for (const auto& p : f.phdrs)
        if (p.type == PT_NOTE && p.offset <= s.offset && s.offset + s.size <= p.offset + p.filesz) return true;
      return false;
    case SHT_HASH: return dt_points_at(f, DT_HASH, s.addr);
    case SHT_GNU_HASH: return dt_points_at(f, DT_GNU_HASH, s.addr);
    case SHT_DYNSYM: return dt_points_at(f, DT_SYMTAB, s.addr);
    case SHT_GNU_versym: return dt_points_at(f, DT_VERSYM, s.addr);
    case SHT_GNU_verneed: return dt_points_at(f, DT_VERNEED, s.addr);
    case SHT_GNU_verdef: return dt_points_at(f, DT_VERDEF, s.addr);
    case SHT_RELA: case SHT_REL: case 19 /* SHT_RELR */:
      for (auto [ptr, size] : kRelocRanges) {
        auto p = f.find_dyn(ptr), n = f.find_dyn(size);
        if (p && n && *p <= s.addr && s.addr + s.size <= *p + *n) return true;
      }
      return false;
    case SHT_STRTAB:
      return f.has_dynstr && s.addr == f.dynstr_addr && (s.flags & SHF_ALLOC);
    case SHT_PROGBITS: {
      // .interp is read only through PT_INTERP, which may start before it (a note in front, as some linker
      // scripts make); take_block moves that segment whole.
      if (s.name_str != ".interp" || !f.interp_phdr) return false;
      const Phdr& p = f.phdrs[*f.interp_phdr];
      return p.vaddr <= s.addr && s.addr - p.vaddr <= p.filesz && s.size <= p.filesz - (s.addr - p.vaddr);
    }
    default:
      return false;
  }
}

std::optional<std::string> splits_dynamic_range(const ElfFile& f, const SectionBlock& b) {
  const uint64_t lo = b.old_vaddr, hi = b.old_vaddr + (b.end - b.start);
  for (auto [ptr, size] : kRelocRanges) {
    auto p = f.find_dyn(ptr), n = f.find_dyn(size);
    if (!p || !n || *n == 0) continue;
    bool inside = *p >= lo && *p <= hi && *n <= hi - *p;
    bool outside = *p >= hi || (*p < lo && *n <= lo - *p);
    if (!inside && !outside) return "the relocations at " + hex(*p) + " (" + std::to_string(*n) + " bytes)";
  }
  return std::nullopt;
}

void write_program_headers(const ElfFile& f, Image& out, uint64_t phoff, const std::vector<Phdr>& ph) {
  for (size_t i = 0; i < ph.size(); ++i) encode_phdr(f.c, out.write(phoff + i * f.c.phent(), f.c.phent()), ph[i]);
  const elf::Field phnum = f.c.e_phnum();
  f.c.put(out.write(phnum.at, phnum.size), phnum.size, ph.size());
}

namespace {

// The byte at output offset `o` after the move's copy and clearing, before its field writes: what the writer
// would read there (the block's bytes at their new place, zeros where it was or past the old end).
uint8_t byte_after_copy(const ElfFile& f, const RoomMove& m, uint64_t o) {
  if (o >= m.clear_offset && o - m.clear_offset < m.clear_size) return 0;
  if (o >= m.new_offset && o - m.new_offset < m.size()) return f.byte_at(m.block.start + (o - m.new_offset));
  return f.byte_at(o);
}

// [at, +n) after the move's copy and clearing: read whole when it lies in one piece (all in the block's new
// place, or clear of both the block's new place and the cleared bytes), byte by byte otherwise. Reading whole
// matters in a modelled layout, where each byte is found through the moves before this one.
void record_after_copy(const ElfFile& f, const RoomMove& m, uint64_t at, uint64_t n, uint8_t* rec) {
  auto overlaps = [&](uint64_t a, uint64_t len) { return at < a + len && a < at + n; };
  std::optional<ByteView> whole;
  if (!overlaps(m.clear_offset, m.clear_size)) {
    if (at >= m.new_offset && at + n <= m.new_offset + m.size()) whole = f.span(m.block.start + (at - m.new_offset), n);
    else if (!overlaps(m.new_offset, m.size())) whole = f.span(at, n);
  }
  if (whole) {
    std::memcpy(rec, whole->data(), n);
    return;
  }
  for (uint64_t k = 0; k < n; ++k) rec[k] = byte_after_copy(f, m, at + k);
}

// One symbol record as the writer sees it when it updates symbol values: after the copy and the field writes
// decided so far (`fields`: those of the move's fields that may overlap the record).
void symbol_after(const ElfFile& f, const RoomMove& m, const std::vector<FieldWrite>& fields, uint64_t at,
                  uint8_t* rec) {
  const uint64_t n = f.c.syment();
  record_after_copy(f, m, at, n, rec);
  for (const auto& w : fields) {
    if (w.offset + static_cast<uint64_t>(w.size) <= at || w.offset >= at + n) continue;
    uint8_t v[8];
    f.c.put(v, w.size, w.value);
    for (int k = 0; k < w.size; ++k)
      if (w.offset + k >= at && w.offset + k < at + n) rec[w.offset + k - at] = v[k];
  }
}

void add_field(RoomMove& m, uint64_t record, elf::Field fld, uint64_t value) {
  m.fields.push_back(FieldWrite{record + fld.at, fld.size, value});
}

}  // namespace

void retarget_block(const ElfFile& f, uint64_t d_off, uint64_t d_vaddr, RoomMove& m) {
  const Codec& c = f.c;
  const SectionBlock& b = m.block;
  const uint64_t size = b.end - b.start;
  auto in_block = [&](uint64_t vaddr) { return vaddr >= b.old_vaddr && vaddr < b.old_vaddr + size; };
  for (auto& p : m.phdrs)
    if (p.type != PT_LOAD && p.type != PT_PHDR && p.filesz && p.offset >= b.start && p.offset + p.filesz <= b.end) {
      p.offset += d_off;
      p.vaddr += d_vaddr;
      p.paddr += d_vaddr;
    }
  // Dynamic pointers into the block (.dynamic itself is never in one: it is not movable).
  if (f.has_dynamic)
    for (size_t i = 0; i < f.dyn.size(); ++i)
      if (is_dt_pointer(f.dyn[i].tag) && in_block(f.dyn[i].val))
        add_field(m, f.dynamic_offset + i * c.dynent(), c.d_val(), f.dyn[i].val + d_vaddr);
  // Section headers: those named by the caller and any other allocated one inside the range (an empty one).
  std::vector<bool> moved(f.shdrs.size(), false);
  for (size_t i : b.sections) moved[i] = true;
  for (size_t i = 1; i < f.shdrs.size(); ++i) {
    const Shdr& s = f.shdrs[i];
    if (!moved[i] && !((s.flags & SHF_ALLOC) && s.offset >= b.start && s.offset < b.end && s.type != SHT_NOBITS)) continue;
    moved[i] = true;
    add_field(m, f.e_shoff + i * c.shent(), c.sh_addr(), s.addr + d_vaddr);
    add_field(m, f.e_shoff + i * c.shent(), c.sh_offset(), s.offset + d_off);
  }
  uint8_t rec[64];
  for (const auto& s : f.shdrs) {
    if ((s.type != SHT_SYMTAB && s.type != SHT_DYNSYM) || s.entsize != c.syment()) continue;
    // A .dynsym inside the block moves with it: its values are updated at the new place.
    uint64_t base = s.offset >= b.start && s.offset < b.end ? s.offset + d_off : s.offset;
    if (base > m.file_size || s.size > m.file_size - base) continue;  // a table outside the file has nothing to update
    // The field writes that land in this table, chosen once: a table has thousands of records (libLLVM 69,000)
    // and the move dozens of fields. The st_value writes added below each land in the record just read, so no
    // later record needs them.
    std::vector<FieldWrite> in_table;
    for (const auto& w : m.fields)
      if (w.offset + static_cast<uint64_t>(w.size) > base && w.offset < base + s.size) in_table.push_back(w);
    for (uint64_t k = 0; k < s.size / c.syment(); ++k) {
      const uint64_t at = base + k * c.syment();
      symbol_after(f, m, in_table, at, rec);
      uint64_t shndx = c.read(rec, c.st_shndx());
      if (shndx == 0 || shndx >= moved.size() || !moved[shndx]) continue;
      uint64_t v = c.read(rec, c.st_value());
      if (v < b.old_vaddr || v > b.old_vaddr + size) continue;
      add_field(m, at, c.st_value(), v + d_vaddr);
    }
  }
}

Status move_fits(const Codec& c, const RoomMove& m, uint64_t size) {
  auto outside = [&](uint64_t off, uint64_t n) { return off > size || n > size - off; };
  if (outside(m.block.start, m.size()) || outside(m.new_offset, m.size()) || outside(m.clear_offset, m.clear_size) ||
      outside(m.phoff, m.phdrs.size() * c.phent()))
    return make_error(ErrorCode::verify, "internal: a room move (" + m.step + ") reaches outside the output");
  for (const auto& w : m.fields)
    if (outside(w.offset, static_cast<uint64_t>(w.size)))
      return make_error(ErrorCode::verify, "internal: a room move's field at " + hex(w.offset) + " is outside the output");
  return {};
}

Status carry_out(const Codec& c, const RoomMove& m, Image& out) {
  if (m.file_size > out.size()) FERRY_CHECK(out.resize(m.file_size));
  FERRY_CHECK(move_fits(c, m, out.size()));
  const uint64_t n = m.size(), src = m.block.start, dst = m.new_offset;
  if (src < dst + n && dst < src + n) {  // overlapping (a slide): one range, moved in place
    const uint64_t lo = std::min(src, dst), hi = std::max(src, dst) + n;
    uint8_t* p = out.write(lo, hi - lo);
    std::memmove(p + (dst - lo), p + (src - lo), n);
  } else if (n) {
    std::memcpy(out.write(dst, n), out.view().data() + src, n);
  }
  if (m.clear_size) std::memset(out.write(m.clear_offset, m.clear_size), 0, m.clear_size);
  for (const auto& w : m.fields) c.put(out.write(w.offset, static_cast<uint64_t>(w.size)), w.size, w.value);
  for (size_t i = 0; i < m.phdrs.size(); ++i) encode_phdr(c, out.write(m.phoff + i * c.phent(), c.phent()), m.phdrs[i]);
  const elf::Field phnum = c.e_phnum();
  c.put(out.write(phnum.at, phnum.size), phnum.size, m.phdrs.size());
  return {};
}

const char* to_string(RoomMethod m) {
  switch (m) {
    case RoomMethod::slide: return "slide";
    case RoomMethod::evict: return "evict";
    case RoomMethod::new_segment: return "new segment";
  }
  return "?";
}

}  // namespace ferry::patch
