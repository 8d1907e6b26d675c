// Test-only builder of tiny dynamic ELF images, described by names (needed, soname, runpath), in any of the
// four class/byte-order combinations: one PT_LOAD mapping the whole file, PT_DYNAMIC, optional PT_INTERP and
// PT_GNU_STACK, no section headers. Records where each structure landed so a test can corrupt one field.
#pragma once

#include <elf.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ferry::test {

struct TinyElf {
  bool is64 = true;
  bool big = false;
  uint16_t machine = EM_X86_64;
  std::vector<std::string> needed;
  std::optional<std::string> soname, runpath, interp;
  uint64_t trailing = 0;  // bytes after the PT_LOAD's end (then it cannot simply be extended)
  int spare_dynamic = 0;  // extra DT_NULL slots
  bool spare_null = false;  // a PT_NULL program header at the end of the table
  // Filled by build():
  uint64_t phoff = 0, dynamic_offset = 0, dynstr_offset = 0, dynstr_size = 0;

  TinyElf& need(std::string n) { needed.push_back(std::move(n)); return *this; }
  TinyElf& name(std::string n) { soname = std::move(n); return *this; }
  TinyElf& path(std::string p) { runpath = std::move(p); return *this; }

  void put(std::vector<uint8_t>& b, uint64_t off, int n, uint64_t v) const {
    if (b.size() < off + n) b.resize(off + n, 0);
    for (int i = 0; i < n; ++i) b[off + (big ? n - 1 - i : i)] = static_cast<uint8_t>(v >> (8 * i));
  }

  std::vector<uint8_t> build() {
    std::vector<uint8_t> b;
    const int w = is64 ? 8 : 4;
    const uint64_t ehsize = is64 ? 64 : 52, phent = is64 ? 56 : 32, dynent = 2 * w;
    const uint64_t phnum = 2 + (interp ? 1 : 0) + 1 + (spare_null ? 1 : 0);
    phoff = ehsize;
    uint64_t at = phoff + phnum * phent;
    uint64_t interp_off = at;
    if (interp) at += interp->size() + 1;
    // .dynstr
    std::string strtab(1, '\0');
    auto add = [&](const std::string& s) { uint64_t o = strtab.size(); strtab += s; strtab.push_back('\0'); return o; };
    std::vector<std::pair<int64_t, uint64_t>> dyn;
    for (const auto& n : needed) dyn.push_back({DT_NEEDED, add(n)});
    if (soname) dyn.push_back({DT_SONAME, add(*soname)});
    if (runpath) dyn.push_back({DT_RUNPATH, add(*runpath)});
    dynstr_offset = at;
    dynstr_size = strtab.size();
    at += strtab.size();
    at = (at + 7) / 8 * 8;
    dynamic_offset = at;
    dyn.push_back({DT_STRTAB, dynstr_offset});
    dyn.push_back({DT_STRSZ, dynstr_size});
    uint64_t dyn_count = dyn.size() + 1 + spare_dynamic;
    uint64_t end = at + dyn_count * dynent;
    b.assign(end + trailing, 0);
    b[0] = 0x7f; b[1] = 'E'; b[2] = 'L'; b[3] = 'F';
    b[EI_CLASS] = is64 ? ELFCLASS64 : ELFCLASS32;
    b[EI_DATA] = big ? ELFDATA2MSB : ELFDATA2LSB;
    b[EI_VERSION] = EV_CURRENT;
    put(b, 16, 2, ET_DYN);
    put(b, 18, 2, machine);
    put(b, 20, 4, EV_CURRENT);
    uint64_t o = 24 + w;  // e_phoff
    put(b, o, w, phoff);
    put(b, o + w, w, 0);                    // e_shoff
    put(b, o + 2 * w + 4, 2, ehsize);       // e_ehsize
    put(b, o + 2 * w + 6, 2, phent);
    put(b, o + 2 * w + 8, 2, phnum);
    put(b, o + 2 * w + 10, 2, is64 ? 64 : 40);
    uint64_t p = phoff;
    auto phdr = [&](uint32_t type, uint32_t flags, uint64_t off, uint64_t size, uint64_t align) {
      put(b, p, 4, type);
      if (is64) {
        put(b, p + 4, 4, flags); put(b, p + 8, 8, off); put(b, p + 16, 8, off); put(b, p + 24, 8, off);
        put(b, p + 32, 8, size); put(b, p + 40, 8, size); put(b, p + 48, 8, align);
      } else {
        put(b, p + 4, 4, off); put(b, p + 8, 4, off); put(b, p + 12, 4, off); put(b, p + 16, 4, size);
        put(b, p + 20, 4, size); put(b, p + 24, 4, flags); put(b, p + 28, 4, align);
      }
      p += phent;
    };
    if (interp) phdr(PT_INTERP, PF_R, interp_off, interp->size() + 1, 1);
    phdr(PT_LOAD, PF_R | PF_W, 0, end, 0x1000);
    phdr(PT_DYNAMIC, PF_R | PF_W, dynamic_offset, dyn_count * dynent, w);
    phdr(PT_GNU_STACK, PF_R | PF_W, 0, 0, 16);
    if (spare_null) phdr(PT_NULL, 0, 0, 0, 0);
    if (interp) std::copy(interp->begin(), interp->end(), b.begin() + static_cast<ptrdiff_t>(interp_off));
    std::copy(strtab.begin(), strtab.end(), b.begin() + static_cast<ptrdiff_t>(dynstr_offset));
    for (size_t i = 0; i < dyn.size(); ++i) {
      put(b, dynamic_offset + i * dynent, w, static_cast<uint64_t>(dyn[i].first));
      put(b, dynamic_offset + i * dynent + w, w, dyn[i].second);
    }
    return b;
  }
};

}  // namespace ferry::test
