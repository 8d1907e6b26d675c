// The writer: carries out a LayoutPlan on the output image (image.hpp), its room moves first (carry_out), then
// its layout. Every write is range-checked and goes through the file's class and byte order (Codec), and marks
// only the pages it touches. Nothing here decides layout; an unchanged plan writes nothing.
#include <elf.h>

#include <cstring>

#include "patch/layout_plan.hpp"

namespace ferry::patch {

namespace {

struct Out {
  Image& b;
  const ElfFile& f;
  // Every write goes through this check: the plan's offsets must lie inside the output.
  Status in_range(uint64_t off, uint64_t n, const char* verb, const char* what) const {
    if (off > b.size() || n > b.size() - off)
      return f.error(std::string("internal: ") + verb + " " + what + " at " + hex(off) + " is outside the output",
                     off, ErrorCode::verify);
    return {};
  }
  Status put(uint64_t off, int n, uint64_t v, const char* what) {
    FERRY_CHECK(in_range(off, static_cast<uint64_t>(n), "write of", what));
    f.c.put(b.write(off, static_cast<uint64_t>(n)), n, v);
    return {};
  }
  // A named field of the record at `record`.
  Status put(uint64_t record, elf::Field fld, uint64_t v, const char* what) {
    return put(record + fld.at, fld.size, v, what);
  }
  Status bytes(uint64_t off, const void* p, uint64_t n, const char* what) {
    FERRY_CHECK(in_range(off, n, "write of", what));
    if (n) std::memcpy(b.write(off, n), p, n);
    return {};
  }
  Status zero(uint64_t off, uint64_t n, const char* what) {
    FERRY_CHECK(in_range(off, n, "clearing", what));
    if (n) std::memset(b.write(off, n), 0, n);
    return {};
  }
};

Status write_shdr(Out& o, uint64_t at, const Shdr& s) {
  const Codec& c = o.f.c;
  FERRY_CHECK(o.put(at, c.sh_addr(), s.addr, "sh_addr"));
  FERRY_CHECK(o.put(at, c.sh_offset(), s.offset, "sh_offset"));
  FERRY_CHECK(o.put(at, c.sh_size(), s.size, "sh_size"));
  return o.put(at, c.sh_info(), s.info, "sh_info");
}

Status write_verneeds(Out& o, const LayoutPlan& lp) {
  const ElfFile& f = o.f;
  if (!f.verneed_offset) return {};
  uint64_t base = *f.verneed_offset, total = 0;
  for (const auto& v : lp.verneeds) total += 16 + 16 * v.aux.size();
  if (total > f.verneed_bytes)
    return f.error("internal: the rewritten .gnu.version_r is larger than the input's", base, ErrorCode::verify);
  FERRY_CHECK(o.zero(base, f.verneed_bytes, ".gnu.version_r"));
  uint64_t at = base;
  for (size_t i = 0; i < lp.verneeds.size(); ++i) {
    const Verneed& v = lp.verneeds[i];
    uint64_t span = 16 + 16 * v.aux.size();
    FERRY_CHECK(o.put(at, 2, 1, "vn_version"));
    FERRY_CHECK(o.put(at + 2, 2, v.aux.size(), "vn_cnt"));
    FERRY_CHECK(o.put(at + 4, 4, v.file, "vn_file"));
    FERRY_CHECK(o.put(at + 8, 4, 16, "vn_aux"));
    FERRY_CHECK(o.put(at + 12, 4, i + 1 < lp.verneeds.size() ? span : 0, "vn_next"));
    for (size_t j = 0; j < v.aux.size(); ++j) {
      uint64_t a = at + 16 + 16 * j;
      const Vernaux& x = v.aux[j];
      FERRY_CHECK(o.put(a, 4, x.hash, "vna_hash"));
      FERRY_CHECK(o.put(a + 4, 2, x.flags, "vna_flags"));
      FERRY_CHECK(o.put(a + 6, 2, x.other, "vna_other"));
      FERRY_CHECK(o.put(a + 8, 4, x.name, "vna_name"));
      FERRY_CHECK(o.put(a + 12, 4, j + 1 < v.aux.size() ? 16 : 0, "vna_next"));
    }
    at += span;
  }
  return {};
}

// Symbols defined in a moved section follow it (e.g. _DYNAMIC in .symtab, which patchelf leaves stale).
Status move_symbols(Out& o, const LayoutPlan& lp) {
  const ElfFile& f = o.f;
  const Codec& c = f.c;
  for (const auto& m : lp.moves) {
    std::optional<size_t> sec;
    for (size_t i = 1; i < f.shdrs.size(); ++i)
      if (f.shdrs[i].addr == m.old_vaddr && (f.shdrs[i].flags & SHF_ALLOC) && f.shdrs[i].size == m.size) sec = i;
    if (!sec) continue;
    for (const auto& s : f.shdrs) {
      if ((s.type != SHT_SYMTAB && s.type != SHT_DYNSYM) || s.entsize != c.syment()) continue;
      for (uint64_t k = 0; k < s.size / c.syment(); ++k) {
        uint64_t at = s.offset + k * c.syment();
        if (at + c.syment() > o.b.size()) break;
        const uint8_t* p = o.b.view().data() + at;
        uint64_t shndx = c.read(p, c.st_shndx());
        uint64_t value = c.read(p, c.st_value());
        if (shndx != *sec || value < m.old_vaddr || value > m.old_vaddr + m.size) continue;
        uint64_t nv = value - m.old_vaddr + m.new_vaddr;
        FERRY_CHECK(o.put(at, c.st_value(), nv, "st_value"));
      }
    }
  }
  return {};
}

// .dynstr's changes where it stays; where it moves, the old table first, copied inside the image from where the
// room moves left it (nothing has been written over it yet: this is the layout's first write).
Status write_dynstr(Out& o, const LayoutPlan& lp) {
  const DynstrEdits& d = lp.dynstr;
  if (lp.dynstr_moved && d.old_size) {
    if (!o.f.has_dynstr || o.f.dynstr_size != d.old_size)
      return o.f.error("internal: .dynstr is " + std::to_string(o.f.dynstr_size) + " bytes where the plan expects " +
                           std::to_string(d.old_size), o.f.dynstr_offset, ErrorCode::verify);
    FERRY_CHECK(o.in_range(o.f.dynstr_offset, d.old_size, "copy of", ".dynstr"));
    FERRY_CHECK(o.in_range(lp.dynstr_offset, d.old_size, "write of", ".dynstr"));
    uint8_t* to = o.b.write(lp.dynstr_offset, d.old_size);
    std::memmove(to, o.b.view().data() + o.f.dynstr_offset, d.old_size);
  }
  for (const auto& [at, s] : d.writes) FERRY_CHECK(o.bytes(lp.dynstr_offset + at, s.data(), s.size(), ".dynstr"));
  return o.bytes(lp.dynstr_offset + d.old_size, d.tail.data(), d.tail.size(), ".dynstr");
}

// The layout part of the plan, on the file as the room moves left it (`f`, read from `buf`): from here on only
// its parsed fields are used, never its bytes.
Status write_layout(const ElfFile& f, const LayoutPlan& lp, Image& buf) {
  const bool interp_changed = lp.interp && f.interp_phdr && f.interpreter() != *lp.interp;
  if (lp.new_size > buf.size()) FERRY_CHECK(buf.resize(lp.new_size));
  Out o{buf, f};
  const Codec& c = f.c;

  if (lp.dynstr_changed || lp.dynstr_moved) FERRY_CHECK(write_dynstr(o, lp));

  if (lp.interp && f.interp_phdr) {
    const Phdr& old = f.phdrs[*f.interp_phdr];
    if (!lp.interp_moved && interp_changed) FERRY_CHECK(o.zero(old.offset, old.filesz, "PT_INTERP"));
    FERRY_CHECK(o.bytes(lp.interp_offset, lp.interp->c_str(), lp.interp->size() + 1, "PT_INTERP"));
  }

  if (lp.dynamic_changed) {
    uint64_t at = lp.dynamic_offset;
    for (uint64_t i = 0; i < lp.dynamic_capacity; ++i, at += c.dynent()) {
      Dyn d = i < lp.dynamic.size() ? lp.dynamic[i] : Dyn{DT_NULL, 0};
      FERRY_CHECK(o.put(at, c.d_tag(), static_cast<uint64_t>(d.tag), "d_tag"));
      FERRY_CHECK(o.put(at, c.d_val(), d.val, "d_val"));
    }
  }

  if (lp.verneed_changed) FERRY_CHECK(write_verneeds(o, lp));
  for (const auto& [index, value] : lp.versym_writes)
    FERRY_CHECK(o.put(*f.versym_offset + 2 * index, 2, value, ".gnu.version entry"));

  if (lp.phdrs_changed) {
    FERRY_CHECK(o.in_range(lp.phoff, lp.phdrs.size() * c.phent(), "write of", "the program header table"));
    for (size_t i = 0; i < lp.phdrs.size(); ++i) encode_phdr(c, buf.write(lp.phoff + i * c.phent(), c.phent()), lp.phdrs[i]);
    FERRY_CHECK(o.put(0, c.e_phoff(), lp.phoff, "e_phoff"));
    FERRY_CHECK(o.put(0, c.e_phnum(), lp.phdrs.size(), "e_phnum"));
  }

  for (const auto& [index, s] : lp.section_updates) FERRY_CHECK(write_shdr(o, f.e_shoff + index * c.shent(), s));
  for (const auto& w : lp.table_writes) FERRY_CHECK(o.bytes(w.offset, w.bytes.data(), w.bytes.size(), w.what.c_str()));
  if (lp.os_abi) *buf.write(EI_OSABI, 1) = *lp.os_abi;
  FERRY_CHECK(move_symbols(o, lp));
  return {};
}

}  // namespace

Status apply(const ElfFile& f, const LayoutPlan& lp, Image& buf) {
  if (lp.room.empty()) return write_layout(f, lp, buf);
  // The room moves first, in the order decided; the layout was planned on the file they leave, read here the
  // way the planner read its model of it.
  for (const auto& m : lp.room) FERRY_CHECK(carry_out(f.c, m, buf));
  FERRY_TRY(moved, read_elf_file_for_patch(buf.view(), f.path));
  return write_layout(moved, lp, buf);
}

}  // namespace ferry::patch
