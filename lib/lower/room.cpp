// Room for what lowering adds (version tables that grew, glue code, relocation and hash tables): the zero bytes a
// linker leaves between a PT_LOAD's end and the next segment's page (GNU ld's -z separate-code pads each
// segment to a page), or the end of a PT_LOAD that ends the file (one apply_plan appended when there was no
// padding). The PT_LOAD grows over them; no other header, section or segment is touched.

#include <algorithm>

#include "elf/elf_constants.hpp"
#include "lower/lower_passes.hpp"

namespace ferry::lower {

constexpr const char* kNoRoom = "no room for ";

bool is_no_room(const Error& e) { return e.code == ErrorCode::unsupported && e.message.starts_with(kNoRoom); }

namespace {
constexpr uint64_t kPage = 4096;  // x86_64: the loader maps segments in 4 KiB pages

// First file offset at or after `from` that something uses (a section, a header table, a segment's bytes).
uint64_t next_used(const patch::ElfFile& f, uint64_t from, uint64_t size) {
  uint64_t limit = size;
  for (size_t i = 1; i < f.shdrs.size(); ++i) {
    const auto& s = f.shdrs[i];
    if (s.type != elf::sht::nobits && s.size > 0 && s.offset >= from) limit = std::min(limit, s.offset);
  }
  if (f.e_shoff >= from) limit = std::min(limit, f.e_shoff);
  if (f.e_phoff >= from) limit = std::min(limit, f.e_phoff);
  for (const auto& p : f.phdrs)
    if (p.filesz > 0 && p.offset >= from && p.type != elf::pt::gnu_stack) limit = std::min(limit, p.offset);
  return limit;
}

// The first page of the lowest segment mapped above `vaddr` (the grown segment must stay below it). Pages are
// the segment's own alignment when larger (aarch64 links for 64 KiB pages, which such kernels map).
uint64_t next_page(const patch::ElfFile& f, uint64_t vaddr) {
  uint64_t limit = UINT64_MAX;
  for (const auto& p : f.phdrs)
    if (p.type == elf::pt::load && p.vaddr > vaddr) {
      uint64_t page = p.align > kPage && (p.align & (p.align - 1)) == 0 ? p.align : kPage;
      limit = std::min(limit, p.vaddr & ~(page - 1));
    }
  return limit;
}
}  // namespace

Result<Room> reserve_after_segment(const patch::ElfFile& f, std::vector<uint8_t>& out, uint64_t bytes, bool exec) {
  // Code goes after an executable segment; failing that, after a read-only one that then becomes executable
  // (as every segment before GNU ld's -z separate-code was). Never after a writable one.
  // Data with no read-only segment to follow (aarch64's two-segment layout: R+X text, RW data) goes after the
  // executable one, which is readable too (pass 1 for data).
  for (size_t pass = 0; pass < 2; ++pass)
  for (size_t i = 0; i < f.phdrs.size(); ++i) {
    patch::Phdr p = f.phdrs[i];
    if (p.type != elf::pt::load || p.filesz != p.memsz) continue;
    const bool at_end = p.offset + p.filesz == out.size() && p.vaddr + p.memsz == f.max_vaddr_end();
    if (p.filesz == 0 && !at_end) continue;  // an empty PT_LOAD is one apply_plan just appended
    bool x = (p.flags & elf::pf::x) != 0;
    if (pass == 0 && exec != x) continue;
    if (pass == 1 && exec && (x || (p.flags & elf::pf::w))) continue;
    if (pass == 1 && !exec && !x) continue;
    uint64_t start = (p.offset + p.filesz + 15) & ~uint64_t(15);
    uint64_t vstart = p.vaddr + (start - p.offset);
    // A segment that ends the file and is the highest in memory (one apply_plan appended) grows with the file.
    if (pass == 0 && at_end) {
      out.resize(start + bytes, 0);
      p.filesz = p.memsz = start + bytes - p.offset;
      patch::encode_phdr(f.c, out.data() + f.e_phoff + i * f.c.phent(), p);
      return Room{i, start, vstart, bytes, false};
    }
    if (start + bytes > next_used(f, p.offset + p.filesz, out.size())) continue;
    if (vstart + bytes > next_page(f, p.vaddr)) continue;
    if (!std::all_of(out.begin() + p.offset + p.filesz, out.begin() + start + bytes, [](uint8_t b) { return b == 0; }))
      continue;
    p.filesz = p.memsz = start + bytes - p.offset;
    if (exec) p.flags |= elf::pf::x;
    patch::encode_phdr(f.c, out.data() + f.e_phoff + i * f.c.phent(), p);
    return Room{i, start, vstart, bytes, pass == 1 && exec};
  }
  return f.error(std::string(kNoRoom) + std::to_string(bytes) + " bytes after any " +
                     (exec ? "executable" : "non-executable") + " PT_LOAD (the segments leave no padding)",
                 std::nullopt, ErrorCode::unsupported);
}

}  // namespace ferry::lower
