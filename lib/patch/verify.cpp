// Verification of every output before it replaces anything (elf-rewriting.md "What to verify"): the output
// re-parses; PT_LOADs are sorted, non-overlapping and congruent; PT_PHDR/PT_INTERP/PT_DYNAMIC/PT_NOTE and every
// allocated section lie inside a PT_LOAD at consistent offsets; a program's header table stays in its first
// PT_LOAD; Verneed files are DT_NEEDED names; symbol versions resolve; reading back gives what was asked.
// Layout problems the input already had are not held against the output.
#include <elf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <set>
#include <vector>

#include "elf/elf_info.hpp"
#include "patch/layout_plan.hpp"

namespace ferry::patch {

namespace {

// Whether [offset, +filesz) at vaddr is mapped consistently by one PT_LOAD.
bool inside_load(const ElfFile& f, uint64_t offset, uint64_t vaddr, uint64_t size) {
  for (const auto& p : f.phdrs) {
    if (p.type != PT_LOAD) continue;
    if (offset < p.offset || offset - p.offset > p.filesz || size > p.filesz - (offset - p.offset)) continue;
    if (vaddr - p.vaddr == offset - p.offset) return true;
  }
  return false;
}

std::set<std::string> layout_problems(const ElfFile& f) {
  std::set<std::string> out;
  const Phdr* prev = nullptr;
  for (const auto& p : f.phdrs) {
    if (p.type != PT_LOAD) continue;
    if (p.align > 1 && (p.offset % p.align) != (p.vaddr % p.align))
      out.insert("PT_LOAD at " + hex(p.vaddr) + ": offset and address are not congruent modulo p_align");
    if (prev && p.vaddr < prev->vaddr) out.insert("PT_LOAD entries are not sorted by address");
    if (prev && p.vaddr < prev->vaddr + prev->memsz) out.insert("PT_LOAD at " + hex(p.vaddr) + " overlaps the previous one");
    prev = &p;
  }
  uint64_t table = f.phdrs.size() * f.c.phent();
  for (size_t i = 0; i < f.phdrs.size(); ++i) {
    const Phdr& p = f.phdrs[i];
    const char* name = p.type == PT_PHDR ? "PT_PHDR" : p.type == PT_INTERP ? "PT_INTERP" : p.type == PT_DYNAMIC ? "PT_DYNAMIC"
                     : p.type == PT_NOTE ? "PT_NOTE" : p.type == PT_GNU_PROPERTY ? "PT_GNU_PROPERTY" : nullptr;
    if (name && !inside_load(f, p.offset, p.vaddr, p.filesz)) out.insert(std::string(name) + " is not inside a PT_LOAD");
    if (p.type == PT_PHDR && (p.offset != f.e_phoff || p.filesz < table))
      out.insert("PT_PHDR does not describe the program header table");
  }
  if (f.runs_as_program()) {
    const Phdr* first = nullptr;
    for (const auto& p : f.phdrs)
      if (p.type == PT_LOAD && (!first || p.offset < first->offset)) first = &p;
    if (first && (f.e_phoff < first->offset || f.e_phoff + table > first->offset + first->filesz))
      out.insert("the program header table is not inside the first PT_LOAD (AT_PHDR on older kernels)");
  }
  for (size_t i = 1; i < f.shdrs.size(); ++i) {
    const Shdr& s = f.shdrs[i];
    if (!(s.flags & SHF_ALLOC) || s.type == SHT_NOBITS || s.size == 0) continue;
    if (!inside_load(f, s.offset, s.addr, s.size))
      out.insert("section " + (s.name_str.empty() ? "#" + std::to_string(i) : s.name_str) + " is not inside a PT_LOAD");
  }
  std::set<std::string> needed;
  for (const auto& d : f.dyn)
    if (d.tag == DT_NEEDED) needed.insert(f.find_dynstr(d.val).value_or(""));
  std::vector<bool> indices(0x8000);  // version indices defined (15-bit): a set of 32768 flags
  indices[0] = indices[1] = true;
  for (const auto& v : f.verneeds) {
    auto file = f.find_dynstr(v.file).value_or("");
    if (!needed.count(file)) out.insert("Verneed file " + file + " is not a DT_NEEDED entry");
    for (const auto& a : v.aux)
      if (a.other < 0x8000) indices[a.other] = true;
  }
  if (f.versym_offset && f.find_dyn(DT_VERDEF)) {
    // Version indices are 15-bit: a larger DT_VERDEFNUM (from a hostile file) cannot add more of them.
    uint64_t num = std::min<uint64_t>(f.find_dyn(DT_VERDEFNUM).value_or(0), 0x7fff);
    for (uint64_t i = 1; i <= num + 1 && i < 0x8000; ++i) indices[i] = true;  // Verdef indices are 1..num
  }
  if (f.versym_offset)
    for (uint64_t i = 0; i < f.dynsyms.size(); ++i) {
      uint16_t v = static_cast<uint16_t>(f.c.get(f.bytes.data() + *f.versym_offset + 2 * i, 2)) & 0x7fff;
      if (!indices[v]) {
        out.insert("dynamic symbol #" + std::to_string(i) + " uses version index " + std::to_string(v) +
                   " that no Verneed or Verdef defines");
        break;
      }
    }
  return out;
}

std::string show(const std::optional<std::string>& s) { return s ? "[" + *s + "]" : "(none)"; }

// The project's ELF reader (lib/elf's read_elf) must read the output the same way. It shares only elf::Codec's
// field access with the writer's view, not its parsing, so it still catches a writer bug that the writer's own
// re-read would share; the decoders outside the project (readelf, the loader) are the tests' oracles. A reader
// failure counts only when the reader accepts the input.
Status cross_check(const ElfFile& before, ByteView after, const DynamicSummary& ex) {
  elf::ReadOptions ro;
  ro.symbols = false;
  auto info = elf::read_elf(after, before.path, ro);
  if (!info) {
    if (!elf::read_elf(before.bytes, before.path, ro)) return {};
    return before.error("verification of the output failed: the ELF reader rejects it: " + info.error().message,
                        info.error().offset, ErrorCode::verify);
  }
  auto fail = [&](const std::string& what) {
    return before.error("verification of the output failed: the ELF reader reads a different " + what, std::nullopt,
                        ErrorCode::verify);
  };
  if (info->needed != ex.needed) return fail("DT_NEEDED list");
  if (info->soname != ex.soname) return fail("DT_SONAME");
  if (info->rpath != ex.rpath) return fail("DT_RPATH");
  if (info->runpath != ex.runpath) return fail("DT_RUNPATH");
  if (info->interpreter != ex.interpreter) return fail("PT_INTERP");
  for (const auto& v : info->version_needs)
    if (std::find(ex.needed.begin(), ex.needed.end(), v.file) == ex.needed.end())
      return fail("version requirement file (" + v.file + " is not a DT_NEEDED entry)");
  return {};
}

// Lets the kernel drop the whole pages of [p, p + n) from this process (a read-only file mapping: they come back
// from the file if read again), so comparing a large file does not keep it resident.
void drop(const uint8_t* p, uint64_t n) {
  static const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  uint64_t lo = align_up(reinterpret_cast<uint64_t>(p), page);
  uint64_t hi = (reinterpret_cast<uint64_t>(p) + n) / page * page;
  if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
}

// memcmp in chunks, dropping each compared chunk when drop_pages.
bool same_bytes(ByteView a, ByteView b, bool drop_pages) {
  constexpr uint64_t kChunk = 4u << 20;
  for (uint64_t at = 0; at < a.size(); at += kChunk) {
    uint64_t n = std::min(kChunk, a.size() - at);
    if (std::memcmp(a.data() + at, b.data() + at, n) != 0) return false;
    if (drop_pages) {
      drop(a.data() + at, n);
      drop(b.data() + at, n);
    }
  }
  return true;
}

// Every section keeps its bytes wherever it now lives, except those the plan rewrites (.dynamic, .dynstr,
// version tables, symbol tables whose values follow moves, .interp): catches a slide or move that copied the
// wrong range or a write that landed in the wrong place.
// Whether section bytes `a` (input) and `b` (output) are equal. Where the section kept its offset and the
// writer's image is known (VerifyScope), each run of its pages is checked by how it reached the output: a run
// written from memory is compared whole; a run the kernel copied from the same input range is compared at both
// ends (first and last 4 KiB), where a range copied from the wrong place differs. A section that merely shares
// its first page with the rewritten headers (the 30 MB .rodata of a data library) is not read whole for that.
bool section_kept(ByteView a, ByteView b, bool same_place, const VerifyScope& scope) {
  constexpr uint64_t kEnd = 4096;
  if (!scope.written || !same_place || a.size() <= 2 * kEnd) return same_bytes(a, b, scope.drop_pages);
  const uint64_t base = b.base(), size = b.size(), page = Image::kPage;
  auto page_end = [&](uint64_t at) { return std::min(size, (base + at) / page * page + page - base); };
  for (uint64_t at = 0; at < size;) {
    const bool written = scope.written->touched(base + at, page_end(at) - at);
    uint64_t end = page_end(at);
    while (end < size && scope.written->touched(base + end, page_end(end) - end) == written) end = page_end(end);
    ByteView x = *a.find_sub(at, end - at), y = *b.find_sub(at, end - at);
    const uint64_t n = end - at;
    bool same = written || n <= 2 * kEnd
                    ? same_bytes(x, y, scope.drop_pages)
                    : same_bytes(*x.find_sub(0, kEnd), *y.find_sub(0, kEnd), false) &&
                          same_bytes(*x.find_sub(n - kEnd, kEnd), *y.find_sub(n - kEnd, kEnd), false);
    if (!same) return false;
    at = end;
  }
  return true;
}

// Each range the writer had the kernel copy from the input (Image::copied_ranges) reads back, at its first and
// last page, as the input's bytes at the same offsets: a range copied to the wrong place, or cut short, differs
// there. Of such a range these two pages are the only ones read from the new file (Image::map_written).
Status copied_ranges_placed(const ElfFile& before, ByteView after, const Image& written) {
  for (auto [from, to] : written.copied_ranges()) {
    for (uint64_t at : {from, (to - 1) / Image::kPage * Image::kPage}) {
      const uint64_t n = std::min(to, at + Image::kPage) - at;
      auto a = before.bytes.find_sub(at, n), b = after.find_sub(at, n);
      if (!a || !b || std::memcmp(a->data(), b->data(), n) != 0)
        return before.error("verification of the output failed: a range copied unchanged from the input reads back "
                            "different bytes",
                            at, ErrorCode::verify);
    }
  }
  return {};
}

Status content_kept(const ElfFile& before, const ElfFile& after, const LayoutPlan& lp, const VerifyScope& scope) {
  if (before.shdrs.size() != after.shdrs.size())
    return before.error("verification of the output failed: the number of section headers changed", std::nullopt,
                        ErrorCode::verify);
  for (size_t i = 1; i < before.shdrs.size(); ++i) {
    const Shdr &a = before.shdrs[i], &b = after.shdrs[i];
    if (a.type == SHT_NOBITS || a.size == 0) continue;
    switch (a.type) {
      case SHT_DYNAMIC: case SHT_GNU_verneed: case SHT_GNU_versym: case SHT_SYMTAB: case SHT_DYNSYM:
        continue;
      case SHT_HASH: case SHT_GNU_HASH: case SHT_REL: case SHT_RELA:
        if (lp.symbols_renamed) continue;  // rebuilt: verify_renames checks them
        break;
      default:
        break;
    }
    if ((a.type == SHT_STRTAB && before.has_dynstr && a.addr == before.dynstr_addr && (a.flags & SHF_ALLOC)) ||
        a.name_str == ".interp")
      continue;
    auto old_bytes = before.bytes.find_sub(a.offset, a.size);
    if (!old_bytes) continue;  // the input's own header is out of range: nothing to compare
    auto new_bytes = after.bytes.find_sub(b.offset, b.size);
    if (a.size != b.size || !new_bytes || !section_kept(*old_bytes, *new_bytes, a.offset == b.offset, scope))
      return before.error("verification of the output failed: the contents of section " +
                              (a.name_str.empty() ? "#" + std::to_string(i) : a.name_str) + " changed",
                          b.offset, ErrorCode::verify);
  }
  return {};
}

// The dynamic entries and headers of a parsed file that an edit can change.
DynamicSummary summary_of(const ElfFile& f) {
  DynamicSummary s;
  s.machine = f.e_machine;
  s.os_abi = f.os_abi;
  s.has_dynamic = f.has_dynamic;
  s.interpreter = f.interpreter();
  for (const auto& d : f.dyn) {
    auto str = [&] { return f.find_dynstr(d.val).value_or(""); };
    if (d.tag == DT_NEEDED) s.needed.push_back(str());
    if (d.tag == DT_SONAME) s.soname = str();
    if (d.tag == DT_RPATH) s.rpath = str();
    if (d.tag == DT_RUNPATH) s.runpath = str();
    if (d.tag == DT_FLAGS_1) s.nodeflib = d.val & DF_1_NODEFLIB;
    if (d.tag == DT_DEBUG) s.debug_tag = true;
  }
  for (const auto& p : f.phdrs)
    if (p.type == PT_GNU_STACK) s.exec_stack = (p.flags & PF_X) != 0;
  return s;
}

}  // namespace

Status verify(const ElfFile& before, ByteView after, const Edits& edits, const LayoutPlan& lp, const VerifyScope& scope) {
  auto re = read_elf_file_for_patch(after, before.path);
  if (!re) {
    Error e = re.error();
    e.code = ErrorCode::verify;
    e.message = "the patched output does not re-parse: " + e.message;
    return e;
  }
  const ElfFile& g = *re;
  if (scope.written) FERRY_CHECK(copied_ranges_placed(before, after, *scope.written));
  FERRY_CHECK(content_kept(before, g, lp, scope));
  FERRY_CHECK(verify_renames(before, g, lp));
  auto old_problems = layout_problems(before);
  for (const auto& p : layout_problems(g))
    if (!old_problems.count(p)) return before.error("verification of the output failed: " + p, std::nullopt, ErrorCode::verify);

  const DynamicSummary got = summary_of(g);  // the output as parsed above, not parsed again
  const DynamicSummary& ex = lp.expected;
  auto mismatch = [&](const std::string& what, const std::string& want, const std::string& have) {
    return before.error("verification of the output failed: " + what + " reads back as " + have + ", expected " + want,
                        std::nullopt, ErrorCode::verify);
  };
  if (got.needed != ex.needed) {
    std::string a, b;
    for (auto& n : ex.needed) a += n + " ";
    for (auto& n : got.needed) b += n + " ";
    return mismatch("DT_NEEDED", a, b);
  }
  if (got.soname != ex.soname) return mismatch("DT_SONAME", show(ex.soname), show(got.soname));
  if (got.rpath != ex.rpath) return mismatch("DT_RPATH", show(ex.rpath), show(got.rpath));
  if (got.runpath != ex.runpath) return mismatch("DT_RUNPATH", show(ex.runpath), show(got.runpath));
  if (got.interpreter != ex.interpreter) return mismatch("PT_INTERP", show(ex.interpreter), show(got.interpreter));
  if (got.nodeflib != ex.nodeflib) return mismatch("DF_1_NODEFLIB", ex.nodeflib ? "set" : "clear", got.nodeflib ? "set" : "clear");
  if (got.exec_stack != ex.exec_stack) return mismatch("PT_GNU_STACK", "requested flags", "other flags");
  if (got.os_abi != ex.os_abi) return mismatch("EI_OSABI", os_abi_name(ex.os_abi), os_abi_name(got.os_abi));
  if (got.debug_tag != ex.debug_tag) return mismatch("DT_DEBUG", ex.debug_tag ? "present" : "absent", got.debug_tag ? "present" : "absent");
  // The project's reader reads the dynamic section through PT_DYNAMIC only, like the loader: a file whose
  // entries live in a .dynamic section that no PT_DYNAMIC maps has nothing it could compare.
  if (!before.dynamic_from_section && !g.dynamic_from_section) FERRY_CHECK(cross_check(before, after, ex));
  if (edits.soname && got.soname != edits.soname) return mismatch("DT_SONAME", show(edits.soname), show(got.soname));
  if (edits.interpreter && got.interpreter != edits.interpreter)
    return mismatch("PT_INTERP", show(edits.interpreter), show(got.interpreter));
  return {};
}

Result<DynamicSummary> read_summary(ByteView in, const std::string& path) {
  FERRY_TRY(f, read_elf_file_for_patch(in, path));
  return summary_of(f);
}

std::string os_abi_name(uint8_t abi) {
  static const char* names[] = {"System V", "HP-UX",   "NetBSD", "Linux", "GNU Hurd", nullptr, "Solaris",
                                "AIX",      "IRIX",    "FreeBSD", "Tru64", nullptr,  "OpenBSD", "OpenVMS"};
  if (abi < sizeof names / sizeof *names && names[abi]) return names[abi];
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", abi);
  return buf;
}

std::optional<uint8_t> parse_os_abi(const std::string& name) {
  std::string n;
  for (char ch : name) n += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  while (!n.empty() && std::isspace(static_cast<unsigned char>(n.back()))) n.pop_back();
  while (!n.empty() && std::isspace(static_cast<unsigned char>(n.front()))) n.erase(n.begin());
  static const std::pair<const char*, uint8_t> table[] = {
      {"system v", 0}, {"system-v", 0}, {"sysv", 0}, {"hp-ux", 1}, {"netbsd", 2}, {"linux", 3}, {"gnu", 3},
      {"gnu hurd", 4}, {"gnu-hurd", 4}, {"hurd", 4}, {"solaris", 6}, {"aix", 7}, {"irix", 8}, {"freebsd", 9},
      {"tru64", 10}, {"openbsd", 12}, {"openvms", 13}};
  for (const auto& [k, v] : table)
    if (n == k) return v;
  return std::nullopt;
}

}  // namespace ferry::patch
