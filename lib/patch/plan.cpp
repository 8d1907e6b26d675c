// Layout planning (elf-rewriting.md "How to grow strings"): decides where every changed structure lives.
// Strategies, cheapest first: in place (everything fits); extend the last PT_LOAD when it ends the file
// (a segment ferry or patchelf appended earlier, or an sstripped file) so repeated edits do not add segments;
// otherwise one new PT_LOAD at the end aligned to the target page size, whose program header entry comes from a
// spare PT_NULL, from moving the table into the new segment (shared libraries only), or from the file gap after
// the first PT_LOAD (programs: kernels before 5.17 derive AT_PHDR from the first PT_LOAD).
#include <elf.h>

#include <algorithm>

#include "patch/layout_plan.hpp"
#include "support/bytes.hpp"

namespace ferry::patch {

const char* to_string(Strategy s) {
  switch (s) {
    case Strategy::unchanged: return "unchanged";
    case Strategy::in_place: return "in place";
    case Strategy::extend_last_segment: return "extend last segment";
    case Strategy::new_segment: return "new segment";
  }
  return "?";
}

uint64_t target_page_size(uint16_t machine) {
  switch (machine) {
    case EM_386:
    case EM_X86_64:
    case EM_ARM:
      return 0x1000;
    default:
      return 0x10000;  // AArch64, ppc64, s390x, MIPS kernels may use 16/64 KiB pages
  }
}

namespace {


std::string flags_str(uint32_t f) {
  std::string s;
  s += (f & PF_R) ? 'R' : '-';
  s += (f & PF_W) ? 'W' : '-';
  s += (f & PF_X) ? 'X' : '-';
  return s;
}

// The new-data area: items placed one after the other, file offset and address advancing together.
struct Area {
  uint64_t offset = 0, vaddr = 0, size = 0;
  uint64_t place(uint64_t bytes, uint64_t align) {
    uint64_t at = align_up(offset + size, align) - offset;
    size = at + bytes;
    return at;
  }
};

// Programs and static executables need the program header table inside the first PT_LOAD.
bool phdrs_must_stay_in_first_load(const ElfFile& f, const TargetState& t) {
  if (f.runs_as_program()) return true;
  for (const auto& e : t.entries)
    if (e.tag == DT_FLAGS_1 && (e.val & DF_1_PIE)) return true;
  return !f.dynamic_phdr.has_value() && !f.has_interp();
}

// Whether PT_INTERP's file range holds bytes of a section other than the .interp section starting with it.
bool interp_shares_bytes(const ElfFile& f, const Phdr& ip) {
  for (size_t i = 1; i < f.shdrs.size(); ++i) {
    const Shdr& s = f.shdrs[i];
    if (!(s.flags & SHF_ALLOC) || s.type == SHT_NOBITS || s.size == 0) continue;
    if (s.offset >= ip.offset + ip.filesz || s.offset + s.size <= ip.offset) continue;
    if (s.type == SHT_PROGBITS && s.offset == ip.offset) continue;
    return true;
  }
  return false;
}

// The .interp section: PROGBITS at PT_INTERP's address (not a note that happens to start there).
std::optional<size_t> interp_section(const ElfFile& f) {
  if (!f.interp_phdr) return std::nullopt;
  auto s = f.find_section_by_addr(f.phdrs[*f.interp_phdr].vaddr, SHT_PROGBITS);
  return s;
}

// The file gap after the first PT_LOAD that can hold `bytes` of program headers: returns its offset.
std::optional<uint64_t> first_load_gap(const ElfFile& f, uint64_t bytes, size_t& first_index) {
  std::optional<size_t> first;
  for (size_t i = 0; i < f.phdrs.size(); ++i)
    if (f.phdrs[i].type == PT_LOAD && (!first || f.phdrs[i].offset < f.phdrs[*first].offset)) first = i;
  if (!first) return std::nullopt;
  const Phdr& p = f.phdrs[*first];
  if (p.filesz != p.memsz || f.e_phoff < p.offset || f.e_phoff >= p.offset + p.filesz) return std::nullopt;
  uint64_t start = align_up(p.offset + p.filesz, 8), end = start + bytes;
  uint64_t next_off = UINT64_MAX, next_vaddr = UINT64_MAX;
  for (const auto& q : f.phdrs) {
    if (q.type != PT_LOAD || &q == &p) continue;
    if (q.offset >= p.offset + p.filesz) next_off = std::min(next_off, q.offset);
    if (q.vaddr >= p.vaddr + p.memsz) next_vaddr = std::min(next_vaddr, q.vaddr);
  }
  if (next_off == UINT64_MAX || end > next_off || p.vaddr + (end - p.offset) > next_vaddr) return std::nullopt;
  if (end > f.file_size()) return std::nullopt;
  for (const auto& s : f.shdrs)
    if (s.type != SHT_NOBITS && s.type != SHT_NULL && s.size && s.offset < end && s.offset + s.size > p.offset + p.filesz)
      return std::nullopt;
  if (f.e_shoff && f.e_shoff < end && f.e_shoff + f.shnum * f.c.shent() > p.offset + p.filesz) return std::nullopt;
  if (f.first_nonzero(p.offset + p.filesz, end - (p.offset + p.filesz)) != end) return std::nullopt;
  first_index = *first;
  return start;
}

void update_section(const ElfFile& f, LayoutPlan& plan, size_t index, uint64_t offset, uint64_t addr, uint64_t size) {
  for (auto& [i, s] : plan.section_updates)
    if (i == index) {
      s.offset = offset;
      s.addr = addr;
      s.size = size;
      return;
    }
  Shdr s = f.shdrs[index];
  s.offset = offset;
  s.addr = addr;
  s.size = size;
  plan.section_updates.push_back({index, s});
}

}  // namespace

// Index of the PT_LOAD whose file range ends last, when it ends the file, maps no .bss and is the highest in memory.
std::optional<size_t> extendable_last_load(const ElfFile& f) {
  std::optional<size_t> last;
  for (size_t i = 0; i < f.phdrs.size(); ++i) {
    const Phdr& p = f.phdrs[i];
    if (p.type != PT_LOAD) continue;
    if (!last || p.offset + p.filesz > f.phdrs[*last].offset + f.phdrs[*last].filesz) last = i;
  }
  if (!last) return std::nullopt;
  const Phdr& p = f.phdrs[*last];
  if (p.offset + p.filesz != f.file_size() || p.memsz != p.filesz) return std::nullopt;
  if (p.vaddr + p.memsz != f.max_vaddr_end()) return std::nullopt;
  for (const auto& q : f.phdrs)  // a TLS or relro range ending there would change meaning
    if ((q.type == PT_TLS || q.type == PT_GNU_RELRO) && q.vaddr + q.memsz > p.vaddr + p.filesz - 1 &&
        q.vaddr < p.vaddr + p.memsz)
      return std::nullopt;
  return last;
}

namespace {

// 1. Strings: dynamic entries first, then Verneed files, then renamed symbols. Sets the entries' and Verneeds'
// offsets in `t`, the new names' offsets in `rename_offsets`, and the plan's .dynstr. `add_strings` are only
// made present.
StringPlan plan_strings(const ElfFile& f, TargetState& t, const std::vector<std::string>& add_strings,
                        std::vector<uint64_t>& rename_offsets, LayoutPlan& lp) {
  std::vector<StringRequest> reqs;
  std::vector<std::pair<int, size_t>> owners;  // {0 = entry / 1 = verneed / 2 = rename / 3 = added, index}
  for (size_t i = 0; i < t.entries.size(); ++i)
    if (t.entries[i].str) {
      // Entries keep the offset they had whenever the string at it still matches (new ones start at 0).
      reqs.push_back({*t.entries[i].str, t.entries[i].val});
      owners.push_back({0, i});
    }
  for (size_t i = 0; i < t.verneeds.size(); ++i) {
    reqs.push_back({t.verneed_files[i], t.verneeds[i].file});
    owners.push_back({1, i});
  }
  for (size_t i = 0; i < t.renames.size(); ++i) {
    reqs.push_back({t.renames[i].name, std::nullopt});
    owners.push_back({2, i});
  }
  for (const auto& s : add_strings) {  // owner kind 3: nothing refers to them yet (ferry lower's version names)
    reqs.push_back({s, std::nullopt});
    owners.push_back({3, 0});
  }
  rename_offsets.assign(t.renames.size(), 0);
  StringPlan sp;
  if (f.has_dynstr) {
    sp = allocate_strings(f, reqs);
    for (size_t r = 0; r < reqs.size(); ++r) {
      auto [kind, i] = owners[r];
      if (kind == 0)
        t.entries[i].val = sp.offsets[r];
      else if (kind == 2)
        rename_offsets[i] = sp.offsets[r];
      else if (kind == 3)
        continue;
      else if (t.verneeds[i].file != sp.offsets[r]) {
        t.verneeds[i].file = static_cast<uint32_t>(sp.offsets[r]);
        t.verneed_changed = true;
      }
    }
  }
  lp.dynstr = sp.table;
  lp.dynstr_offset = f.dynstr_offset;
  lp.dynstr_vaddr = f.dynstr_addr;
  lp.dynstr_changed = f.has_dynstr && (sp.appended || sp.rewritten);
  if (sp.rewritten) lp.steps.push_back(".dynstr: " + std::to_string(sp.rewritten) + " bytes written into unused bytes in place");
  return sp;
}

// What does not fit where it is.
struct Growth {
  uint64_t needed_entries = 0;  // dynamic entries + DT_NULL
  bool dynamic_grows = false, dynstr_grows = false, interp_grows = false, interp_in_place = false;
  bool grow_dynstr_in_place = false;  // .dynstr ends the file: the last segment grows by the appended bytes
  bool need_area = false;             // something goes to the new-data area
  std::optional<size_t> last;         // extendable_last_load
};

// 2. What needs room outside its current place; records in lp what room-making could free (dynstr/interp growth).
Growth decide_growth(const ElfFile& f, const TargetState& t, const StringPlan& sp, LayoutPlan& lp) {
  Growth g;
  g.needed_entries = t.entries.size() + 1;
  g.dynamic_grows = f.has_dynamic && g.needed_entries > f.dynamic_capacity;
  g.dynstr_grows = sp.appended > 0;
  bool interp_shares = false;
  if (t.interpreter && f.interp_phdr) {
    const Phdr& ip = f.phdrs[*f.interp_phdr];
    // A PT_INTERP whose range also covers other sections (a linker script's odd output) is never rewritten
    // where it is: that would overwrite them. It moves, and the old bytes stay.
    const bool shares = interp_shares = interp_shares_bytes(f, ip) && f.interpreter() != *t.interpreter;
    g.interp_grows = t.interpreter->size() + 1 > ip.filesz || shares;
    // Unused bytes after it (padding, or room a slide made) let it grow where it is.
    if (g.interp_grows && !shares && free_after(f, ip.offset + ip.filesz) >= t.interpreter->size() + 1 - ip.filesz)
      g.interp_grows = false, g.interp_in_place = true;
  }
  g.last = extendable_last_load(f);
  const bool dynstr_at_end = g.last && f.has_dynstr && f.dynstr_offset + f.dynstr_size == f.file_size();
  if (g.dynstr_grows && free_after(f, f.dynstr_offset + f.dynstr_size) >= sp.appended) {
    g.dynstr_grows = false;
    lp.steps.push_back(".dynstr: " + std::to_string(sp.appended) + " bytes appended in place (unused bytes follow it)");
  }
  g.need_area = g.dynamic_grows || g.interp_grows || (g.dynstr_grows && !dynstr_at_end);
  if (g.dynstr_grows && !dynstr_at_end) lp.dynstr_growth = sp.appended;
  if (g.interp_grows && !interp_shares) lp.interp_growth = t.interpreter->size() + 1 - f.phdrs[*f.interp_phdr].filesz;
  g.grow_dynstr_in_place = g.dynstr_grows && dynstr_at_end && !g.dynamic_grows && !g.interp_grows;
  if (g.grow_dynstr_in_place) g.need_area = true;
  return g;
}

// Where new data goes and where the program header table ends up.
struct Placement {
  Area area;
  std::optional<size_t> new_load;  // index in lp.phdrs of the appended PT_LOAD
  bool moved_table = false;
  size_t extended_first = SIZE_MAX;  // the first PT_LOAD, grown over the table moved after it
};

// Spare PT_NULL entries become the entries to add; returns how many still need room in the table.
size_t reuse_null_entries(bool add_load, size_t adds, LayoutPlan& lp) {
  size_t grow = adds;
  for (auto it = lp.phdrs.begin(); grow && it != lp.phdrs.end();) {
    if (it->type != PT_NULL) {
      ++it;
      continue;
    }
    it = lp.phdrs.erase(it);
    lp.steps.push_back(std::string("program headers: a spare PT_NULL entry becomes ") +
                       (add_load && grow == adds ? "the new PT_LOAD" : "PT_GNU_STACK"));
    --grow;
  }
  return grow;
}

// The new-data area: after the PT_LOAD that ends the file, or a new PT_LOAD aligned to the page size.
void open_area(const ElfFile& f, const Growth& g, uint64_t page, LayoutPlan& lp, Placement& pl) {
  if (!g.need_area) return;
  if (g.last) {
    lp.strategy = Strategy::extend_last_segment;
    pl.area.offset = f.file_size();
    pl.area.vaddr = f.phdrs[*g.last].vaddr + f.phdrs[*g.last].filesz;
    lp.steps.push_back("extend the last PT_LOAD (#" + std::to_string(*g.last) + ", which ends the file)");
    return;
  }
  lp.strategy = Strategy::new_segment;
  pl.area.offset = align_up(f.file_size(), 16);
  pl.area.vaddr = align_up(f.max_vaddr_end(), page) + pl.area.offset % page;
}

// `grow` more entries than the table holds: in place (unused bytes follow it), room to be made (returns false:
// lp.table_growth set, the caller makes room and plans again), the table moved into the new PT_LOAD (a library),
// or moved into the padding after the first PT_LOAD (a program).
Result<bool> grow_table(const ElfFile& f, const TargetState& t, const Growth& g, size_t grow, size_t adds,
                        bool add_load, bool allow_table_move, LayoutPlan& lp, Placement& pl) {
  const Codec& c = f.c;
  const uint64_t table_bytes = (lp.phdrs.size() + adds) * c.phent();
  const uint64_t table_room = free_after(f, f.e_phoff + f.phdrs.size() * c.phent());
  size_t first_i = 0;
  bool program = phdrs_must_stay_in_first_load(f, t);
  if (table_room >= grow * c.phent()) {
    lp.steps.push_back("program headers: table grown in place at " + hex(f.e_phoff) + " (unused bytes follow it)");
  } else if (!f.shdrs.empty() && (program || !allow_table_move)) {
    // Make room after the table (strip-friendly); see plan_layout.cpp.
    lp.table_growth = grow * c.phent() - table_room;
    // decide_phdr_room adds a PT_LOAD itself (the new area then extends it): it must free room for that
    // entry and for the others, whether or not this plan wanted a PT_LOAD.
    lp.table_extra = (add_load ? grow - 1 : grow) * c.phent();
    return false;
  } else if (!program && g.need_area) {
    lp.phoff = pl.area.offset + pl.area.place(table_bytes, 8);
    pl.moved_table = true;
    lp.steps.push_back("program headers: table moved into the new PT_LOAD (a shared library: the loader finds it in any PT_LOAD)");
  } else if (auto gap = program ? first_load_gap(f, table_bytes, first_i) : std::nullopt) {
    lp.phoff = *gap;
    pl.extended_first = first_i;
    Phdr& first = lp.phdrs[first_i];
    first.filesz = first.memsz = *gap + table_bytes - first.offset;
    lp.steps.push_back("program headers: table moved to the padding after the first PT_LOAD, which grows to " +
                       hex(first.filesz) + " bytes (kept in the first PT_LOAD for AT_PHDR)");
  } else {
    std::string what = grow == 1 ? "one more program header" : std::to_string(grow) + " more program headers";
    return f.error("no room for " + what + (program ? ": the table must stay in the first PT_LOAD (a program), "
                   "there is no spare PT_NULL and no padding after the first PT_LOAD"
                   : ": there is no spare PT_NULL and no unused byte after the table"),
                   f.e_phoff, ErrorCode::unsupported);
  }
  return true;
}

// The new entries themselves: the PT_LOAD after the last one, PT_GNU_STACK at the end.
void insert_entries(bool add_load, bool add_stack, uint64_t page, LayoutPlan& lp, Placement& pl) {
  if (add_load) {
    Phdr load;
    load.type = PT_LOAD;
    load.flags = PF_R;
    load.align = page;
    size_t after = 0;
    for (size_t i = 0; i < lp.phdrs.size(); ++i)
      if (lp.phdrs[i].type == PT_LOAD) after = i + 1;
    lp.phdrs.insert(lp.phdrs.begin() + static_cast<ptrdiff_t>(after), load);
    pl.new_load = after;
  }
  if (add_stack) {
    Phdr stack;
    stack.type = PT_GNU_STACK;
    stack.flags = PF_R | PF_W;
    stack.align = 16;
    lp.phdrs.push_back(stack);
    lp.steps.push_back("program headers: PT_GNU_STACK added (the file had none: the stack's permissions were the "
                       "kernel's default)");
  }
}

// Program header entries to add: the new PT_LOAD, and PT_GNU_STACK when --set/--clear-execstack meets a file
// without one (patchelf adds it too). They come from spare PT_NULLs, unused bytes after the table, or room made
// for them (make_room.cpp; the table moves only in a library without section headers). Returns false when the
// caller must make room first (lp.needs_room()).
Result<bool> plan_entries(const ElfFile& f, const TargetState& t, const Growth& g, uint64_t page,
                          bool allow_table_move, LayoutPlan& lp, Placement& pl) {
  const bool add_stack =
      t.exec_stack && std::none_of(f.phdrs.begin(), f.phdrs.end(), [](auto& p) { return p.type == PT_GNU_STACK; });
  const bool add_load = g.need_area && !g.last;
  if (!g.need_area && !add_stack) {
    lp.strategy = t.notes.empty() && !lp.dynstr_changed ? Strategy::unchanged : Strategy::in_place;
    return true;
  }
  const size_t adds = (add_load ? 1 : 0) + (add_stack ? 1 : 0);
  const size_t grow = reuse_null_entries(add_load, adds, lp);
  open_area(f, g, page, lp, pl);
  if (grow) {
    FERRY_TRY(fits, grow_table(f, t, g, grow, adds, add_load, allow_table_move, lp, pl));
    if (!fits) return false;
  }
  insert_entries(add_load, add_stack, page, lp, pl);
  if (!g.need_area) lp.strategy = Strategy::in_place;
  return true;
}

// 3. Place the structures: PT_INTERP, .dynamic and .dynstr, in place or in the new area.
void place_structures(const ElfFile& f, const TargetState& t, const Growth& g, const StringPlan& sp, Placement& pl,
                      LayoutPlan& lp) {
  const Codec& c = f.c;
  const uint64_t needed_entries = g.needed_entries;
  const bool interp_grows = g.interp_grows, interp_in_place = g.interp_in_place, dynamic_grows = g.dynamic_grows;
  const bool grow_dynstr_in_place = g.grow_dynstr_in_place, dynstr_grows = g.dynstr_grows;
  Area& area = pl.area;
  if (t.interpreter && f.interp_phdr) {
    const Phdr& old = f.phdrs[*f.interp_phdr];
    lp.interp = *t.interpreter;
    if (interp_grows) {
      uint64_t at = area.place(t.interpreter->size() + 1, 1);
      lp.interp_offset = area.offset + at;
      lp.interp_vaddr = area.vaddr + at;
      lp.interp_moved = true;
      lp.steps.push_back("PT_INTERP: moved to " + hex(lp.interp_offset) + " (" + std::to_string(t.interpreter->size() + 1) + " bytes)");
    } else {
      lp.interp_offset = old.offset;
      lp.interp_vaddr = old.vaddr;
      if (interp_in_place)
        lp.steps.push_back("PT_INTERP: grown in place to " + std::to_string(t.interpreter->size() + 1) + " bytes (unused bytes follow it)");
      else if (f.interpreter() != *t.interpreter)
        lp.steps.push_back("PT_INTERP: rewritten in place");
    }
  }
  lp.dynamic_capacity = f.dynamic_capacity;
  lp.dynamic_offset = f.dynamic_offset;
  if (f.has_dynamic) lp.dynamic_vaddr = f.dynamic_vaddr;
  if (dynamic_grows) {
    lp.dynamic_capacity = needed_entries + 4;  // spare entries: later additions fit in place
    uint64_t at = area.place(lp.dynamic_capacity * c.dynent(), c.word_size());
    lp.dynamic_offset = area.offset + at;
    lp.dynamic_vaddr = area.vaddr + at;
    lp.dynamic_moved = true;
    lp.steps.push_back(".dynamic: " + std::to_string(f.dyn.size()) + " -> " + std::to_string(t.entries.size()) +
                       " entries, moved to " + hex(lp.dynamic_offset) + " with room for " +
                       std::to_string(lp.dynamic_capacity) + " (writable: the loader writes DT_DEBUG)");
  }
  if (grow_dynstr_in_place) {
    area.place(sp.appended, 1);
    lp.steps.push_back(".dynstr: " + std::to_string(sp.appended) + " bytes appended in place (it ends the file)");
  } else if (dynstr_grows) {
    uint64_t at = area.place(lp.dynstr.size(), 1);
    lp.dynstr_offset = area.offset + at;
    lp.dynstr_vaddr = area.vaddr + at;
    lp.dynstr_moved = true;
    lp.steps.push_back(".dynstr: " + hex(f.dynstr_size) + " -> " + hex(lp.dynstr.size()) + " bytes, moved to " +
                       hex(lp.dynstr_offset));
  }
}

// 4. Program headers: the new or extended PT_LOAD, and every entry that points at something that moved.
void finish_program_headers(const ElfFile& f, const TargetState& t, const Growth& g, const Placement& pl,
                            uint64_t page, LayoutPlan& lp) {
  const Codec& c = f.c;
  const Area& area = pl.area;
  const auto& new_load = pl.new_load;
  const auto& last = g.last;
  const bool moved_table = pl.moved_table;
  const size_t extended_first = pl.extended_first;
  uint32_t area_flags = PF_R | (lp.dynamic_moved ? PF_W : 0);
  if (new_load) {
    Phdr& p = lp.phdrs[*new_load];
    p.offset = area.offset;
    p.vaddr = p.paddr = area.vaddr;
    p.filesz = p.memsz = area.size;
    p.flags = area_flags;
    lp.steps.push_back("new PT_LOAD: offset " + hex(p.offset) + ", vaddr " + hex(p.vaddr) + ", " + hex(p.filesz) +
                       " bytes, " + flags_str(p.flags) + ", aligned to " + hex(page));
  } else if (lp.strategy == Strategy::extend_last_segment) {
    Phdr& p = lp.phdrs[*last];
    p.filesz = p.memsz = p.filesz + area.size;
    if ((p.flags & area_flags) != area_flags) {
      p.flags |= area_flags;
      lp.steps.push_back("last PT_LOAD becomes " + flags_str(p.flags));
    }
  }
  for (auto& p : lp.phdrs) {
    if (p.type == PT_INTERP && lp.interp) {
      p.offset = lp.interp_offset;
      p.vaddr = p.paddr = lp.interp_vaddr;
      p.filesz = p.memsz = lp.interp->size() + 1;
    } else if (p.type == PT_DYNAMIC && lp.dynamic_moved) {
      p.offset = lp.dynamic_offset;
      p.vaddr = p.paddr = lp.dynamic_vaddr;
      p.filesz = p.memsz = lp.dynamic_capacity * c.dynent();
    } else if (p.type == PT_PHDR && lp.phoff != f.e_phoff) {
      p.offset = lp.phoff;
      p.vaddr = p.paddr = moved_table ? area.vaddr + (lp.phoff - area.offset)
                                      : lp.phdrs[extended_first].vaddr + (lp.phoff - lp.phdrs[extended_first].offset);
    } else if (p.type == PT_GNU_STACK && t.exec_stack) {
      p.flags = *t.exec_stack ? (p.flags | PF_X) : (p.flags & ~uint32_t(PF_X));
    }
    if (p.type == PT_PHDR) p.filesz = p.memsz = lp.phdrs.size() * c.phent();
  }
  if (t.exec_stack) lp.steps.push_back(std::string("PT_GNU_STACK: ") + (*t.exec_stack ? "executable" : "not executable"));
  lp.phdrs_changed = lp.phdrs.size() != f.phdrs.size() || lp.phoff != f.e_phoff;
  for (size_t i = 0; !lp.phdrs_changed && i < lp.phdrs.size(); ++i) {
    const Phdr &a = lp.phdrs[i], &b = f.phdrs[i];
    lp.phdrs_changed = a.type != b.type || a.flags != b.flags || a.offset != b.offset || a.vaddr != b.vaddr ||
                       a.paddr != b.paddr || a.filesz != b.filesz || a.memsz != b.memsz || a.align != b.align;
  }
}

// 5. Dynamic entries: pointers to what moved.
void plan_dynamic(const ElfFile& f, TargetState& t, LayoutPlan& lp) {
  for (auto& e : t.entries) {
    if (e.tag == DT_STRTAB) e.val = lp.dynstr_vaddr;
    if (e.tag == DT_STRSZ && f.has_dynstr) e.val = lp.dynstr.size();
  }
  for (const auto& e : t.entries) lp.dynamic.push_back(Dyn{e.tag, e.val});
  lp.dynamic_changed = lp.dynamic_moved || lp.dynamic.size() != f.dyn.size();
  for (size_t i = 0; !lp.dynamic_changed && i < lp.dynamic.size(); ++i)
    lp.dynamic_changed = lp.dynamic[i].tag != f.dyn[i].tag || lp.dynamic[i].val != f.dyn[i].val;

  lp.verneed_changed = t.verneed_changed;
  lp.verneeds = t.verneeds;
  lp.versym_writes = t.versym_writes;
}

// 6. Section headers of what moved or changed size, and the address moves symbols follow.
void plan_section_headers(const ElfFile& f, LayoutPlan& lp) {
  const Codec& c = f.c;
  if (!f.shdrs.empty()) {
    if (f.has_dynstr && (lp.dynstr_moved || lp.dynstr.size() != f.dynstr_size))
      if (auto s = f.find_section_by_addr(f.dynstr_addr, SHT_STRTAB)) {
        update_section(f, lp, *s, lp.dynstr_offset, lp.dynstr_vaddr, lp.dynstr.size());
        if (lp.dynstr_moved)  // its section symbol follows
          lp.moves.push_back(Move{".dynstr", f.shdrs[*s].addr, f.shdrs[*s].offset, f.shdrs[*s].size, lp.dynstr_vaddr,
                                  lp.dynstr_offset});
      }
    if (lp.dynamic_moved)
      for (size_t i = 1; i < f.shdrs.size(); ++i)
        if (f.shdrs[i].type == SHT_DYNAMIC) {
          update_section(f, lp, i, lp.dynamic_offset, lp.dynamic_vaddr, lp.dynamic_capacity * c.dynent());
          lp.moves.push_back(Move{".dynamic", f.shdrs[i].addr, f.shdrs[i].offset, f.shdrs[i].size, lp.dynamic_vaddr,
                                  lp.dynamic_offset});
        }
    if (lp.interp && f.interp_phdr)
      if (auto s = interp_section(f)) {
        update_section(f, lp, *s, lp.interp_offset, lp.interp_vaddr, lp.interp->size() + 1);
        if (lp.interp_moved)
          lp.moves.push_back(Move{".interp", f.shdrs[*s].addr, f.shdrs[*s].offset, f.shdrs[*s].size, lp.interp_vaddr,
                                  lp.interp_offset});
      }
    if (lp.verneed_changed)
      for (size_t i = 1; i < f.shdrs.size(); ++i)
        if (f.shdrs[i].type == SHT_GNU_verneed) {
          Shdr s = f.shdrs[i];
          s.info = static_cast<uint32_t>(lp.verneeds.size());
          uint64_t bytes = 0;
          for (const auto& v : lp.verneeds) bytes += 16 + 16 * v.aux.size();
          s.size = bytes;
          lp.section_updates.push_back({i, s});
        }
  }
}

// The output's size, and "in place" for a plan that writes anything without moving it.
void finish_strategy(const ElfFile& f, const Placement& pl, LayoutPlan& lp) {
  const Area& area = pl.area;
  lp.new_size = std::max<uint64_t>(f.file_size(), area.size ? area.offset + area.size : 0);
  if (lp.strategy == Strategy::unchanged && (lp.dynamic_changed || lp.verneed_changed || !lp.versym_writes.empty() ||
                                             lp.phdrs_changed || lp.dynstr_changed || !lp.table_writes.empty() ||
                                             lp.os_abi))
    lp.strategy = Strategy::in_place;
  if (lp.interp && f.interpreter() != *lp.interp && lp.strategy == Strategy::unchanged) lp.strategy = Strategy::in_place;
}

// 7. What the output must read back as.
void expect_summary(const ElfFile& f, const TargetState& t, LayoutPlan& lp) {
  DynamicSummary& ex = lp.expected;
  ex.machine = f.e_machine;
  ex.os_abi = lp.os_abi.value_or(f.os_abi);
  ex.has_dynamic = f.has_dynamic;
  ex.interpreter = lp.interp ? lp.interp : f.interpreter();
  for (const auto& e : t.entries) {
    if (e.tag == DT_NEEDED) ex.needed.push_back(*e.str);
    if (e.tag == DT_SONAME) ex.soname = e.str;
    if (e.tag == DT_RPATH) ex.rpath = e.str;
    if (e.tag == DT_RUNPATH) ex.runpath = e.str;
    if (e.tag == DT_FLAGS_1) ex.nodeflib = e.val & DF_1_NODEFLIB;
    if (e.tag == DT_DEBUG) ex.debug_tag = true;
  }
  for (const auto& p : lp.phdrs)
    if (p.type == PT_GNU_STACK) ex.exec_stack = (p.flags & PF_X) != 0;
}

}  // namespace

// The planner, as a script of named steps over the parsed file and the gathered facts; it writes nothing.
Result<LayoutPlan> plan(const ElfFile& f, const Edits& edits, const PatchOptions& opts, const Facts& facts,
                        bool allow_table_move) {
  LayoutPlan lp;
  lp.old_size = lp.new_size = f.file_size();
  lp.phdrs = f.phdrs;
  lp.phoff = f.e_phoff;
  FERRY_TRY(t, resolve_edits(f, edits, facts));
  for (const auto& n : t.notes) lp.steps.push_back(n);
  const uint64_t page = opts.page_size ? opts.page_size : target_page_size(f.e_machine);
  std::vector<uint64_t> rename_offsets;
  const StringPlan sp = plan_strings(f, t, edits.add_strings, rename_offsets, lp);
  FERRY_CHECK(plan_renames(f, t, rename_offsets, lp));
  if (t.os_abi) lp.os_abi = t.os_abi;
  const Growth g = decide_growth(f, t, sp, lp);
  Placement pl;
  FERRY_TRY(fits, plan_entries(f, t, g, page, allow_table_move, lp, pl));
  if (!fits) return lp;  // lp.needs_room(): the caller makes room and plans again
  place_structures(f, t, g, sp, pl, lp);
  finish_program_headers(f, t, g, pl, page, lp);
  plan_dynamic(f, t, lp);
  plan_section_headers(f, lp);
  finish_strategy(f, pl, lp);
  expect_summary(f, t, lp);
  return lp;
}

std::string LayoutPlan::describe() const {
  std::string out = std::string("strategy: ") + to_string(strategy) + "\n";
  for (const auto& s : steps) out += "  " + s + "\n";
  // The room moves as the writer carries them out, in order (their words are among the steps above).
  for (size_t i = 0; i < room.size(); ++i) {
    const RoomMove& m = room[i];
    out += "  room move " + std::to_string(i + 1) + " (" + to_string(m.method) + ", for " + m.what + "): bytes " +
           hex(m.block.start) + ".." + hex(m.block.end) + " -> offset " + hex(m.new_offset) + ", vaddr " +
           hex(m.new_vaddr) + "; " + std::to_string(m.fields.size()) + " header fields follow; " +
           std::to_string(m.phdrs.size()) + " program headers\n";
  }
  int64_t delta = static_cast<int64_t>(new_size) - static_cast<int64_t>(old_size);
  out += "size: " + std::to_string(old_size) + " -> " + std::to_string(new_size) + " bytes (" +
         (delta >= 0 ? "+" : "") + std::to_string(delta) + ")\n";
  return out;
}

}  // namespace ferry::patch
