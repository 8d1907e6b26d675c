// .dynstr allocation (elf-rewriting.md "How to grow strings"): an unchanged reference keeps its offset; a new
// string reuses any existing NUL-terminated occurrence, including the tail of a longer string; otherwise it
// goes into bytes no reference reads (never over a string another entry shares as a suffix) when every
// reference into .dynstr is known; otherwise it is appended.
#include <elf.h>

#include <algorithm>
#include <cstring>

#include "patch/layout_plan.hpp"

namespace ferry::patch {

namespace {

// True when every reader of .dynstr is known: dynamic symbols counted, version definitions decoded, and no
// section other than the ones we read links to it.
bool references_complete(const ElfFile& f) {
  if (f.find_dyn(DT_SYMTAB) && !f.dynsym_count) return false;
  if (!f.verdef_complete) return false;
  if (f.find_dyn(DT_AUXILIARY) || f.find_dyn(DT_FILTER) || f.find_dyn(DT_CONFIG) || f.find_dyn(DT_DEPAUDIT) ||
      f.find_dyn(DT_AUDIT))
    return false;
  auto dynstr = f.find_section_by_addr(f.dynstr_addr, SHT_STRTAB);
  for (const auto& s : f.shdrs) {
    if (!dynstr || s.link != *dynstr) continue;
    if (s.type != SHT_DYNSYM && s.type != SHT_DYNAMIC && s.type != SHT_GNU_verneed && s.type != SHT_GNU_verdef)
      return false;
  }
  return true;
}

// Bytes as flags (not std::vector<bool>): a large library's .dynstr holds megabytes of symbol names to mark.
void mark(std::vector<uint8_t>& live, const std::vector<uint8_t>& table, uint64_t off) {
  if (off >= table.size()) return;
  const void* nul = std::memchr(table.data() + off, 0, table.size() - off);
  uint64_t end = nul ? static_cast<uint64_t>(static_cast<const uint8_t*>(nul) - table.data()) + 1 : table.size();
  std::memset(live.data() + off, 1, end - off);
}

std::optional<uint64_t> find_occurrence(const std::vector<uint8_t>& table, const std::string& s) {
  if (table.empty()) return std::nullopt;
  const uint8_t* base = table.data();
  uint64_t n = s.size() + 1;
  for (uint64_t at = 0; at + n <= table.size();) {
    const void* hit = memmem(base + at, table.size() - at, s.c_str(), n);
    if (!hit) return std::nullopt;
    return static_cast<const uint8_t*>(hit) - base;
  }
  return std::nullopt;
}

// Which bytes of `table` a reference reads: the strings of every reader that does not change, and the
// requests already placed (offsets other than UINT64_MAX).
std::vector<uint8_t> live_bytes(const ElfFile& f, const std::vector<uint8_t>& table, const std::vector<uint64_t>& placed) {
  std::vector<uint8_t> live(table.size(), 0);
  live[0] = 1;
  for (const auto& s : f.dynsyms) mark(live, table, s.name);
  for (auto n : f.verdef_names) mark(live, table, n);
  for (const auto& v : f.verneeds)
    for (const auto& a : v.aux) mark(live, table, a.name);
  for (uint64_t at : placed)
    if (at != UINT64_MAX) mark(live, table, at);
  return live;
}

// The start of the first run of `need` bytes below `end` that no reference reads, found by hopping from run to
// run with memchr (a table is mostly live: a byte-by-byte walk over a large .dynstr cost more than the rest).
std::optional<uint64_t> first_free_run(const std::vector<uint8_t>& live, uint64_t end, uint64_t need) {
  const uint8_t* base = live.data();
  for (uint64_t p = 1; p < end;) {
    const void* free = std::memchr(base + p, 0, end - p);
    if (!free) return std::nullopt;
    const uint64_t start = static_cast<uint64_t>(static_cast<const uint8_t*>(free) - base);
    const void* used = std::memchr(base + start, 1, end - start);
    const uint64_t stop = used ? static_cast<uint64_t>(static_cast<const uint8_t*>(used) - base) : end;
    if (stop - start >= need) return start;
    p = stop;
  }
  return std::nullopt;
}

}  // namespace

StringPlan allocate_strings(const ElfFile& f, const std::vector<StringRequest>& requests) {
  StringPlan out;
  auto view = f.span(f.dynstr_offset, f.dynstr_size);
  uint64_t room = 1;  // for every request appended: no reallocation (a copy of the whole table) on the way
  for (const auto& r : requests) room += r.value.size() + 1;
  out.table.reserve((view ? view->size() : 0) + room);
  if (view) out.table.assign(view->data(), view->data() + view->size());
  if (out.table.empty()) out.table.push_back(0);
  const uint64_t old_size = out.table.size();

  out.offsets.assign(requests.size(), UINT64_MAX);
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    if (r.old_offset && find_cstring_in(out.table, *r.old_offset) == r.value) out.offsets[i] = *r.old_offset;
  }
  for (size_t i = 0; i < requests.size(); ++i) {
    if (out.offsets[i] != UINT64_MAX) continue;
    if (auto at = find_occurrence(out.table, requests[i].value)) out.offsets[i] = *at;
  }
  // Which bytes are read is worked out only when a string must be written, from the references above.
  std::optional<std::vector<uint8_t>> live;
  const bool complete = references_complete(f);
  bool written = false;  // until a string is written below, the table is the one searched above
  for (size_t i = 0; i < requests.size(); ++i) {
    if (out.offsets[i] != UINT64_MAX) continue;
    const std::string& s = requests[i].value;
    if (auto at = written ? find_occurrence(out.table, s) : std::nullopt) {  // written by an earlier request
      out.offsets[i] = *at;
      continue;
    }
    uint64_t need = s.size() + 1;
    if (complete) {
      if (!live) live = live_bytes(f, out.table, out.offsets);
      // First fit in a run of bytes nobody reads.
      if (auto start = first_free_run(*live, old_size, need)) {
        std::memcpy(out.table.data() + *start, s.c_str(), need);
        std::memset(live->data() + *start, 1, need);
        out.offsets[i] = *start;
        out.rewritten += need;
        written = true;
        continue;
      }
    }
    written = true;
    out.offsets[i] = out.table.size();
    out.table.insert(out.table.end(), s.begin(), s.end());
    out.table.push_back(0);
    out.appended += need;
  }
  return out;
}

}  // namespace ferry::patch
