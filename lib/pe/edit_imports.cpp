// The passes of rename_imports: find the name fields of every import / delay-load descriptor, place each new
// name (over the old one, in slack, in a new section), then the fix-ups (bound imports, signature, CheckSum) and
// a verification by re-reading the result with read_pe.
#include "pe/edit_imports.hpp"

#include <algorithm>
#include <cstring>

#include "pe/pe_info.hpp"
#include "pe/pe_layout.hpp"

namespace ferry::pe {

namespace {

constexpr uint32_t kScnRead = 0x40000000, kScnDiscardable = 0x02000000, kScnInitData = 0x40;
constexpr uint32_t kDirImport = 1, kDirSecurity = 4, kDirBound = 11, kDirDelay = 13;

uint32_t get32(const std::vector<uint8_t>& b, uint64_t o) {
  return uint32_t(b[o]) | uint32_t(b[o + 1]) << 8 | uint32_t(b[o + 2]) << 16 | uint32_t(b[o + 3]) << 24;
}
void put32(std::vector<uint8_t>& b, uint64_t o, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[o + i] = uint8_t(v >> (8 * i));
}
void put16(std::vector<uint8_t>& b, uint64_t o, uint16_t v) { b[o] = uint8_t(v), b[o + 1] = uint8_t(v >> 8); }
std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// One descriptor's DLL name field.
struct NameSlot {
  uint64_t field_off = 0;  // file offset of the 4-byte Name field
  bool va_based = false;   // old delay-load descriptor: the field holds a VA
  uint32_t rva = 0;        // where the name is now
  std::string old_name, new_name;
};

// Pass 1: the name fields of the import (20-byte) and delay-load (32-byte) descriptors that are renamed.
Result<std::vector<NameSlot>> find_name_slots(const std::vector<uint8_t>& b, const PeLayout& L,
                                              const std::map<std::string, std::string>& renames) {
  std::vector<NameSlot> out;
  ByteView f(b.data(), b.size());
  for (uint32_t dir : {kDirImport, kDirDelay}) {
    if (dir >= L.ndirs) continue;
    uint32_t dir_rva = get32(b, L.dir_field(dir));
    if (dir_rva == 0) continue;
    auto at = L.rva_to_off(dir_rva);
    if (!at) return make_error(ErrorCode::format, std::string(dir == kDirImport ? "import" : "delay-load import") +
                                   " directory: RVA " + hex(dir_rva) + " is outside every section", L.dir_field(dir));
    const uint64_t size = dir == kDirImport ? 20 : 32, name_at = dir == kDirImport ? 12 : 4;
    for (uint64_t d = 0;; d += size) {
      if (d + size > at->second)
        return make_error(ErrorCode::format, "import directory at " + hex(at->first) +
                                                 " runs past the end of its section without a terminating descriptor",
                          at->first + d);
      uint64_t field = at->first + d + name_at;
      uint32_t name_rva = get32(b, field);
      if (name_rva == 0) break;
      bool va_based = dir == kDirDelay && (get32(b, at->first + d) & 1) == 0;
      uint64_t rva = va_based && name_rva >= L.image_base ? name_rva - L.image_base : name_rva;
      auto noff = L.rva_to_off(rva);
      if (!noff) return make_error(ErrorCode::format, "descriptor name: RVA " + hex(rva) + " is outside every section", field);
      auto name = f.find_sub(noff->first, noff->second).value_or(ByteView()).find_cstring(0);
      if (!name) return make_error(ErrorCode::format, "descriptor name at " + hex(noff->first) + " is not terminated", field);
      auto it = renames.find(lower(std::string(*name)));
      if (it == renames.end() || it->second == *name) continue;
      out.push_back({field, va_based, uint32_t(rva), std::string(*name), it->second});
    }
  }
  return out;
}

void write_name(std::vector<uint8_t>& b, const PeLayout& L, NameSlot& s, uint32_t rva) {
  auto off = L.rva_to_off(rva)->first;
  std::memcpy(b.data() + off, s.new_name.c_str(), s.new_name.size() + 1);
  put32(b, s.field_off, s.va_based ? uint32_t(L.image_base + rva) : rva);
  s.rva = rva;
}

// Pass 2a: a new name no longer than the old one is written over it (the rest of the old name is zeroed).
std::vector<NameSlot*> place_in_place(std::vector<uint8_t>& b, const PeLayout& L, std::vector<NameSlot>& slots,
                                      std::vector<std::string>& log) {
  std::vector<NameSlot*> rest;
  for (auto& s : slots) {
    if (s.new_name.size() > s.old_name.size()) {
      rest.push_back(&s);
      continue;
    }
    uint64_t off = L.rva_to_off(s.rva)->first;
    std::memset(b.data() + off, 0, s.old_name.size());
    write_name(b, L, s, s.rva);
    log.push_back(s.old_name + " -> " + s.new_name + " (in place)");
  }
  return rest;
}

// Pass 2b: names that do not fit go after a readable section's VirtualSize, in the zero padding its raw data
// already has, as long as the grown section stays below the next one. Returns what still has no place.
std::vector<NameSlot*> place_in_slack(std::vector<uint8_t>& b, PeLayout& L, std::vector<NameSlot*> todo,
                                      std::vector<std::string>& log) {
  std::vector<NameSlot*> rest;
  for (auto* s : todo) {
    bool placed = false;
    const uint64_t need = s->new_name.size() + 1;
    for (size_t i = 0; i < L.sections.size() && !placed; ++i) {
      auto& sec = L.sections[i];
      if (!(sec.characteristics & kScnRead) || (sec.characteristics & kScnDiscardable) || sec.vsize == 0) continue;
      uint64_t limit = std::min<uint64_t>(sec.raw_size, i + 1 < L.sections.size() ? L.sections[i + 1].va - sec.va
                                                                                  : UINT32_MAX);
      if (uint64_t(sec.vsize) + need > limit) continue;
      const uint8_t* pad = b.data() + sec.raw_ptr + sec.vsize;
      if (std::any_of(pad, pad + need, [](uint8_t c) { return c != 0; })) continue;
      uint32_t rva = sec.va + sec.vsize;
      sec.vsize += static_cast<uint32_t>(need);
      put32(b, sec.header_off + 8, sec.vsize);
      write_name(b, L, *s, rva);
      log.push_back(s->old_name + " -> " + s->new_name + " (slack of " + sec.name + ")");
      placed = true;
    }
    if (!placed) rest.push_back(s);
  }
  return rest;
}

// Pass 2c: the remaining names go into a new read-only section whose raw data is appended after everything
// (after the overlay too, so the overlay keeps its offset); its header takes 40 free bytes before the first
// section's data.
Status place_in_new_section(std::vector<uint8_t>& b, PeLayout& L, const std::vector<NameSlot*>& todo,
                            std::vector<std::string>& log) {
  if (todo.empty()) return {};
  uint64_t hdr = L.section_table_off + L.sections.size() * 40;
  uint64_t first_raw = L.size_of_headers;
  for (auto& s : L.sections)
    if (s.raw_size) first_raw = std::min<uint64_t>(first_raw, s.raw_ptr);
  if (hdr + 40 > first_raw || hdr + 40 > b.size() || std::any_of(b.begin() + long(hdr), b.begin() + long(hdr + 40), [](uint8_t c) { return c; }))
    return make_error(ErrorCode::unsupported, "no room for a new section header and no slack for the new DLL names "
                                              "(section table ends at " + hex(hdr) + ")", hdr);
  auto pow2 = [](uint64_t v, uint64_t max) { return v != 0 && (v & (v - 1)) == 0 && v <= max; };
  if (!pow2(L.file_alignment, 0x10000) || !pow2(L.section_alignment, 0x1000000))
    return make_error(ErrorCode::format, "optional header: FileAlignment " + hex(L.file_alignment) + " / SectionAlignment " +
                                             hex(L.section_alignment) + " are not powers of two of a sane size",
                      L.opt_off + 32);
  uint32_t content = 0;
  for (auto* s : todo) content += static_cast<uint32_t>(s->new_name.size() + 1);
  uint64_t va_end = L.size_of_headers;
  for (auto& s : L.sections) va_end = std::max<uint64_t>(va_end, uint64_t(s.va) + std::max(s.vsize, s.raw_size));
  if (align_up(va_end, L.section_alignment) + align_up(content, L.section_alignment) > UINT32_MAX ||
      align_up(b.size(), L.file_alignment) + align_up(content, L.file_alignment) > UINT32_MAX)
    return make_error(ErrorCode::unsupported, "no room for a new section below 4 GiB", L.section_table_off);
  LayoutSection ns{".ferry", hdr, content, uint32_t(align_up(va_end, L.section_alignment)),
                   uint32_t(align_up(content, L.file_alignment)), uint32_t(align_up(b.size(), L.file_alignment)),
                   kScnInitData | kScnRead};
  b.resize(uint64_t(ns.raw_ptr) + ns.raw_size, 0);
  std::memcpy(b.data() + hdr, ns.name.c_str(), ns.name.size());
  put32(b, hdr + 8, ns.vsize), put32(b, hdr + 12, ns.va), put32(b, hdr + 16, ns.raw_size);
  put32(b, hdr + 20, ns.raw_ptr), put32(b, hdr + 36, ns.characteristics);
  L.sections.push_back(ns);
  put16(b, L.coff_off + 2, uint16_t(L.sections.size()));
  L.size_of_image = uint32_t(align_up(uint64_t(ns.va) + ns.vsize, L.section_alignment));
  put32(b, L.size_of_image_off, L.size_of_image);
  uint32_t rva = ns.va;
  for (auto* s : todo) {
    write_name(b, L, *s, rva);
    rva += static_cast<uint32_t>(s->new_name.size() + 1);
    log.push_back(s->old_name + " -> " + s->new_name + " (new section .ferry)");
  }
  return {};
}

// Pass 0: an Authenticode signature covers the old bytes; it is dropped (directory entry zeroed, and the
// certificate table cut off when it is the file's last bytes, where signing tools put it).
void remove_signature(std::vector<uint8_t>& b, const PeLayout& L, ImportEditReport& rep) {
  if (kDirSecurity >= L.ndirs || get32(b, L.dir_field(kDirSecurity)) == 0) return;
  // The security directory holds a file offset, not an RVA.
  uint64_t cert = get32(b, L.dir_field(kDirSecurity)), size = get32(b, L.dir_field(kDirSecurity) + 4);
  put32(b, L.dir_field(kDirSecurity), 0), put32(b, L.dir_field(kDirSecurity) + 4, 0);
  if (cert + size == b.size() && cert >= L.raw_end()) b.resize(cert);
  rep.signature_removed = true;
}

// Pass 3: fix-ups once names moved. Bound imports describe the old DLLs (the loader would trust stale
// addresses); the CheckSum covers the old file.
void fix_up(std::vector<uint8_t>& b, const PeLayout& L, ImportEditReport& rep) {
  if (kDirBound < L.ndirs && get32(b, L.dir_field(kDirBound)) != 0) {
    put32(b, L.dir_field(kDirBound), 0), put32(b, L.dir_field(kDirBound) + 4, 0);
    rep.bound_imports_cleared = true;
    // Descriptors of a bound image carry -1 or the bound DLL's timestamp: zero means "not bound".
    if (auto at = L.rva_to_off(get32(b, L.dir_field(kDirImport))))
      for (uint64_t d = at->first; d + 20 <= at->first + at->second && get32(b, d + 12) != 0; d += 20) put32(b, d + 4, 0);
  }
  if (get32(b, L.checksum_off) != 0) {
    put32(b, L.checksum_off, pe_checksum(ByteView(b.data(), b.size()), L.checksum_off));
    rep.checksum_updated = true;
  }
}

// Pass 0: names are placed after a section's VirtualSize and new sections after the last one, which needs the
// section table in ascending, non-overlapping VA order (as the Windows loader requires anyway).
Status check_sections_ascending(const PeLayout& L) {
  for (size_t i = 1; i < L.sections.size(); ++i) {
    const auto &prev = L.sections[i - 1], &s = L.sections[i];
    if (s.va < uint64_t(prev.va) + prev.vsize)
      return make_error(ErrorCode::format, "section #" + std::to_string(i) + " (" + s.name + "): virtual address " +
                                               hex(s.va) + " overlaps the previous section",
                        s.header_off + 12);
  }
  return {};
}

// Pass 4: the result is read back with the full reader; every renamed descriptor must name its new DLL.
Status verify(const std::vector<uint8_t>& b, const std::vector<NameSlot>& slots, const PeInfo& before) {
  FERRY_TRY(after, read_pe(ByteView(b.data(), b.size()), "(edited image)", ReadPeOptions{.lief_cross_check = false}));
  auto names = [](const PeInfo& i) {
    std::vector<std::string> n;
    for (auto* v : {&i.imports, &i.delay_imports})
      for (auto& d : *v) n.push_back(d.name);
    return n;
  };
  auto want = names(before), got = names(after);
  for (auto& w : want)
    for (auto& s : slots)
      if (w == s.old_name) w = s.new_name;
  if (want != got) return make_error(ErrorCode::verify, "verification failed: the edited import names differ from the plan");
  return {};
}

}  // namespace

Result<std::vector<uint8_t>> rename_imports(ByteView image, const std::map<std::string, std::string>& renames,
                                            ImportEditReport& report) {
  auto layout = read_layout(image);
  if (!layout) return layout.error().with_path("(image)");
  PeLayout& L = *layout;
  FERRY_TRY(before, read_pe(image, L, "(image)", ReadPeOptions{.lief_cross_check = false}));
  std::vector<uint8_t> b(image.data(), image.data() + image.size());
  FERRY_TRY(slots, find_name_slots(b, L, renames));
  if (slots.empty()) return b;
  FERRY_CHECK(check_sections_ascending(L));
  remove_signature(b, L, report);
  auto rest = place_in_slack(b, L, place_in_place(b, L, slots, report.renamed), report.renamed);
  FERRY_CHECK(place_in_new_section(b, L, rest, report.renamed));
  fix_up(b, L, report);
  FERRY_CHECK(verify(b, slots, before));
  return b;
}

}  // namespace ferry::pe
