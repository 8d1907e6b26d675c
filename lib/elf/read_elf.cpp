// Decodes an ELF image into ElfInfo the way the loader sees it: headers through elf::Codec (which fixes the class
// and byte order once), then PT_DYNAMIC and the tables its DT_* entries point to, mapped through the PT_LOADs.
// Section headers are used only as a fallback (objects without PT_DYNAMIC) and for the exact .dynsym size.
// Version structures follow the GNU symbol versioning spec (Verneed/Vernaux/Verdef/Verdaux, .gnu.version).
#include <elf.h>

#include <algorithm>
#include <unordered_map>

#include "elf/decode_internal.hpp"
#include "elf/elf_codec.hpp"
#include "elf/elf_ident.hpp"
#include "elf/elf_info.hpp"
#include "support/file.hpp"

namespace ferry::elf {

const char* to_string(Kind k) {
  switch (k) {
    case Kind::relocatable: return "relocatable";
    case Kind::executable: return "executable";
    case Kind::pie: return "pie-executable";
    case Kind::shared_object: return "shared-object";
    case Kind::core: return "core";
    case Kind::other: return "other";
  }
  return "other";
}

bool ElfInfo::has_nodeflib() const { return (dt_flags_1 & DF_1_NODEFLIB) != 0; }

const VersionNeed* ElfInfo::find_version_need(const std::string& file) const {
  for (const auto& v : version_needs)
    if (v.file == file) return &v;
  return nullptr;
}

std::vector<std::string> split_search_path(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t colon = s.find(':', start);
    out.push_back(s.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return out;
}

namespace {

class Reader {
public:
  Reader(ByteView image, const std::string& path, const ReadOptions& opts) : img_(image), opts_(opts) {
    info_.path = path;
    info_.file_size = image.size();
  }

  Result<ElfInfo> run() {
    FERRY_CHECK(read_ident());
    FERRY_CHECK(read_header());
    FERRY_CHECK(read_program_headers());
    read_section_headers();
    FERRY_CHECK(read_interpreter());
    FERRY_CHECK(read_dynamic());
    classify();
    read_notes();
    if (!info_.has_dynamic && opts_.symbols) count_irelative(nullptr);
    return std::move(info_);
  }

private:
  ByteView img_;
  ReadOptions opts_;
  ElfInfo info_;
  Ident id_;
  Codec c_;
  Endian endian_ = Endian::little;
  FileHeader header_;
  uint64_t shnum_ = 0;  // section headers in the table, by section_count's rule
  std::vector<SectionHeader> sections_;  // sections 1 .. shnum_ - 1 (section 0 is the null section)

  Error error(std::string msg, std::optional<uint64_t> off = std::nullopt) {
    return format_error(info_.path, std::move(msg), off);
  }

  Status read_ident() {
    if (auto bad = decode_ident(img_.data(), img_.size(), id_)) return error(bad->message, bad->offset);
    c_ = Codec::of(id_);
    endian_ = id_.endian;
    return {};
  }

  // The ELF header (decode_ident checked the file holds a whole one). The checks and their words are those
  // of libelf, which this reader used before decoding by hand; tests and users rely on the same verdicts.
  Status read_header() {
    if (id_.version != EV_CURRENT) return error("ELF header: invalid `Elf' handle", 0);
    header_ = c_.file_header(img_.data());
    auto n = section_count();
    if (!n) return error("ELF header: invalid ELF file data", 0);
    shnum_ = *n;
    set_header(info_, id_, header_);
    return {};
  }

  // The number of section headers (gABI: e_shnum, or section 0's sh_size when e_shnum is 0 and there is a
  // table). A table that runs past the end of the file counts as none; a 64-bit count above 32 bits is an error.
  std::optional<uint64_t> section_count() const {
    uint64_t n = header_.shnum, off = header_.shoff, size = img_.size(), ent = c_.shent();
    if (n == 0 && off != 0) {
      if (off >= size || size - off < ent) return 0;
      n = c_.read(img_.data() + off, c_.sh_size());
      if (n > 0xffffffffu) return std::nullopt;
    }
    if (off > size || size - off < ent * n) return 0;
    return n;
  }

  Status read_program_headers() {
    uint64_t n = header_.phnum, phoff = header_.phoff, size = img_.size();
    // PN_XNUM: the count is section 0's sh_info (when there is a section table); a count running past the end
    // of the file is first clamped to what the file holds, then refused when the headers are read.
    std::optional<uint64_t> written;
    if (n == PN_XNUM) {
      written = shnum_ > 0 ? c_.read(img_.data() + header_.shoff, c_.sh_info()) : uint64_t(PN_XNUM);
      if (phoff == 0) return {};
      if (phoff >= size) return error("program header table: invalid data", phoff);
      n = std::min(*written, (size - phoff) / c_.phent());
    }
    if (n == 0) return {};
    // e_phnum as written: a table that runs past the end of the file is an error, not fewer segments.
    FERRY_CHECK(program_table_size(info_.path, c_, n, header_.phentsize, phoff, size));
    if (phoff == 0) return error("program header #0: file has no program header", 0);
    if (written && *written * c_.phent() > size - phoff) return error("program header #0: invalid data", phoff);
    set_segments(info_, c_, img_.data() + phoff, n);
    return {};
  }

  void read_section_headers() {
    info_.shnum = shnum_;
    info_.has_section_headers = shnum_ > 0;
    if (shnum_ < 2) return;
    sections_.reserve(shnum_ - 1);
    for (uint64_t i = 1; i < shnum_; ++i) sections_.push_back(c_.shdr(img_.data() + header_.shoff + i * c_.shent()));
  }

  Status read_interpreter() {
    for (const auto& s : info_.segments) {
      if (s.type != PT_INTERP) continue;
      FERRY_TRY(v, img_.sub(s.offset, s.filesz, "PT_INTERP"));
      auto str = v.find_cstring(0);
      if (!str) return error("PT_INTERP: the interpreter path is not NUL-terminated", s.offset);
      info_.interpreter = std::string(*str);
      break;
    }
    return {};
  }

  // File offset of a virtual address, through the PT_LOAD that maps it (as the loader sees it).
  std::optional<uint64_t> vaddr_to_offset(uint64_t addr) const {
    if (auto off = load_offset(info_.segments, addr)) return off;
    // Objects without program headers (relocatable files) have no mapping; sections give one.
    for (const auto& sh : sections_) {
      if (sh.type == SHT_NOBITS || sh.addr == 0) continue;
      if (addr >= sh.addr && addr - sh.addr < sh.size) return sh.offset + (addr - sh.addr);
    }
    return std::nullopt;
  }

  // Bytes from a mapped address to the end of its segment: the most a table starting there may use.
  std::optional<ByteView> view_at(uint64_t addr) const {
    for (const auto& s : info_.segments) {
      if (s.type != PT_LOAD || addr < s.vaddr || addr - s.vaddr >= s.filesz) continue;
      uint64_t off = s.offset + (addr - s.vaddr);
      uint64_t avail = s.filesz - (addr - s.vaddr);
      if (!img_.in_bounds(off, 0)) return std::nullopt;
      return img_.find_sub(off, std::min(avail, img_.size() - off));
    }
    for (const auto& sh : sections_) {
      if (sh.type == SHT_NOBITS || sh.addr == 0 || addr < sh.addr || addr - sh.addr >= sh.size) continue;
      uint64_t off = sh.offset + (addr - sh.addr);
      if (!img_.in_bounds(off, 0)) return std::nullopt;
      return img_.find_sub(off, std::min(sh.size - (addr - sh.addr), img_.size() - off));
    }
    return std::nullopt;
  }

  struct Dyn {
    std::unordered_map<int64_t, uint64_t> first;  // first value of each tag
    DynamicStrings strings;
    DynamicFlags flags;
    uint64_t offset = 0;  // file offset of the dynamic table
  };

  Status read_dynamic() {
    uint64_t dyn_off = 0, dyn_size = 0;
    bool found = false;
    for (const auto& s : info_.segments)
      if (s.type == PT_DYNAMIC) {
        dyn_off = s.offset;
        dyn_size = s.filesz;
        found = true;
        break;
      }
    if (!found)
      for (const auto& sh : sections_)
        if (sh.type == SHT_DYNAMIC) {
          dyn_off = sh.offset;
          dyn_size = sh.size;
          found = true;
          break;
        }
    if (!found) return {};
    if (!img_.in_bounds(dyn_off, dyn_size))
      return error("PT_DYNAMIC: " + hex(dyn_size) + " bytes at " + hex(dyn_off) + " run past the end of the file (" +
                       hex(img_.size()) + ")",
                   dyn_off);
    info_.has_dynamic = true;
    uint64_t entsize = c_.dynent();
    size_t count = dyn_size / entsize;
    if (count == 0) return {};
    Dyn dyn;
    dyn.offset = dyn_off;
    const uint8_t* p = img_.data() + dyn_off;
    for (size_t i = 0; i < count; ++i) {
      auto [tag, val] = c_.dyn(p + i * entsize);
      if (tag == DT_NULL) break;
      dyn.flags.note(tag, val);
      if (tag == DT_NEEDED) {
        dyn.strings.needed.push_back(val);
        continue;
      }
      if (!dyn.first.emplace(tag, val).second) continue;
      if (tag == DT_SONAME) dyn.strings.soname = val;
      if (tag == DT_RPATH) dyn.strings.rpath = val;
      if (tag == DT_RUNPATH) dyn.strings.runpath = val;
    }
    return decode_dynamic(dyn);
  }

  std::optional<uint64_t> tag(const Dyn& d, int64_t t) const {
    auto it = d.first.find(t);
    if (it == d.first.end()) return std::nullopt;
    return it->second;
  }

  Status decode_dynamic(const Dyn& d) {
    d.flags.apply(info_);
    ByteView strtab;
    auto strtab_addr = tag(d, DT_STRTAB);
    if (strtab_addr) {
      uint64_t strsz = tag(d, DT_STRSZ).value_or(0);
      auto off = vaddr_to_offset(*strtab_addr);
      if (!off) return error("DT_STRTAB: address " + hex(*strtab_addr) + " is not mapped by any PT_LOAD", d.offset);
      if (!img_.in_bounds(*off, strsz))
        return error("DT_STRSZ: " + hex(strsz) + " bytes of .dynstr at " + hex(*off) + " run past the end of the file (" +
                         hex(img_.size()) + ")",
                     *off);
      strtab = ByteView(img_.data() + *off, strsz, *off);
    } else if (d.strings.any()) {
      return error("PT_DYNAMIC: string entries present but no DT_STRTAB", d.offset);
    }
    FERRY_CHECK(set_dynamic_strings(info_, d.strings, [&](uint64_t off, const std::string& what) -> Result<std::string> {
      auto s = strtab.find_cstring(off);
      if (!s) return dynstr_error(info_.path, what, off, strtab.size(), strtab.base());
      return std::string(*s);
    }));
    FERRY_CHECK(read_verneed(d, strtab));
    FERRY_CHECK(read_verdef(d, strtab));
    if (opts_.symbols) {
      read_symbols(d, strtab);
      count_irelative(&d);
    }
    return {};
  }

  // Static executables and -fno-plt code call IFUNCs through R_*_IRELATIVE relocations with no STT_GNU_IFUNC
  // dynamic symbol, yet they need a loader with IFUNC support (glibc >= 2.11 on x86-64) just the same.
  struct RelocTable {
    uint64_t offset, size;
    bool rela;
  };
  void count_irelative(const Dyn* d) {
    std::vector<RelocTable> tables;
    if (d) {
      bool rela_plt = tag(*d, DT_PLTREL).value_or(DT_RELA) == DT_RELA;
      struct Tags {
        int64_t addr_tag, size_tag;
        bool rela;
      };
      for (Tags t : {Tags{DT_RELA, DT_RELASZ, true}, Tags{DT_REL, DT_RELSZ, false},
                     Tags{DT_JMPREL, DT_PLTRELSZ, rela_plt}}) {
        auto addr = tag(*d, t.addr_tag);
        auto size = tag(*d, t.size_tag);
        if (!addr || !size) continue;
        if (auto off = vaddr_to_offset(*addr)) tables.push_back({*off, *size, t.rela});
      }
    } else {
      // Static programs: the loader-less startup code applies .rela.iplt, found only through sections.
      for (const auto& sh : sections_)
        if ((sh.type == SHT_RELA || sh.type == SHT_REL) && (sh.flags & SHF_ALLOC))
          tables.push_back({sh.offset, sh.size, sh.type == SHT_RELA});
    }
    for (const auto& t : tables) count_irelative_in(t);
  }

  void count_irelative_in(const RelocTable& t) {
    uint32_t irel = 0;
    switch (info_.machine) {
      case EM_X86_64: irel = R_X86_64_IRELATIVE; break;
      case EM_386: irel = R_386_IRELATIVE; break;
      case EM_AARCH64: irel = R_AARCH64_IRELATIVE; break;
      case EM_PPC64: irel = R_PPC64_IRELATIVE; break;
      case EM_S390: irel = R_390_IRELATIVE; break;
      default: return;
    }
    // Rel is r_offset, r_info; Rela adds r_addend.
    uint64_t ent = (t.rela ? 3 : 2) * c_.word_size();
    uint64_t n = t.size / ent;
    if (n == 0 || !img_.in_bounds(t.offset, n * ent)) return;
    const uint8_t* p = img_.data() + t.offset;
    for (uint64_t i = 0; i < n; ++i)
      if (c_.r_type(c_.read(p + i * ent, c_.r_info())) == irel) ++info_.irelative_relocs;
  }

  Status read_verneed(const Dyn& d, ByteView strtab) {
    auto addr = tag(d, DT_VERNEED);
    if (!addr) return {};
    uint64_t count = tag(d, DT_VERNEEDNUM).value_or(0);
    auto view = view_at(*addr);
    if (!view) return error("DT_VERNEED: address " + hex(*addr) + " is not mapped by any PT_LOAD", d.offset);
    uint64_t off = 0;
    // Each Verneed is 16 bytes, so a table cannot hold more entries than size / 16: bounds looping chains.
    uint64_t limit = std::min<uint64_t>(count, view->size() / 16);
    for (uint64_t i = 0; i < limit; ++i) {
      std::string what = "Verneed #" + std::to_string(i);
      FERRY_TRY(cnt, view->read_uint<uint16_t>(off + 2, endian_, what));
      FERRY_TRY(file, view->read_uint<uint32_t>(off + 4, endian_, what));
      FERRY_TRY(aux, view->read_uint<uint32_t>(off + 8, endian_, what));
      FERRY_TRY(next, view->read_uint<uint32_t>(off + 12, endian_, what));
      VersionNeed vn;
      auto fname = strtab.find_cstring(file);
      if (!fname)
        return error(what + ": vn_file " + hex(file) + " is past the end of .dynstr (" + hex(strtab.size()) + ")",
                     view->base() + off);
      vn.file = std::string(*fname);
      uint64_t aoff = off + aux;
      for (uint16_t j = 0; j < cnt; ++j) {
        std::string awhat = what + " Vernaux #" + std::to_string(j);
        FERRY_TRY(hash, view->read_uint<uint32_t>(aoff, endian_, awhat));
        FERRY_TRY(flags, view->read_uint<uint16_t>(aoff + 4, endian_, awhat));
        FERRY_TRY(other, view->read_uint<uint16_t>(aoff + 6, endian_, awhat));
        FERRY_TRY(name, view->read_uint<uint32_t>(aoff + 8, endian_, awhat));
        FERRY_TRY(anext, view->read_uint<uint32_t>(aoff + 12, endian_, awhat));
        auto vname = strtab.find_cstring(name);
        if (!vname)
          return error(awhat + ": vna_name " + hex(name) + " is past the end of .dynstr (" + hex(strtab.size()) + ")",
                       view->base() + aoff);
        vn.versions.push_back({std::string(*vname), hash, flags, static_cast<uint16_t>(other & 0x7fff), {}});
        if (anext == 0) break;
        aoff += anext;
      }
      info_.version_needs.push_back(std::move(vn));
      if (next == 0) break;
      off += next;
    }
    return {};
  }

  Status read_verdef(const Dyn& d, ByteView strtab) {
    auto addr = tag(d, DT_VERDEF);
    if (!addr) return {};
    uint64_t count = tag(d, DT_VERDEFNUM).value_or(0);
    auto view = view_at(*addr);
    if (!view) return error("DT_VERDEF: address " + hex(*addr) + " is not mapped by any PT_LOAD", d.offset);
    uint64_t off = 0;
    uint64_t limit = std::min<uint64_t>(count, view->size() / 20);
    for (uint64_t i = 0; i < limit; ++i) {
      std::string what = "Verdef #" + std::to_string(i);
      FERRY_TRY(flags, view->read_uint<uint16_t>(off + 2, endian_, what));
      FERRY_TRY(ndx, view->read_uint<uint16_t>(off + 4, endian_, what));
      FERRY_TRY(cnt, view->read_uint<uint16_t>(off + 6, endian_, what));
      FERRY_TRY(aux, view->read_uint<uint32_t>(off + 12, endian_, what));
      FERRY_TRY(next, view->read_uint<uint32_t>(off + 16, endian_, what));
      VersionDefinition vd;
      vd.flags = flags;
      vd.index = ndx;
      uint64_t aoff = off + aux;
      for (uint16_t j = 0; j < cnt && j < view->size() / 8; ++j) {
        std::string awhat = what + " Verdaux #" + std::to_string(j);
        FERRY_TRY(name, view->read_uint<uint32_t>(aoff, endian_, awhat));
        FERRY_TRY(anext, view->read_uint<uint32_t>(aoff + 4, endian_, awhat));
        auto s = strtab.find_cstring(name);
        if (!s)
          return error(awhat + ": vda_name " + hex(name) + " is past the end of .dynstr (" + hex(strtab.size()) + ")",
                       view->base() + aoff);
        if (j == 0)
          vd.name = std::string(*s);
        else
          vd.parents.emplace_back(*s);
        if (anext == 0) break;
        aoff += anext;
      }
      info_.version_defs.push_back(std::move(vd));
      if (next == 0) break;
      off += next;
    }
    return {};
  }

  // Number of .dynsym entries: the section size when a section describes the same table, else the hash tables
  // (DT_HASH's nchain, or the highest chain end of DT_GNU_HASH), which is all the loader itself knows.
  std::optional<uint64_t> symbol_count(const Dyn& d, uint64_t symtab, uint64_t syment) {
    for (const auto& sh : sections_)
      if (sh.type == SHT_DYNSYM && sh.addr == symtab && syment) return sh.size / syment;
    if (auto h = tag(d, DT_HASH)) {
      auto v = view_at(*h);
      if (v) {
        // DT_HASH words are 32-bit except on 64-bit s390 and Alpha, which ferry does not special-case.
        if (auto nchain = v->find_uint<uint32_t>(4, endian_)) return *nchain;
      }
    }
    if (auto g = tag(d, DT_GNU_HASH)) {
      auto v = view_at(*g);
      if (!v) return std::nullopt;
      auto nbuckets = v->find_uint<uint32_t>(0, endian_);
      auto symoffset = v->find_uint<uint32_t>(4, endian_);
      auto bloom_size = v->find_uint<uint32_t>(8, endian_);
      if (!nbuckets || !symoffset || !bloom_size) return std::nullopt;
      uint64_t word = info_.bits / 8;
      uint64_t buckets_off = 16 + uint64_t(*bloom_size) * word;
      uint32_t max_index = 0;
      for (uint32_t b = 0; b < *nbuckets; ++b) {
        auto idx = v->find_uint<uint32_t>(buckets_off + uint64_t(b) * 4, endian_);
        if (!idx) return std::nullopt;
        max_index = std::max(max_index, *idx);
      }
      if (max_index < *symoffset) return *symoffset;
      uint64_t chain_off = buckets_off + uint64_t(*nbuckets) * 4;
      uint64_t i = max_index;
      while (true) {
        auto c = v->find_uint<uint32_t>(chain_off + (i - *symoffset) * 4, endian_);
        if (!c) return std::nullopt;
        if (*c & 1) return i + 1;
        ++i;
      }
    }
    return std::nullopt;
  }

  void read_symbols(const Dyn& d, ByteView strtab) {
    auto symtab = tag(d, DT_SYMTAB);
    if (!symtab) return;
    uint64_t syment = tag(d, DT_SYMENT).value_or(c_.syment());
    if (syment != c_.syment()) {
      info_.warnings.push_back("DT_SYMENT " + std::to_string(syment) + " is not the size of a symbol; symbols skipped");
      return;
    }
    auto count = symbol_count(d, *symtab, syment);
    auto off = vaddr_to_offset(*symtab);
    if (!count || !off) {
      info_.warnings.push_back("dynamic symbol table: size unknown or not mapped; symbols skipped");
      return;
    }
    auto bytes = checked_mul(*count, syment);
    if (!bytes || !img_.in_bounds(*off, *bytes)) {
      info_.warnings.push_back("dynamic symbol table: " + std::to_string(*count) + " symbols at " + hex(*off) +
                               " run past the end of the file; symbols skipped");
      return;
    }
    if (*count == 0) return;
    const uint8_t* syms = img_.data() + *off;
    const uint8_t* versym = nullptr;  // .gnu.version: one 16-bit index per symbol
    if (auto vs = tag(d, DT_VERSYM)) {
      auto voff = vaddr_to_offset(*vs);
      if (voff && img_.in_bounds(*voff, *count * 2))
        versym = img_.data() + *voff;
      else
        info_.warnings.push_back("DT_VERSYM: table is not mapped or too short; symbol versions skipped");
    }
    // Version index -> (version name, library) from Vernaux (imports) and Verdef (definitions).
    std::unordered_map<uint16_t, std::pair<VersionRequirement*, const std::string*>> needs;
    for (auto& vn : info_.version_needs)
      for (auto& va : vn.versions) needs[va.index] = {&va, &vn.file};
    std::unordered_map<uint16_t, const std::string*> defs;
    for (const auto& vdf : info_.version_defs) defs[vdf.index] = &vdf.name;

    info_.dynamic_symbols.reserve(*count);
    for (uint64_t i = 1; i < *count; ++i) {
      const uint8_t* s = syms + i * syment;
      DynSymbol sym;
      auto name = strtab.find_cstring(c_.read(s, c_.st_name()));
      sym.name = name ? std::string(*name) : std::string("<corrupt name>");
      sym.defined = c_.read(s, c_.st_shndx()) != SHN_UNDEF;
      auto info = static_cast<uint8_t>(c_.read(s, c_.st_info()));
      sym.type = ELF64_ST_TYPE(info);
      sym.bind = ELF64_ST_BIND(info);
      sym.visibility = ELF64_ST_VISIBILITY(c_.read(s, c_.st_other()));
      sym.weak = sym.bind == STB_WEAK;
      sym.value = c_.read(s, c_.st_value());
      sym.size = c_.read(s, c_.st_size());
      if (versym) {
        auto v = static_cast<uint16_t>(c_.get(versym + i * 2, 2));
        sym.hidden_version = (v & 0x8000) != 0;
        uint16_t idx = v & 0x7fff;
        if (idx > 1) {
          if (!sym.defined) {
            if (auto it = needs.find(idx); it != needs.end()) {
              sym.version = it->second.first->name;
              sym.library = *it->second.second;
              it->second.first->symbols.push_back(sym.name);
            }
          } else if (auto it = defs.find(idx); it != defs.end()) {
            sym.version = *it->second;
          } else if (auto it2 = needs.find(idx); it2 != needs.end()) {
            sym.version = it2->second.first->name;
          }
        }
      }
      if (!sym.name.empty()) {
        if (!sym.defined)
          ++info_.imported_symbols;
        else if (sym.bind != STB_LOCAL)
          ++info_.exported_symbols;
        if (sym.defined && sym.type == STT_GNU_IFUNC) ++info_.ifunc_symbols;
        if (sym.defined && sym.bind == STB_GNU_UNIQUE) ++info_.unique_symbols;
      }
      info_.dynamic_symbols.push_back(std::move(sym));
    }
    for (auto& vn : info_.version_needs)
      for (auto& va : vn.versions) {
        std::sort(va.symbols.begin(), va.symbols.end());
        va.symbols.erase(std::unique(va.symbols.begin(), va.symbols.end()), va.symbols.end());
      }
  }

  void classify() {
    info_.kind = elf::classify(info_.e_type, info_.dt_flags_1, info_.interpreter.has_value(), info_.soname.has_value());
  }

  // Notes come from PT_NOTE (what the loader and crash tools read); SHT_NOTE sections outside every PT_NOTE are
  // read too, because some linkers (Go's) leave .note.gnu.build-id in a PT_LOAD without a PT_NOTE for it.
  void read_notes() {
    std::vector<std::pair<uint64_t, uint64_t>> covered;
    for (const auto& s : info_.segments)
      if (s.type == PT_NOTE) {
        covered.emplace_back(s.offset, s.filesz);
        parse_notes(s.offset, s.filesz, s.align);
      }
    for (const auto& sh : sections_) {
      if (sh.type != SHT_NOTE) continue;
      bool inside = false;
      for (auto [off, size] : covered)
        if (sh.offset >= off && sh.offset - off < size) inside = true;
      if (!inside) parse_notes(sh.offset, sh.size, sh.addralign);
    }
  }

  void parse_notes(uint64_t off, uint64_t size, uint64_t align) {
    auto v = img_.find_sub(off, size);
    if (!v) {
      info_.warnings.push_back("PT_NOTE at " + hex(off) + " runs past the end of the file");
      return;
    }
    uint64_t a = align == 8 ? 8 : 4;
    auto pad = [a](uint64_t x) { return align_up(x, a); };
    uint64_t p = 0;
    while (p + 12 <= v->size()) {
      uint32_t namesz = *v->find_uint<uint32_t>(p, endian_);
      uint32_t descsz = *v->find_uint<uint32_t>(p + 4, endian_);
      uint32_t type = *v->find_uint<uint32_t>(p + 8, endian_);
      uint64_t name_off = p + 12;
      // The descriptor starts at the next multiple of the note alignment after the name (glibc's rule;
      // for 4-byte notes this is the classic "pad the name to 4").
      uint64_t desc_off = pad(name_off + namesz);
      auto name = v->find_sub(name_off, namesz);
      auto desc = v->find_sub(desc_off, descsz);
      if (!name || !desc) {
        info_.warnings.push_back("note at " + hex(v->base() + p) + " runs past the end of its segment");
        return;
      }
      std::string_view nm(reinterpret_cast<const char*>(name->data()), namesz);
      if (!nm.empty() && nm.back() == '\0') nm.remove_suffix(1);
      if (nm == "GNU") decode_gnu_note(type, *desc);
      uint64_t next = pad(desc_off + descsz);
      if (next <= p) return;
      p = next;
    }
  }

  void decode_gnu_note(uint32_t type, ByteView desc) {
    if (type == NT_GNU_BUILD_ID) {
      static const char* digits = "0123456789abcdef";
      std::string h;
      for (uint64_t i = 0; i < desc.size(); ++i) {
        h.push_back(digits[desc.data()[i] >> 4]);
        h.push_back(digits[desc.data()[i] & 15]);
      }
      info_.build_id = h;
    } else if (type == NT_GNU_ABI_TAG && desc.size() >= 16) {
      info_.abi_tag = AbiTag{*desc.find_uint<uint32_t>(0, endian_), *desc.find_uint<uint32_t>(4, endian_),
                             *desc.find_uint<uint32_t>(8, endian_), *desc.find_uint<uint32_t>(12, endian_)};
    } else if (type == NT_GNU_PROPERTY_TYPE_0) {
      info_.properties.present = true;
      uint64_t a = info_.bits == 64 ? 8 : 4;
      uint64_t p = 0;
      while (p + 8 <= desc.size()) {
        uint32_t pr_type = *desc.find_uint<uint32_t>(p, endian_);
        uint32_t datasz = *desc.find_uint<uint32_t>(p + 4, endian_);
        auto data = desc.find_sub(p + 8, datasz);
        if (!data) break;
        uint32_t val = datasz >= 4 ? *data->find_uint<uint32_t>(0, endian_) : 0;
        if (pr_type == GNU_PROPERTY_X86_ISA_1_NEEDED) info_.properties.x86_isa_needed |= val;
        if (pr_type == GNU_PROPERTY_X86_FEATURE_1_AND) info_.properties.x86_features = val;
        if (pr_type == GNU_PROPERTY_AARCH64_FEATURE_1_AND) info_.properties.aarch64_features = val;
        uint64_t next = p + 8 + align_up(datasz, a);
        if (next <= p) break;
        p = next;
      }
    }
  }
};

}  // namespace

Result<ElfInfo> read_elf(ByteView image, const std::string& path, const ReadOptions& opts) {
  return Reader(image, path, opts).run();
}

Result<ElfInfo> read_elf_file(const std::string& path, const ReadOptions& opts) {
  FERRY_TRY(m, MappedFile::open(path));
  return read_elf(m.view(), path, opts);
}

const char* machine_name(uint16_t m) {
  switch (m) {
    case EM_X86_64: return "x86_64";
    case EM_386: return "i386";
    case EM_AARCH64: return "aarch64";
    case EM_ARM: return "arm";
    case EM_PPC64: return "ppc64";
    case EM_PPC: return "ppc";
    case EM_S390: return "s390";
    case EM_MIPS: return "mips";
    case EM_RISCV: return "riscv";
    case EM_SPARCV9: return "sparcv9";
    case EM_SPARC: return "sparc";
    case EM_IA_64: return "ia64";
    case EM_LOONGARCH: return "loongarch";
    case EM_ALPHA: return "alpha";
    case EM_SH: return "sh";
    case EM_68K: return "m68k";
    case EM_BPF: return "bpf";
    case EM_NONE: return "none";
    default: return "unknown";
  }
}

}  // namespace ferry::elf
