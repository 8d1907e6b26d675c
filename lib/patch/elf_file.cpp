// Decoding for the writer: ELF header, program headers, section headers (optional), PT_DYNAMIC and what its
// DT_* tags point at. Every offset read from the file is range-checked through ByteView before use; error
// messages name the structure, its index and the hex offset (System V gABI; LSB symbol versioning).
#include "patch/elf_file.hpp"

#include <elf.h>

#include <algorithm>

#include "elf/elf_ident.hpp"
#include "patch/layout_view.hpp"

namespace ferry::patch {

uint64_t ElfFile::file_size() const { return layout ? layout->size() : bytes.size(); }
bool ElfFile::in_file(uint64_t off, uint64_t len) const { return layout ? layout->in_bounds(off, len) : bytes.in_bounds(off, len); }
uint8_t ElfFile::byte_at(uint64_t off) const {
  if (layout) return layout->at(off);
  return off < bytes.size() ? bytes.data()[off] : 0;
}
uint64_t ElfFile::first_nonzero(uint64_t off, uint64_t len) const {
  if (layout) return layout->first_nonzero(off, len);
  return off + first_nonzero_byte(bytes.data(), bytes.size(), off, len);
}
std::optional<ByteView> ElfFile::span(uint64_t off, uint64_t len) const {
  return layout ? layout->find_sub(off, len) : bytes.find_sub(off, len);
}
uint64_t ElfFile::get(uint64_t off, int size) const {
  auto s = span(off, static_cast<uint64_t>(size));
  return s ? c.get(s->data(), size) : 0;
}

Error ElfFile::error(std::string message, std::optional<uint64_t> offset, ErrorCode code) const {
  Error e = make_error(code, std::move(message), offset);
  e.path = path;
  return e;
}

std::optional<uint64_t> ElfFile::find_dyn(int64_t tag) const {
  for (const auto& d : dyn)
    if (d.tag == tag) return d.val;
  return std::nullopt;
}

std::optional<uint64_t> ElfFile::find_offset(uint64_t vaddr, uint64_t len) const {
  for (const auto& p : phdrs) {
    if (p.type != PT_LOAD) continue;
    if (vaddr < p.vaddr) continue;
    uint64_t rel = vaddr - p.vaddr;
    if (rel > p.filesz || len > p.filesz - rel) continue;
    auto off = checked_add(p.offset, rel);
    if (!off || !in_file(*off, len)) continue;
    return off;
  }
  return std::nullopt;
}

std::optional<std::string> ElfFile::find_dynstr(uint64_t off) const {
  if (!has_dynstr || off >= dynstr_size) return std::nullopt;
  auto table = span(dynstr_offset, dynstr_size);
  if (!table) return std::nullopt;
  auto s = table->find_cstring(off);
  if (!s) return std::nullopt;
  return std::string(*s);
}

std::optional<std::string> ElfFile::interpreter() const {
  if (!interp_phdr) return std::nullopt;
  const Phdr& p = phdrs[*interp_phdr];
  auto s = span(p.offset, p.filesz);
  if (!s || s->empty()) return std::nullopt;
  const char* b = reinterpret_cast<const char*>(s->data());
  return std::string(b, strnlen(b, s->size()));
}

bool ElfFile::runs_as_program() const {
  if (e_type == ET_EXEC) return true;
  if (!interp_phdr) return false;
  const Phdr& p = phdrs[*interp_phdr];
  auto s = span(p.offset, p.filesz);
  if (!s || s->empty()) return false;
  const uint8_t* b = s->data();
  size_t n = 0;
  while (n < s->size() && b[n] != 0) {
    if (b[n] < 0x20 || b[n] > 0x7e) return false;
    ++n;
  }
  return n > 0 && n < s->size();
}

std::optional<size_t> ElfFile::find_section_by_addr(uint64_t addr, uint32_t type) const {
  for (size_t i = 1; i < shdrs.size(); ++i) {
    const Shdr& s = shdrs[i];
    if (!(s.flags & SHF_ALLOC) || s.addr != addr) continue;
    if (type && s.type != type) continue;
    if (s.type == SHT_NOBITS) continue;
    return i;
  }
  return std::nullopt;
}

uint64_t ElfFile::max_vaddr_end() const {
  uint64_t end = 0;
  for (const auto& p : phdrs)
    if (p.type == PT_LOAD) end = std::max(end, p.vaddr + p.memsz);
  return end;
}

namespace {

// The shared identification check (elf::decode_ident) in the writer's words, which the patch tests pin.
Error ident_error(const ElfFile& f, const elf::IdentProblem& p, const uint8_t* id, uint64_t size) {
  switch (p.fault) {
    case elf::IdentFault::empty:
    case elf::IdentFault::short_ident:
    case elf::IdentFault::bad_magic: return f.error("not an ELF file (bad magic)", 0, ErrorCode::unsupported);
    case elf::IdentFault::bad_class:
      return f.error("ELF header: unknown class " + std::to_string(id[EI_CLASS]), EI_CLASS);
    case elf::IdentFault::bad_data:
      return f.error("ELF header: unknown data encoding " + std::to_string(id[EI_DATA]), EI_DATA);
    case elf::IdentFault::short_header: break;
  }
  return f.error("ELF header: file is " + hex(size) + " bytes, shorter than the header", 0);
}

Status read_header(ElfFile& f) {
  const ByteView& b = f.bytes;
  elf::Ident id;
  if (auto bad = elf::decode_ident(b.data(), b.size(), id)) return ident_error(f, *bad, b.data(), b.size());
  f.c = Codec::of(id);
  const Codec& c = f.c;
  const elf::FileHeader h = c.file_header(b.data());
  f.os_abi = id.osabi;
  f.e_type = h.type;
  f.e_machine = h.machine;
  f.e_phoff = h.phoff;
  f.e_shoff = h.shoff;
  f.e_phentsize = h.phentsize;
  f.e_phnum = h.phnum;
  f.e_shentsize = h.shentsize;
  f.e_shstrndx = h.shstrndx;
  f.shnum = h.shnum;
  if (f.e_type != ET_EXEC && f.e_type != ET_DYN)
    return f.error("ELF header: e_type " + std::to_string(f.e_type) +
                       " is not an executable or shared object; only those can be patched",
                   c.e_type().at, ErrorCode::unsupported);
  if (f.e_phnum == 0) return f.error("ELF header: no program headers", c.e_phnum().at, ErrorCode::unsupported);
  if (f.e_phentsize != c.phent())
    return f.error("ELF header: e_phentsize " + std::to_string(f.e_phentsize) + " is not " +
                       std::to_string(c.phent()),
                   c.e_phentsize().at);
  return {};
}

// The program header table in `table` (e_phnum entries), checked, and which ones are PT_INTERP and PT_DYNAMIC.
Status decode_phdrs(ElfFile& f, ByteView table) {
  const Codec& c = f.c;
  f.phdrs.clear();
  f.interp_phdr.reset();
  f.dynamic_phdr.reset();
  for (uint16_t i = 0; i < f.e_phnum; ++i) {
    Phdr h = c.phdr(table.data() + uint64_t(i) * c.phent());
    uint64_t at = f.e_phoff + uint64_t(i) * c.phent();
    // A segment with no file bytes may name any offset (a debug file's segments point past its end).
    if (h.type != PT_NULL && h.type != PT_GNU_STACK && h.filesz && !f.in_file(h.offset, h.filesz))
      return f.error("program header #" + std::to_string(i) + ": file range " + hex(h.offset) + "+" +
                         hex(h.filesz) + " runs past the end of the file (" + hex(f.file_size()) + ")",
                     at);
    if (h.type == PT_LOAD && h.filesz > h.memsz)
      return f.error("program header #" + std::to_string(i) + ": PT_LOAD p_filesz " + hex(h.filesz) +
                         " exceeds p_memsz " + hex(h.memsz),
                     at);
    if (h.type == PT_INTERP) f.interp_phdr = i;
    if (h.type == PT_DYNAMIC && !f.dynamic_phdr) f.dynamic_phdr = i;
    f.phdrs.push_back(h);
  }
  return {};
}

Status read_phdrs(ElfFile& f) {
  const Codec& c = f.c;
  auto table = f.bytes.sub(f.e_phoff, uint64_t(f.e_phnum) * c.phent(), "program header table");
  if (!table) return table.error().with_path(f.path);
  return decode_phdrs(f, *table);
}

Status read_shdrs(ElfFile& f) {
  if (f.e_shoff == 0) {
    f.shnum = 0;
    return {};
  }
  const Codec& c = f.c;
  if (f.e_shentsize != c.shent())
    return f.error("ELF header: e_shentsize " + std::to_string(f.e_shentsize) + " is not " +
                   std::to_string(c.shent()));
  auto first = f.bytes.sub(f.e_shoff, c.shent(), "section header #0");
  if (!first) return first.error().with_path(f.path);
  // Extended numbering: e_shnum 0 means section 0's sh_size holds the count (gABI).
  if (f.shnum == 0) f.shnum = c.read(first->data(), c.sh_size());
  if (f.shnum > 65535 * 16)
    return f.error("section header count " + std::to_string(f.shnum) + " is implausible", f.e_shoff);
  auto table = f.bytes.sub(f.e_shoff, f.shnum * c.shent(), "section header table");
  if (!table) return table.error().with_path(f.path);
  for (uint64_t i = 0; i < f.shnum; ++i) {
    Shdr s;
    static_cast<elf::SectionHeader&>(s) = c.shdr(table->data() + i * c.shent());
    if (i > 0 && s.type != SHT_NOBITS && s.type != SHT_NULL && !f.bytes.in_bounds(s.offset, s.size))
      return f.error("section header #" + std::to_string(i) + ": range " + hex(s.offset) + "+" + hex(s.size) +
                         " runs past the end of the file (" + hex(f.bytes.size()) + ")",
                     f.e_shoff + i * c.shent());
    f.shdrs.push_back(s);
  }
  // Extended numbering (section 0 holds the real index) with a count of 0 leaves no section 0 to ask.
  uint64_t strndx = f.e_shstrndx != SHN_XINDEX ? f.e_shstrndx : f.shdrs.empty() ? 0 : f.shdrs[0].link;
  if (strndx > 0 && strndx < f.shdrs.size()) {
    auto tab = f.bytes.find_sub(f.shdrs[strndx].offset, f.shdrs[strndx].size);
    if (tab)
      for (auto& s : f.shdrs)
        if (auto n = tab->find_cstring(s.name)) s.name_str = std::string(*n);
  }
  return {};
}

// Where the dynamic entries are: PT_DYNAMIC when it maps bytes, else the .dynamic section (see ElfFile).
void locate_dynamic(ElfFile& f) {
  if (f.dynamic_phdr && f.phdrs[*f.dynamic_phdr].filesz > 0) {
    const Phdr& d = f.phdrs[*f.dynamic_phdr];
    f.has_dynamic = true;
    f.dynamic_offset = d.offset;
    f.dynamic_vaddr = d.vaddr;
    f.dynamic_capacity = d.filesz / f.c.dynent();
    return;
  }
  for (const auto& s : f.shdrs)
    if (s.type == SHT_DYNAMIC && s.size >= f.c.dynent() && f.in_file(s.offset, s.size)) {
      f.has_dynamic = true;
      f.dynamic_from_section = true;
      f.dynamic_offset = s.offset;
      f.dynamic_vaddr = s.addr;
      f.dynamic_capacity = s.size / f.c.dynent();
      return;
    }
}

// The entries up to the first DT_NULL, from where locate_dynamic found them.
Status decode_dynamic(ElfFile& f) {
  const Codec& c = f.c;
  const uint64_t at = f.dynamic_offset;
  const char* where = f.dynamic_from_section ? ".dynamic" : "PT_DYNAMIC";
  auto table = f.span(at, f.dynamic_capacity * c.dynent());
  if (!table) return f.error(std::string(where) + " is not in the file", at);
  f.dyn.clear();
  for (uint64_t i = 0; i < f.dynamic_capacity; ++i) {
    Dyn e = c.dyn(table->data() + i * c.dynent());
    if (e.tag == DT_NULL) return {};
    f.dyn.push_back(e);
  }
  return f.error(std::string(where) + ": no DT_NULL among its " + std::to_string(f.dynamic_capacity) + " entries",
                 at);
}

// .dynstr through DT_STRTAB / DT_STRSZ.
Status locate_dynstr(ElfFile& f) {
  const uint64_t at = f.dynamic_offset;
  const char* where = f.dynamic_from_section ? ".dynamic" : "PT_DYNAMIC";
  auto strtab = f.find_dyn(DT_STRTAB);
  auto strsz = f.find_dyn(DT_STRSZ);
  if (strtab || strsz) {
    if (!strtab || !strsz) return f.error(std::string(where) + ": DT_STRTAB and DT_STRSZ must both be present", at);
    auto off = f.find_offset(*strtab, *strsz);
    if (!off)
      return f.error("DT_STRTAB " + hex(*strtab) + " (size " + hex(*strsz) + ") is not mapped from the file", at);
    f.dynstr_offset = *off;
    f.dynstr_addr = *strtab;
    f.dynstr_size = *strsz;
    f.has_dynstr = true;
    if (*strsz == 0 || f.byte_at(*off + *strsz - 1) != 0)
      return f.error(".dynstr (DT_STRTAB " + hex(*strtab) + ") does not end with a NUL", *off);
  }
  return {};
}

Status read_dynamic(ElfFile& f) {
  locate_dynamic(f);
  if (!f.has_dynamic) return {};
  FERRY_CHECK(decode_dynamic(f));
  FERRY_CHECK(locate_dynstr(f));
  const uint64_t at = f.dynamic_offset;
  for (const auto& e : f.dyn) {
    bool is_str = e.tag == DT_NEEDED || e.tag == DT_SONAME || e.tag == DT_RPATH || e.tag == DT_RUNPATH;
    if (is_str && !f.find_dynstr(e.val))
      return f.error("dynamic entry tag " + std::to_string(e.tag) + ": string offset " + hex(e.val) +
                         " is outside .dynstr (" + hex(f.dynstr_size) + ")",
                     at);
  }
  return {};
}

// Number of dynamic symbols: from DT_HASH's nchain, or by walking DT_GNU_HASH's chains (the gABI gives no count).
std::optional<uint64_t> count_dynsyms(const ElfFile& f) {
  for (const auto& s : f.shdrs)
    if (s.type == SHT_DYNSYM && s.entsize == f.c.syment()) return s.size / f.c.syment();
  const Codec& c = f.c;
  if (auto h = f.find_dyn(DT_HASH)) {
    auto off = f.find_offset(*h, 8);
    if (!off) return std::nullopt;
    return c.get(f.bytes.data() + *off + 4, 4);
  }
  if (auto h = f.find_dyn(DT_GNU_HASH)) {
    auto off = f.find_offset(*h, 16);
    if (!off) return std::nullopt;
    const uint8_t* p = f.bytes.data() + *off;
    uint64_t nbuckets = c.get(p, 4), symoffset = c.get(p + 4, 4), bloom = c.get(p + 8, 4);
    uint64_t buckets_at = 16 + bloom * c.word_size();
    if (nbuckets > (1u << 26) || bloom > (1u << 26)) return std::nullopt;
    auto tab = f.find_offset(*h, buckets_at + nbuckets * 4);
    if (!tab) return std::nullopt;
    uint64_t maxb = 0;
    for (uint64_t i = 0; i < nbuckets; ++i) maxb = std::max<uint64_t>(maxb, c.get(f.bytes.data() + *tab + buckets_at + 4 * i, 4));
    if (maxb < symoffset) return symoffset;
    uint64_t chain_vaddr = *h + buckets_at + nbuckets * 4;
    for (uint64_t i = maxb;; ++i) {
      auto e = f.find_offset(chain_vaddr + (i - symoffset) * 4, 4);
      if (!e) return std::nullopt;
      if (c.get(f.bytes.data() + *e, 4) & 1) return i + 1;
      if (i - maxb > (1u << 24)) return std::nullopt;
    }
  }
  return std::nullopt;
}

DynSym decode_dynsym(const Codec& c, const uint8_t* p) {
  DynSym s;
  s.name = static_cast<uint32_t>(c.read(p, c.st_name()));
  s.value = c.read(p, c.st_value());
  s.shndx = static_cast<uint16_t>(c.read(p, c.st_shndx()));
  return s;
}

// Where .gnu.version (DT_VERSYM) lies: one entry per dynamic symbol.
Status locate_versym(ElfFile& f) {
  f.versym_offset.reset();
  if (auto vs = f.find_dyn(DT_VERSYM)) {
    auto voff = f.find_offset(*vs, *f.dynsym_count * 2);
    if (!voff) return f.error("DT_VERSYM " + hex(*vs) + " is not mapped from the file");
    f.versym_offset = voff;
  }
  return {};
}

// .dynsym (DT_SYMTAB, counted by count_dynsyms) and where .gnu.version (DT_VERSYM) lies.
Status read_dynsyms(ElfFile& f) {
  const Codec& c = f.c;
  auto symtab = f.find_dyn(DT_SYMTAB);
  if (!symtab) return {};
  f.dynsym_count = count_dynsyms(f);
  if (!f.dynsym_count) return {};
  auto off = f.find_offset(*symtab, *f.dynsym_count * c.syment());
  if (!off)
    return f.error("DT_SYMTAB " + hex(*symtab) + " with " + std::to_string(*f.dynsym_count) +
                   " symbols is not mapped from the file");
  f.dynsym_offset = off;
  FERRY_CHECK(locate_versym(f));
  f.dynsyms.reserve(*f.dynsym_count);  // the count's bytes are in the file (checked above): bounded
  for (uint64_t i = 0; i < *f.dynsym_count; ++i) f.dynsyms.push_back(decode_dynsym(c, f.bytes.data() + *off + i * c.syment()));
  return {};
}

// .gnu.version_r (DT_VERNEED): the writer rewrites it, so it is read strictly (a chain that ends before
// DT_VERNEEDNUM entries, or a vn_version other than 1, is an error).
Status read_verneeds(ElfFile& f) {
  const Codec& c = f.c;
  if (auto vn = f.find_dyn(DT_VERNEED)) {
    uint64_t num = f.find_dyn(DT_VERNEEDNUM).value_or(0);
    auto base = f.find_offset(*vn, 16);
    if (!base) return f.error("DT_VERNEED " + hex(*vn) + " is not mapped from the file");
    f.verneed_offset = base;
    uint64_t at = *base, end = at;
    for (uint64_t i = 0; i < num; ++i) {
      auto need = f.bytes.sub(at, 16, "Verneed #" + std::to_string(i));
      if (!need) return need.error().with_path(f.path);
      Verneed v;
      v.version = static_cast<uint16_t>(c.get(need->data(), 2));
      uint64_t cnt = c.get(need->data() + 2, 2);
      v.file = static_cast<uint32_t>(c.get(need->data() + 4, 4));
      uint64_t aux = c.get(need->data() + 8, 4), next = c.get(need->data() + 12, 4);
      if (v.version != 1)
        return f.error("Verneed #" + std::to_string(i) + ": vn_version " + std::to_string(v.version) + " is not 1",
                       at);
      if (!f.find_dynstr(v.file))
        return f.error("Verneed #" + std::to_string(i) + ": vn_file " + hex(v.file) + " is outside .dynstr", at);
      end = std::max(end, at + 16);
      uint64_t a = at + aux;
      for (uint64_t j = 0; j < cnt; ++j) {
        auto ax = f.bytes.sub(a, 16, "Vernaux #" + std::to_string(j) + " of Verneed #" + std::to_string(i));
        if (!ax) return ax.error().with_path(f.path);
        Vernaux x;
        x.hash = static_cast<uint32_t>(c.get(ax->data(), 4));
        x.flags = static_cast<uint16_t>(c.get(ax->data() + 4, 2));
        x.other = static_cast<uint16_t>(c.get(ax->data() + 6, 2));
        x.name = static_cast<uint32_t>(c.get(ax->data() + 8, 4));
        if (!f.find_dynstr(x.name))
          return f.error("Vernaux #" + std::to_string(j) + " of Verneed #" + std::to_string(i) + ": vna_name " +
                             hex(x.name) + " is outside .dynstr",
                         a);
        v.aux.push_back(x);
        end = std::max(end, a + 16);
        uint64_t nx = c.get(ax->data() + 12, 4);
        if (j + 1 < cnt && nx == 0)
          return f.error("Vernaux #" + std::to_string(j) + " of Verneed #" + std::to_string(i) +
                         ": vna_next is 0 before vn_cnt entries", a);
        a += nx;
      }
      f.verneeds.push_back(std::move(v));
      if (next == 0) {
        if (i + 1 < num)
          return f.error("Verneed #" + std::to_string(i) + ": vn_next is 0 before DT_VERNEEDNUM entries", at);
        break;
      }
      at += next;
    }
    f.verneed_bytes = end - *base;
  }
  return {};
}

// The vda_name offsets of .gnu.version_d (DT_VERDEF), which .dynstr rewrites must keep.
Status read_verdefs(ElfFile& f) {
  const Codec& c = f.c;
  if (auto vd = f.find_dyn(DT_VERDEF)) {
    uint64_t num = f.find_dyn(DT_VERDEFNUM).value_or(0);
    auto base = f.find_offset(*vd, 20);
    if (!base) {
      f.verdef_complete = false;
      return {};
    }
    uint64_t at = *base;
    for (uint64_t i = 0; i < num && i < 65536; ++i) {
      auto def = f.bytes.find_sub(at, 20);
      if (!def) return f.error("Verdef #" + std::to_string(i) + " runs past the end of the file", at);
      uint64_t cnt = c.get(def->data() + 6, 2), aux = c.get(def->data() + 12, 4), next = c.get(def->data() + 16, 4);
      uint64_t a = at + aux;
      for (uint64_t j = 0; j < cnt; ++j) {
        auto ax = f.bytes.find_sub(a, 8);
        if (!ax) return f.error("Verdaux #" + std::to_string(j) + " of Verdef #" + std::to_string(i) +
                                " runs past the end of the file", a);
        f.verdef_names.push_back(static_cast<uint32_t>(c.get(ax->data(), 4)));
        uint64_t nx = c.get(ax->data() + 4, 4);
        if (nx == 0) break;
        a += nx;
      }
      if (next == 0) break;
      at += next;
    }
  }
  return {};
}

}  // namespace

namespace {

// The program header table (every room move rewrites it whole, and e_phnum) and the section headers the move
// wrote (the section header table itself never moves).
Status follow_headers(ElfFile& f, const WrittenTest& written) {
  const Codec& c = f.c;
  const elf::Field phnum = c.e_phnum();
  f.e_phnum = static_cast<uint16_t>(f.get(phnum.at, phnum.size));
  auto table = f.span(f.e_phoff, uint64_t(f.e_phnum) * c.phent());
  if (!table) return f.error("program header table: " + std::to_string(f.e_phnum) + " entries at " + hex(f.e_phoff) +
                             " run past the end of the file", f.e_phoff);
  FERRY_CHECK(decode_phdrs(f, *table));
  for (uint64_t i = 1; i < f.shdrs.size(); ++i) {
    const uint64_t at = f.e_shoff + i * c.shent();
    if (!written(at, c.shent())) continue;
    auto rec = f.span(at, c.shent());
    if (!rec) return f.error("section header #" + std::to_string(i) + " is outside the file", at);
    Shdr s;
    static_cast<elf::SectionHeader&>(s) = c.shdr(rec->data());
    s.name_str = f.shdrs[i].name_str;  // sh_name is not a field a move writes
    if (s.type != SHT_NOBITS && s.type != SHT_NULL && !f.in_file(s.offset, s.size))
      return f.error("section header #" + std::to_string(i) + ": range " + hex(s.offset) + "+" + hex(s.size) +
                         " runs past the end of the file (" + hex(f.file_size()) + ")",
                     at);
    f.shdrs[i] = std::move(s);
  }
  return {};
}

// The dynamic entries where PT_DYNAMIC (or .dynamic) says now, decoded again when they moved or were written
// (DT_* pointers follow a moved block), and .dynstr where DT_STRTAB says now.
Status follow_dynamic(ElfFile& f, const WrittenTest& written) {
  const uint64_t old_offset = f.dynamic_offset;
  const bool had = f.has_dynamic;
  f.has_dynamic = f.dynamic_from_section = false;
  locate_dynamic(f);
  if (!f.has_dynamic) f.dyn.clear();
  if (f.has_dynamic &&
      (!had || f.dynamic_offset != old_offset || written(f.dynamic_offset, f.dynamic_capacity * f.c.dynent())))
    FERRY_CHECK(decode_dynamic(f));
  if (f.has_dynstr) FERRY_CHECK(locate_dynstr(f));
  return {};
}

// .dynsym where DT_SYMTAB says now, its records decoded again where they moved or were written (st_value
// follows a moved section); .gnu.version and .gnu.version_r located again (their contents do not change: the
// offsets inside them are relative).
Status follow_symbols(ElfFile& f, const WrittenTest& written) {
  const Codec& c = f.c;
  if (auto symtab = f.find_dyn(DT_SYMTAB); symtab && f.dynsym_count) {
    auto off = f.find_offset(*symtab, *f.dynsym_count * c.syment());
    if (!off)
      return f.error("DT_SYMTAB " + hex(*symtab) + " with " + std::to_string(*f.dynsym_count) +
                     " symbols is not mapped from the file");
    const bool moved = off != f.dynsym_offset;
    f.dynsym_offset = off;
    for (uint64_t i = 0; i < f.dynsyms.size(); ++i) {
      const uint64_t at = *off + i * c.syment();
      if (!moved && !written(at, c.syment())) continue;
      auto rec = f.span(at, c.syment());
      if (!rec) return f.error("dynamic symbol #" + std::to_string(i) + " is outside the file", at);
      f.dynsyms[i] = decode_dynsym(c, rec->data());
    }
    FERRY_CHECK(locate_versym(f));
  }
  if (auto vn = f.find_dyn(DT_VERNEED)) {
    auto base = f.find_offset(*vn, 16);
    if (!base) return f.error("DT_VERNEED " + hex(*vn) + " is not mapped from the file");
    f.verneed_offset = base;
  }
  if (auto vd = f.find_dyn(DT_VERDEF); vd && !f.find_offset(*vd, 20)) {
    f.verdef_complete = false;
    f.verdef_names.clear();
  }
  return {};
}

}  // namespace

Status follow_written_bytes(ElfFile& f, const WrittenTest& written) {
  FERRY_CHECK(follow_headers(f, written));
  FERRY_CHECK(follow_dynamic(f, written));
  return follow_symbols(f, written);
}

Result<ElfFile> read_elf_file_for_patch(ByteView bytes, const std::string& path) {
  ElfFile f;
  f.path = path;
  f.bytes = bytes;
  FERRY_CHECK(read_header(f));
  FERRY_CHECK(read_phdrs(f));
  FERRY_CHECK(read_shdrs(f));
  FERRY_CHECK(read_dynamic(f));
  FERRY_CHECK(read_dynsyms(f));
  FERRY_CHECK(read_verneeds(f));
  FERRY_CHECK(read_verdefs(f));
  return f;
}

}  // namespace ferry::patch
