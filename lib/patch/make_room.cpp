// Room for one more program header in a program (patchelf's way, elf-rewriting.md): the table stays where it
// is, at the start of the first PT_LOAD (kernels before ~5.17 compute AT_PHDR from it, and binutils' strip
// expects it there), and the sections that follow it (.interp, notes, hash tables, ...) move as one block into
// a new PT_LOAD at the end of the file. Their program headers, section headers, DT_* pointers and symbols follow.
#include <elf.h>

#include <algorithm>

#include "patch/layout_plan.hpp"

namespace ferry::patch {

namespace {

uint64_t align_up(uint64_t v, uint64_t a) { return a <= 1 ? v : (v + a - 1) / a * a; }

bool is_pointer_tag(int64_t t) {
  switch (t) {
    case DT_HASH: case DT_STRTAB: case DT_SYMTAB: case DT_RELA: case DT_REL: case DT_JMPREL: case DT_GNU_HASH:
    case DT_VERSYM: case DT_VERNEED: case DT_VERDEF: case 36 /* DT_RELR */:
      return true;
    default:
      return false;
  }
}

bool is_movable(const ElfFile& f, const Shdr& s) {
  switch (s.type) {
    case SHT_NOTE: case SHT_HASH: case SHT_GNU_HASH: case SHT_DYNSYM: case SHT_GNU_versym: case SHT_GNU_verneed:
    case SHT_GNU_verdef: case SHT_RELA: case SHT_REL: case 19 /* SHT_RELR */:
      return true;
    case SHT_STRTAB:
      return f.has_dynstr && s.addr == f.dynstr_addr;
    case SHT_PROGBITS:
      return s.name_str == ".interp";
    default:
      return false;
  }
}

}  // namespace

Result<std::vector<uint8_t>> make_room_for_phdr(const ElfFile& f, uint64_t page, std::vector<std::string>& steps,
                                                uint64_t max_block) {
  const Codec& c = f.c;
  const uint64_t n = f.phdrs.size() + 1;
  const uint64_t table_end = f.e_phoff + f.phdrs.size() * c.phent(), new_end = f.e_phoff + n * c.phent();
  // Every range below comes from the file: check it against the file before it becomes an iterator offset.
  const uint64_t file_size = f.bytes.size();
  auto fits = [&](uint64_t off, uint64_t len) { return off <= file_size && len <= file_size - off; };
  const Phdr* first = nullptr;
  for (const auto& p : f.phdrs)
    if (p.type == PT_LOAD && p.offset <= f.e_phoff && f.e_phoff < p.offset + p.filesz) first = &p;
  if (!first) return f.error("the program header table is not inside a PT_LOAD", f.e_phoff, ErrorCode::unsupported);

  std::vector<size_t> order;
  for (size_t i = 1; i < f.shdrs.size(); ++i) {
    const Shdr& s = f.shdrs[i];
    if ((s.flags & SHF_ALLOC) && s.type != SHT_NOBITS && s.size && s.offset >= table_end) order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return f.shdrs[a].offset < f.shdrs[b].offset; });
  if (order.empty()) return f.error("no section follows the program header table", table_end, ErrorCode::unsupported);
  uint64_t start = f.shdrs[order[0]].offset, end = start;
  size_t taken = 0;
  auto cannot = [&](const Shdr& s, const std::string& why) {
    return f.error("no room for one more program header: section " + s.name_str + " at " + hex(s.offset) + " " + why,
                   s.offset, ErrorCode::unsupported);
  };
  if (!fits(start, 0)) return cannot(f.shdrs[order[0]], "starts past the end of the file");
  for (bool grew = true; grew;) {
    grew = false;
    while (taken < order.size() && (end < new_end || f.shdrs[order[taken]].offset < end)) {
      const Shdr& s = f.shdrs[order[taken]];
      if (!is_movable(f, s)) return cannot(s, "cannot move");
      if (!fits(s.offset, s.size)) return cannot(s, "runs past the end of the file");
      if (s.offset + s.size > first->offset + first->filesz) return cannot(s, "is outside the first PT_LOAD");
      end = std::max(end, s.offset + s.size);
      ++taken;
      grew = true;
    }
    if (end < new_end) return f.error("no room for one more program header after " + hex(table_end), table_end, ErrorCode::unsupported);
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
  uint64_t align = 8;
  for (size_t k = 0; k < taken; ++k) align = std::max<uint64_t>(align, f.shdrs[order[k]].addralign);
  if (align > page) return f.error("a section to move is aligned beyond the page size", start, ErrorCode::unsupported);
  if (end - start > max_block)
    return f.error("the sections after the program header table span " + std::to_string(end - start) + " bytes",
                   start, ErrorCode::unsupported);
  const uint64_t size = end - start, old_vaddr = first->vaddr + (start - first->offset);
  uint64_t off0 = align_up(f.bytes.size(), 16);
  uint64_t new_off = off0 + ((start % align) + align - (off0 % align)) % align;
  uint64_t new_vaddr = align_up(f.max_vaddr_end(), page) + new_off % page;
  const uint64_t d_off = new_off - start, d_vaddr = new_vaddr - old_vaddr;
  auto in_block = [&](uint64_t vaddr) { return vaddr >= old_vaddr && vaddr < old_vaddr + size; };

  std::vector<uint8_t> out(f.bytes.data(), f.bytes.data() + f.bytes.size());
  out.resize(new_off + size, 0);
  std::copy(out.begin() + static_cast<ptrdiff_t>(start), out.begin() + static_cast<ptrdiff_t>(end),
            out.begin() + static_cast<ptrdiff_t>(new_off));
  std::fill(out.begin() + static_cast<ptrdiff_t>(start), out.begin() + static_cast<ptrdiff_t>(end), 0);

  std::vector<Phdr> ph = f.phdrs;
  for (auto& p : ph) {
    if (p.type == PT_PHDR) p.filesz = p.memsz = n * c.phent();
    else if (p.type != PT_LOAD && p.filesz && p.offset >= start && p.offset + p.filesz <= end) {
      p.offset += d_off;
      p.vaddr += d_vaddr;
      p.paddr += d_vaddr;
    }
  }
  Phdr load;
  load.type = PT_LOAD;
  load.flags = PF_R;
  load.offset = new_off;
  load.vaddr = load.paddr = new_vaddr;
  load.filesz = load.memsz = size;
  load.align = page;
  size_t after = 0;
  for (size_t i = 0; i < ph.size(); ++i)
    if (ph[i].type == PT_LOAD) after = i + 1;
  ph.insert(ph.begin() + static_cast<ptrdiff_t>(after), load);
  for (size_t i = 0; i < ph.size(); ++i) {
    uint8_t* p = out.data() + f.e_phoff + i * c.phent();
    const Phdr& h = ph[i];
    c.put(p, 4, h.type);
    if (f.is64()) {
      c.put(p + 4, 4, h.flags); c.put(p + 8, 8, h.offset); c.put(p + 16, 8, h.vaddr); c.put(p + 24, 8, h.paddr);
      c.put(p + 32, 8, h.filesz); c.put(p + 40, 8, h.memsz); c.put(p + 48, 8, h.align);
    } else {
      c.put(p + 4, 4, h.offset); c.put(p + 8, 4, h.vaddr); c.put(p + 12, 4, h.paddr); c.put(p + 16, 4, h.filesz);
      c.put(p + 20, 4, h.memsz); c.put(p + 24, 4, h.flags); c.put(p + 28, 4, h.align);
    }
  }
  c.put(out.data() + (f.is64() ? 56 : 44), 2, n);

  // Dynamic pointers into the block.
  if (f.dynamic_phdr)
    for (size_t i = 0; i < f.dyn.size(); ++i)
      if (is_pointer_tag(f.dyn[i].tag) && in_block(f.dyn[i].val))
        c.put(out.data() + f.dynamic_offset + i * c.dynent() + c.word_size(), static_cast<int>(c.word_size()),
              f.dyn[i].val + d_vaddr);
  // Section headers and the symbols defined in moved sections.
  std::vector<bool> moved(f.shdrs.size(), false);
  for (size_t k = 0; k < taken; ++k) moved[order[k]] = true;
  for (size_t i = 1; i < f.shdrs.size(); ++i) {
    const Shdr& s = f.shdrs[i];
    if (!moved[i] && !((s.flags & SHF_ALLOC) && s.offset >= start && s.offset < end && s.type != SHT_NOBITS)) continue;
    moved[i] = true;
    uint8_t* p = out.data() + f.e_shoff + i * c.shent();
    if (f.is64()) {
      c.put(p + 16, 8, s.addr + d_vaddr);
      c.put(p + 24, 8, s.offset + d_off);
    } else {
      c.put(p + 12, 4, s.addr + d_vaddr);
      c.put(p + 16, 4, s.offset + d_off);
    }
  }
  for (const auto& s : f.shdrs) {
    if ((s.type != SHT_SYMTAB && s.type != SHT_DYNSYM) || s.entsize != c.syment()) continue;
    // A .dynsym inside the block was copied: update the copy.
    if (!fits(s.offset, s.size)) continue;  // a symbol table outside the file has nothing to update
    uint64_t base = s.offset >= start && s.offset < end ? s.offset + d_off : s.offset;
    for (uint64_t k = 0; k < s.size / c.syment(); ++k) {
      uint8_t* p = out.data() + base + k * c.syment();
      uint64_t shndx = f.is64() ? c.get(p + 6, 2) : c.get(p + 14, 2);
      if (shndx == 0 || shndx >= moved.size() || !moved[shndx]) continue;
      uint64_t v = f.is64() ? c.get(p + 8, 8) : c.get(p + 4, 4);
      if (v < old_vaddr || v > old_vaddr + size) continue;
      if (f.is64()) c.put(p + 8, 8, v + d_vaddr);
      else c.put(p + 4, 4, v + d_vaddr);
    }
  }
  std::string names;
  for (size_t k = 0; k < taken; ++k) names += (k ? " " : "") + f.shdrs[order[k]].name_str;
  steps.push_back("program headers: table kept at " + hex(f.e_phoff) + " (first PT_LOAD, for AT_PHDR) and grown by one "
                  "entry; moved " + names + " (" + std::to_string(size) + " bytes) into a new PT_LOAD at offset " +
                  hex(new_off) + ", vaddr " + hex(new_vaddr) + ", aligned to " + hex(page));
  return out;
}

}  // namespace ferry::patch
