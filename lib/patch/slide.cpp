// Room inside a segment instead of a new one (elf-rewriting.md "How to grow strings"). GNU ld's default
// -z separate-code layout ends the first, read-only PT_LOAD (.interp, notes, hash tables, .dynsym, .dynstr,
// version tables, relocations) well before the next PT_LOAD, which starts on a page boundary: on average half a
// page of padding. Every section in that segment is found only through the dynamic section, program headers and
// section headers, so the ones after a structure can slide forward into the padding, and the structure (the
// program header table, .interp, .dynstr) grows in place. The file keeps its size and its layout; binutils'
// strip, which expects the header table right after the ELF header, still understands it.
#include <elf.h>

#include <algorithm>

#include "patch/layout_plan.hpp"
#include "support/bytes.hpp"

namespace ferry::patch {

namespace {

uint64_t page_down(uint64_t v, uint64_t p) { return v / p * p; }

}  // namespace

uint64_t free_after(const ElfFile& f, uint64_t offset) {
  if (f.shdrs.empty() || offset == 0 || offset > f.file_size()) return 0;
  const Phdr* load = nullptr;
  for (const auto& p : f.phdrs)
    if (p.type == PT_LOAD && p.offset < offset && offset <= p.offset + p.filesz && p.filesz == p.memsz) load = &p;
  if (!load) return 0;
  uint64_t limit = std::min<uint64_t>(load->offset + load->filesz, f.file_size());
  for (size_t i = 1; i < f.shdrs.size(); ++i) {
    const Shdr& s = f.shdrs[i];
    if (s.type == SHT_NOBITS || s.size == 0) continue;
    if (s.offset < offset && s.offset + s.size > offset) return 0;  // `offset` is inside a section
    if (s.offset >= offset) limit = std::min(limit, s.offset);
  }
  if (f.e_shoff >= offset) limit = std::min(limit, f.e_shoff);
  if (f.e_phoff >= offset) limit = std::min(limit, f.e_phoff);
  for (const auto& p : f.phdrs) {
    if (&p == load || p.filesz == 0 || p.type == PT_GNU_STACK) continue;
    if (p.offset < offset && p.offset + p.filesz > offset && p.type == PT_LOAD) return 0;
    if (p.offset >= offset) limit = std::min(limit, p.offset);
  }
  if (limit <= offset) return 0;
  return f.first_nonzero(offset, limit - offset) - offset;
}

Result<RoomMove> decide_slide(const ElfFile& f, uint64_t pos, uint64_t bytes) {
  auto cannot = [&](const std::string& why) {
    return f.error("cannot slide the sections after " + hex(pos) + ": " + why, pos, ErrorCode::unsupported);
  };
  if (f.shdrs.empty()) return cannot("the file has no section headers (nothing says what the bytes are)");
  if (bytes == 0) return cannot("nothing to make room for");
  std::optional<size_t> li;
  for (size_t i = 0; i < f.phdrs.size(); ++i) {
    const Phdr& p = f.phdrs[i];
    if (p.type == PT_LOAD && p.offset < pos && pos <= p.offset + p.filesz) li = i;
  }
  if (!li) return cannot("no PT_LOAD maps it");
  const Phdr L = f.phdrs[*li];
  if (L.filesz != L.memsz) return cannot("its PT_LOAD has a .bss part");
  const uint64_t l_end = L.offset + L.filesz;
  if (l_end > f.file_size()) return cannot("its PT_LOAD runs past the end of the file");
  if (f.e_phoff >= pos && f.e_phoff < l_end) return cannot("the program header table is in the way");
  if (f.e_shoff >= pos && f.e_shoff < l_end) return cannot("the section header table is in the way");

  // The run: every section between pos and the end of the segment, all of them movable.
  std::vector<size_t> run;
  uint64_t align = 8;
  for (size_t i = 1; i < f.shdrs.size(); ++i) {
    const Shdr& s = f.shdrs[i];
    if (s.type == SHT_NOBITS || s.size == 0) continue;
    if (s.offset >= l_end || s.offset + s.size <= pos) continue;
    if (s.offset < pos) return cannot("section " + s.name_str + " straddles it");
    if (!(s.flags & SHF_ALLOC)) return cannot("non-allocated section " + s.name_str + " lies inside the segment");
    if (!is_movable_section(f, s))
      return cannot("section " + s.name_str + " at " + hex(s.offset) + " cannot move (code or data may use its address)");
    if (s.offset + s.size > l_end) return cannot("section " + s.name_str + " runs past its PT_LOAD");
    if (s.addr - L.vaddr != s.offset - L.offset) return cannot("section " + s.name_str + " is not mapped at its offset");
    if (s.addralign > 4096) return cannot("section " + s.name_str + " is aligned beyond a page");
    align = std::max<uint64_t>(align, s.addralign);
    run.push_back(i);
  }
  for (const auto& p : f.phdrs) {  // a note or interp segment moves whole with its sections, or not at all
    if (p.type == PT_LOAD || p.type == PT_PHDR || p.type == PT_GNU_STACK || p.filesz == 0) continue;
    bool overlaps = p.offset < l_end && p.offset + p.filesz > pos;
    if (overlaps && (p.offset < pos || p.offset + p.filesz > l_end))
      return cannot("a program header (type " + hex(p.type) + ") straddles the sections to move");
    if (p.align > align && overlaps) align = std::min<uint64_t>(p.align, 4096);
  }
  const uint64_t delta = align_up(bytes, align), new_end = l_end + delta;
  if (new_end > f.file_size()) return cannot("the segment ends the file (no padding after it)");

  // The padding: unused zero bytes, and neither the file range nor the pages the segment grows into belong to
  // another PT_LOAD (unless that one maps the same file bytes at the same address, as the next segment of a
  // -z separate-code file does).
  const uint64_t page = std::max<uint64_t>(target_page_size(f.e_machine), L.align > 1 ? L.align : 1);
  const uint64_t vend = L.vaddr + L.filesz + delta;
  for (const auto& q : f.phdrs) {
    if (q.type != PT_LOAD || &q == &f.phdrs[*li]) continue;
    if (q.offset < new_end && q.offset + q.filesz > l_end) return cannot("the next PT_LOAD starts within " + std::to_string(delta) + " bytes");
    if (q.vaddr < vend && q.vaddr + q.memsz > L.vaddr) return cannot("the next PT_LOAD's addresses are in the way");
    bool same_map = q.vaddr - q.offset == L.vaddr - L.offset;
    if (!same_map && q.vaddr >= L.vaddr && page_down(q.vaddr, page) < align_up(vend, page))
      return cannot("the grown segment would share a page with the next PT_LOAD");
  }
  for (size_t i = 1; i < f.shdrs.size(); ++i) {
    const Shdr& s = f.shdrs[i];
    if (s.type != SHT_NOBITS && s.size && s.offset < new_end && s.offset + s.size > l_end)
      return cannot("section " + s.name_str + " lies in the padding");
  }
  if (f.e_shoff < new_end && f.e_shoff + f.shnum * f.c.shent() > l_end) return cannot("the section header table lies in the padding");
  if (uint64_t o = f.first_nonzero(l_end, new_end - l_end); o != new_end)
    return cannot("the padding after the segment is not zero at " + hex(o));

  const SectionBlock block{pos, l_end, L.vaddr + (pos - L.offset), run};
  if (auto cut = splits_dynamic_range(f, block)) return cannot(*cut + " would be cut in two");
  RoomMove m;
  m.method = RoomMethod::slide;
  m.block = block;
  m.new_offset = pos + delta;
  m.new_vaddr = block.old_vaddr + delta;
  m.clear_offset = pos;
  m.clear_size = delta;
  m.file_size = f.file_size();
  m.phoff = f.e_phoff;
  m.phdrs = f.phdrs;
  m.phdrs[*li].filesz += delta;
  m.phdrs[*li].memsz += delta;
  retarget_block(f, delta, delta, m);

  std::string names;
  for (size_t i : run) names += (names.empty() ? "" : " ") + f.shdrs[i].name_str;
  m.step = "slid " + (names.empty() ? std::string("nothing") : names) + " forward by " + std::to_string(delta) +
           " bytes into the padding after PT_LOAD #" + std::to_string(*li) + " (" + hex(l_end) + ".." +
           hex(new_end) + "), freeing " + hex(pos) + ".." + hex(pos + delta) + " in place";
  return m;
}

Status slide_sections(const ElfFile& f, Image& out, uint64_t pos, uint64_t bytes, std::vector<std::string>& steps) {
  FERRY_TRY(m, decide_slide(f, pos, bytes));
  FERRY_CHECK(carry_out(f.c, m, out));
  steps.push_back(m.step);
  return {};
}

}  // namespace ferry::patch
