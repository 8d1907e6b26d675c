// append_load_segment: one more PT_LOAD at the end of the file for data or code a caller writes itself (ferry
// lower). The program header table keeps its place (kernels before 5.17 derive AT_PHDR from the first PT_LOAD,
// binutils' strip expects it after the ELF header); its new entry takes a spare PT_NULL or room after the table,
// made by the writer's own room-making (slide.cpp, make_room.cpp) when needed.
#include <elf.h>

#include <algorithm>

#include "patch/layout_plan.hpp"
#include "patch/patch.hpp"
#include "support/bytes.hpp"

namespace ferry::patch {

namespace {

// One program header entry free for the new PT_LOAD: true when `ph` (without the spare PT_NULL it used) or the
// bytes after the table can take it; false after room was made in `img` (the caller reads it again).
Result<bool> entry_ready(const ElfFile& f, Image& img, uint64_t page, std::vector<Phdr>& ph, std::vector<std::string>& steps,
                         int round) {
  ph = f.phdrs;
  if (auto it = std::find_if(ph.begin(), ph.end(), [](const Phdr& p) { return p.type == PT_NULL; }); it != ph.end()) {
    ph.erase(it);
    steps.push_back("program headers: a spare PT_NULL entry becomes the new PT_LOAD");
    return true;
  }
  const uint64_t end = f.e_phoff + f.phdrs.size() * f.c.phent();
  if (free_after(f, end) >= f.c.phent()) {
    steps.push_back("program headers: table grown in place at " + hex(f.e_phoff) + " (unused bytes follow it)");
    return true;
  }
  if (round > 2) return f.error("no room for one more program header", f.e_phoff, ErrorCode::unsupported);
  if (slide_sections(f, img, end, f.c.phent(), steps)) return false;
  // The sections after the table move into a PT_LOAD of their own, with room for one more entry (ours).
  FERRY_CHECK(make_room_for_phdr(f, img, page, steps, f.c.phent()));
  return false;
}

}  // namespace

Result<std::vector<uint8_t>> append_load_segment(ByteView in, const std::string& path, uint64_t bytes, uint32_t flags,
                                                 AppendedSegment& seg, uint64_t page_size) {
  FERRY_TRY(img, Image::copy_of(in, path));
  std::vector<Phdr> ph;
  seg.steps.clear();
  for (int round = 0;; ++round) {
    FERRY_TRY(f, read_elf_file_for_patch(img.view(), path));
    const uint64_t page = page_size ? page_size : target_page_size(f.e_machine);
    if (!std::any_of(f.phdrs.begin(), f.phdrs.end(), [](const Phdr& p) { return p.type == PT_LOAD; }))
      return f.error("no PT_LOAD to add a segment after", std::nullopt, ErrorCode::unsupported);
    FERRY_TRY(ready, entry_ready(f, img, page, ph, seg.steps, round));
    if (!ready) continue;
    Phdr load;
    load.type = PT_LOAD;
    load.flags = flags;
    load.align = page;
    load.offset = align_up(img.size(), 16);
    load.vaddr = load.paddr = align_up(f.max_vaddr_end(), page) + load.offset % page;
    load.filesz = load.memsz = bytes;
    size_t after = 0;  // PT_LOAD entries stay sorted by address: the new one is the highest
    for (size_t i = 0; i < ph.size(); ++i)
      if (ph[i].type == PT_LOAD) after = i + 1;
    ph.insert(ph.begin() + static_cast<ptrdiff_t>(after), load);
    for (auto& p : ph)
      if (p.type == PT_PHDR) p.filesz = p.memsz = ph.size() * f.c.phent();
    FERRY_CHECK(img.resize(load.offset + bytes));
    write_program_headers(f, img, f.e_phoff, ph);
    seg.phdr = after;
    seg.offset = load.offset;
    seg.vaddr = load.vaddr;
    seg.size = bytes;
    seg.steps.push_back("new PT_LOAD: offset " + hex(load.offset) + ", vaddr " + hex(load.vaddr) + ", " +
                        (bytes ? std::to_string(bytes) + " bytes" : std::string("empty until the caller fills it")));
    return img.to_vector();
  }
}

}  // namespace ferry::patch
