// Room by moving the fewest sections out of the way (patchelf's way for the table, elf-rewriting.md):
// - decide_phdr_room: the program header table stays where it is, right after the ELF header in the first
//   PT_LOAD (kernels before ~5.17 compute AT_PHDR from it, and binutils' strip expects it there), and the
//   sections that follow it (.interp, notes, hash tables, ...) move as one block into a new PT_LOAD at the end;
// - decide_evict: the sections after .dynstr move to the end of a PT_LOAD that already ends the file.
// Each decides a RoomMove (data) from the parsed file; carry_out (move_block.cpp) writes it. Their program
// headers, section headers, DT_* pointers and symbols follow (retarget_block).
#include <elf.h>

#include <algorithm>

#include "patch/layout_plan.hpp"
#include "support/bytes.hpp"

namespace ferry::patch {

namespace {

// The fewest sections, from the first one at or after `pos` on, whose removal frees [pos, need_end): they must
// lie in the PT_LOAD that maps `pos`, be movable (is_movable_section), and take note/interp segments whole.
struct Taken {
  SectionBlock block;
  const Phdr* load = nullptr;
  uint64_t align = 8;
};
Result<Taken> take_block(const ElfFile& f, uint64_t pos, uint64_t need_end, uint64_t page, const std::string& purpose) {
  // Every range below comes from the file: check it against the file before it becomes an iterator offset.
  const uint64_t file_size = f.file_size();
  auto fits = [&](uint64_t off, uint64_t len) { return off <= file_size && len <= file_size - off; };
  Taken t;
  for (const auto& p : f.phdrs)
    if (p.type == PT_LOAD && p.offset < pos && pos <= p.offset + p.filesz) t.load = &p;
  if (!t.load) return f.error("no room for " + purpose + ": " + hex(pos) + " is not inside a PT_LOAD", pos, ErrorCode::unsupported);
  const Phdr* first = t.load;

  std::vector<size_t> order;
  for (size_t i = 1; i < f.shdrs.size(); ++i) {
    const Shdr& s = f.shdrs[i];
    if ((s.flags & SHF_ALLOC) && s.type != SHT_NOBITS && s.size && s.offset >= pos) order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return f.shdrs[a].offset < f.shdrs[b].offset; });
  if (order.empty() || f.shdrs[order[0]].offset >= need_end)
    return f.error("no room for " + purpose + ": no section to move after " + hex(pos), pos, ErrorCode::unsupported);
  uint64_t start = f.shdrs[order[0]].offset, end = start;
  size_t taken = 0;
  auto cannot = [&](const Shdr& s, const std::string& why) {
    return f.error("no room for " + purpose + ": section " + s.name_str + " at " + hex(s.offset) + " " + why,
                   s.offset, ErrorCode::unsupported);
  };
  if (!fits(start, 0)) return cannot(f.shdrs[order[0]], "starts past the end of the file");
  for (bool grew = true; grew;) {
    grew = false;
    while (taken < order.size() && (end < need_end || f.shdrs[order[taken]].offset < end)) {
      const Shdr& s = f.shdrs[order[taken]];
      if (!is_movable_section(f, s)) return cannot(s, "cannot move");
      if (!fits(s.offset, s.size)) return cannot(s, "runs past the end of the file");
      if (s.offset + s.size > first->offset + first->filesz) return cannot(s, "is outside its PT_LOAD");
      end = std::max(end, s.offset + s.size);
      ++taken;
      grew = true;
    }
    if (end < need_end) return f.error("no room for " + purpose + " after " + hex(pos), pos, ErrorCode::unsupported);
    for (const auto& p : f.phdrs) {  // a note or interp segment is moved whole
      if (p.type == PT_LOAD || p.type == PT_PHDR || p.type == PT_GNU_STACK || p.filesz == 0) continue;
      if (p.offset < end && p.offset + p.filesz > start && (p.offset < start || p.offset + p.filesz > end)) {
        if (p.offset < start) return f.error("a program header straddles the block to move", p.offset, ErrorCode::unsupported);
        if (!fits(p.offset, p.filesz))
          return f.error("a program header runs past the end of the file", p.offset, ErrorCode::format);
        end = p.offset + p.filesz;
        grew = true;
      }
    }
  }
  for (size_t k = 0; k < taken; ++k) t.align = std::max<uint64_t>(t.align, f.shdrs[order[k]].addralign);
  if (t.align > page)  // a hostile sh_addralign would ask for gigabytes of padding
    return f.error("no room for " + purpose + ": a section to move is aligned beyond the page size", start, ErrorCode::unsupported);
  t.block = SectionBlock{start, end, first->vaddr + (start - first->offset),
                         std::vector<size_t>(order.begin(), order.begin() + static_cast<ptrdiff_t>(taken))};
  if (auto cut = splits_dynamic_range(f, t.block))
    return f.error("no room for " + purpose + ": " + *cut + " would be cut in two", start, ErrorCode::unsupported);
  return t;
}

std::string names_of(const ElfFile& f, const SectionBlock& b) {
  std::string names;
  for (size_t i : b.sections) names += (names.empty() ? "" : " ") + f.shdrs[i].name_str;
  return names;
}

// The first offset at or after `from` with the block start's residue modulo `align`: every moved section keeps
// its alignment.
uint64_t place_block(uint64_t from, const Taken& t) {
  return from + ((t.block.start % t.align) + t.align - (from % t.align)) % t.align;
}

// The move of block `t` to new_off / new_vaddr, its old bytes cleared; the program header table as it is.
RoomMove block_move(const ElfFile& f, RoomMethod method, const std::string& what, const Taken& t, uint64_t new_off,
                    uint64_t new_vaddr) {
  RoomMove m;
  m.method = method;
  m.what = what;
  m.block = t.block;
  m.new_offset = new_off;
  m.new_vaddr = new_vaddr;
  m.clear_offset = t.block.start;
  m.clear_size = t.block.end - t.block.start;
  m.file_size = std::max<uint64_t>(f.file_size(), new_off + m.size());
  m.phoff = f.e_phoff;
  m.phdrs = f.phdrs;
  return m;
}

}  // namespace

Result<RoomMove> decide_evict(const ElfFile& f, uint64_t pos, uint64_t bytes, const std::string& purpose,
                              uint64_t max_block) {
  auto last = extendable_last_load(f);
  if (!last) return f.error("no room for " + purpose + ": no PT_LOAD ends the file", pos, ErrorCode::unsupported);
  FERRY_TRY(t, take_block(f, pos, pos + bytes, target_page_size(f.e_machine), purpose));
  const SectionBlock& b = t.block;
  if (b.end - b.start >= max_block)
    return f.error("no room for " + purpose + ": the sections after it (" + std::to_string(b.end - b.start) +
                   " bytes) cost more than moving it", pos, ErrorCode::unsupported);
  const Phdr& L = f.phdrs[*last];
  if (t.load == &L) return f.error("no room for " + purpose + ": the sections are already in the last PT_LOAD", pos, ErrorCode::unsupported);
  uint64_t new_off = place_block(f.file_size(), t);
  uint64_t new_vaddr = L.vaddr + (new_off - L.offset);
  if ((new_vaddr - b.old_vaddr) % t.align != 0)
    return f.error("no room for " + purpose + ": the last PT_LOAD cannot keep the sections' alignment", pos, ErrorCode::unsupported);
  RoomMove m = block_move(f, RoomMethod::evict, purpose, t, new_off, new_vaddr);
  retarget_block(f, new_off - b.start, new_vaddr - b.old_vaddr, m);
  m.phdrs[*last].filesz = m.phdrs[*last].memsz = new_off + (b.end - b.start) - L.offset;
  m.step = "moved " + names_of(f, b) + " (" + std::to_string(b.end - b.start) + " bytes) to the end of the last "
           "PT_LOAD (offset " + hex(new_off) + "), freeing room for " + purpose + " in place";
  return m;
}

Result<RoomMove> decide_phdr_room(const ElfFile& f, uint64_t page, uint64_t bytes) {
  const Codec& c = f.c;
  const uint64_t n = f.phdrs.size() + 1;
  const uint64_t table_end = f.e_phoff + f.phdrs.size() * c.phent();
  // Room for our own PT_LOAD entry plus what the caller still needs (e.g. a PT_GNU_STACK entry).
  const uint64_t new_end = table_end + c.phent() + bytes;
  FERRY_TRY(t, take_block(f, table_end, new_end, page, "one more program header"));
  const uint64_t size = t.block.end - t.block.start;
  uint64_t new_off = place_block(align_up(f.file_size(), 16), t);
  uint64_t new_vaddr = align_up(f.max_vaddr_end(), page) + new_off % page;
  RoomMove m = block_move(f, RoomMethod::new_segment, "program headers", t, new_off, new_vaddr);
  for (auto& p : m.phdrs)
    if (p.type == PT_PHDR) p.filesz = p.memsz = n * c.phent();
  retarget_block(f, new_off - t.block.start, new_vaddr - t.block.old_vaddr, m);
  Phdr load;
  load.type = PT_LOAD;
  load.flags = PF_R;
  load.offset = new_off;
  load.vaddr = load.paddr = new_vaddr;
  load.filesz = load.memsz = size;
  load.align = page;
  size_t after = 0;
  for (size_t i = 0; i < m.phdrs.size(); ++i)
    if (m.phdrs[i].type == PT_LOAD) after = i + 1;
  m.phdrs.insert(m.phdrs.begin() + static_cast<ptrdiff_t>(after), load);
  m.step = "program headers: table kept at " + hex(f.e_phoff) + " (first PT_LOAD, for AT_PHDR) and grown by one "
           "entry; moved " + names_of(f, t.block) + " (" + std::to_string(size) + " bytes) into a new PT_LOAD at offset " +
           hex(new_off) + ", vaddr " + hex(new_vaddr) + ", aligned to " + hex(page);
  return m;
}

Status make_room_for_phdr(const ElfFile& f, Image& out, uint64_t page, std::vector<std::string>& steps,
                          uint64_t bytes) {
  FERRY_TRY(m, decide_phdr_room(f, page, bytes));
  FERRY_CHECK(carry_out(f.c, m, out));
  steps.push_back(m.step);
  return {};
}

}  // namespace ferry::patch
