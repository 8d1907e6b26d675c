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

// One bit per byte of the old table: which bytes a reference reads. A bitmap, not a byte per byte: a large
// library's .dynstr is megabytes, and every page of a fresh allocation costs a fault.
class LiveBytes {
public:
  explicit LiveBytes(uint64_t n) : words_((n + 63) / 64, 0), size_(n) {}
  // Marks [from, to).
  void set(uint64_t from, uint64_t to) {
    to = std::min(to, size_);
    for (uint64_t i = from; i < to;) {
      const uint64_t bit = i & 63, take = std::min<uint64_t>(64 - bit, to - i);
      words_[i >> 6] |= (take == 64 ? ~uint64_t{0} : ((uint64_t{1} << take) - 1) << bit);
      i += take;
    }
  }
  // Marks the string at `off` with its NUL (up to the table's end when it has none).
  void mark_string(ByteView table, uint64_t off) {
    if (off >= table.size()) return;
    const void* nul = std::memchr(table.data() + off, 0, table.size() - off);
    set(off, nul ? static_cast<uint64_t>(static_cast<const uint8_t*>(nul) - table.data()) + 1 : table.size());
  }
  // The start of the first run of `need` unmarked bytes in [1, size), skipping whole words that are all marked
  // (a table is mostly live).
  std::optional<uint64_t> first_free_run(uint64_t need) const {
    uint64_t run = 0, start = 0;
    for (uint64_t i = 1; i < size_;) {
      const uint64_t w = words_[i >> 6];
      if ((i & 63) == 0 && w == ~uint64_t{0}) {
        run = 0, i += 64;
        continue;
      }
      if ((w >> (i & 63)) & 1) {
        run = 0;
      } else {
        if (run++ == 0) start = i;
        if (run >= need) return start;
      }
      ++i;
    }
    return std::nullopt;
  }

private:
  std::vector<uint64_t> words_;
  uint64_t size_;
};

std::optional<uint64_t> find_in(const uint8_t* base, uint64_t size, const std::string& s) {
  const uint64_t n = s.size() + 1;  // with its NUL: a match is a whole string or the tail of a longer one
  if (size < n) return std::nullopt;
  const void* hit = memmem(base, size, s.c_str(), n);
  if (!hit) return std::nullopt;
  return static_cast<uint64_t>(static_cast<const uint8_t*>(hit) - base);
}

// Where `s` is among the strings this plan wrote: after the first search, the old table cannot hold it.
std::optional<uint64_t> find_written(const DynstrEdits& t, const std::string& s) {
  for (const auto& [at, w] : t.writes)
    if (auto k = find_in(reinterpret_cast<const uint8_t*>(w.data()), w.size(), s)) return at + *k;
  if (auto k = find_in(reinterpret_cast<const uint8_t*>(t.tail.data()), t.tail.size(), s)) return t.old_size + *k;
  return std::nullopt;
}

// Which bytes of the old table a reference reads: the strings of every reader that does not change, and the
// requests already placed in it (offsets other than UINT64_MAX).
LiveBytes live_bytes(const ElfFile& f, ByteView table, const std::vector<uint64_t>& placed) {
  LiveBytes live(table.size());
  live.set(0, 1);
  for (const auto& s : f.dynsyms) live.mark_string(table, s.name);
  for (auto n : f.verdef_names) live.mark_string(table, n);
  for (const auto& v : f.verneeds)
    for (const auto& a : v.aux) live.mark_string(table, a.name);
  for (uint64_t at : placed)
    if (at != UINT64_MAX) live.mark_string(table, at);
  return live;
}

}  // namespace

std::optional<std::string> DynstrEdits::string_at(ByteView old, uint64_t off) const {
  if (off >= old_size) {
    const uint64_t k = off - old_size;
    const size_t nul = k < tail.size() ? tail.find('\0', k) : std::string::npos;
    if (nul == std::string::npos) return std::nullopt;
    return tail.substr(k, nul - k);
  }
  // Most strings lie in old bytes no write touched.
  if (off < old.size()) {
    const void* nul = std::memchr(old.data() + off, 0, old.size() - off);
    if (nul) {
      const uint64_t end = static_cast<uint64_t>(static_cast<const uint8_t*>(nul) - old.data());
      bool overlaps = false;
      for (const auto& [at, w] : writes) overlaps |= at <= end && off < at + w.size();
      if (!overlaps) return std::string(reinterpret_cast<const char*>(old.data()) + off, end - off);
    }
  }
  // Byte by byte, writes over old bytes, into the tail when the old table does not end in a NUL.
  std::string out;
  for (uint64_t p = off;; ++p) {
    int b = -1;
    for (const auto& [at, w] : writes)
      if (p >= at && p < at + w.size()) b = static_cast<uint8_t>(w[p - at]);
    if (b < 0 && p < old_size) b = p < old.size() ? old.data()[p] : -1;
    if (b < 0 && p >= old_size && p - old_size < tail.size()) b = static_cast<uint8_t>(tail[p - old_size]);
    if (b < 0) return std::nullopt;
    if (b == 0) return out;
    out.push_back(static_cast<char>(b));
  }
}

StringPlan allocate_strings(const ElfFile& f, const std::vector<StringRequest>& requests) {
  StringPlan out;
  const ByteView old = f.span(f.dynstr_offset, f.dynstr_size).value_or(ByteView());
  DynstrEdits& t = out.table;
  t.old_size = old.size();
  if (old.empty()) t.tail.push_back('\0');  // a table starts with the empty string

  out.offsets.assign(requests.size(), UINT64_MAX);
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    if (r.old_offset && t.string_at(old, *r.old_offset) == r.value) out.offsets[i] = *r.old_offset;
  }
  for (size_t i = 0; i < requests.size(); ++i) {
    if (out.offsets[i] != UINT64_MAX) continue;
    if (auto at = find_in(old.data(), old.size(), requests[i].value)) out.offsets[i] = *at;
  }
  // Which bytes are read is worked out only when a string must be written, from the references above.
  std::optional<LiveBytes> live;
  const bool complete = references_complete(f);
  for (size_t i = 0; i < requests.size(); ++i) {
    if (out.offsets[i] != UINT64_MAX) continue;
    const std::string& s = requests[i].value;
    if (auto at = find_written(t, s)) {  // written by an earlier request
      out.offsets[i] = *at;
      continue;
    }
    const uint64_t need = s.size() + 1;
    if (complete) {
      if (!live) live = live_bytes(f, old, out.offsets);
      // First fit in a run of bytes nobody reads.
      if (auto start = live->first_free_run(need)) {
        t.writes.push_back({*start, s + '\0'});
        live->set(*start, *start + need);
        out.offsets[i] = *start;
        out.rewritten += need;
        continue;
      }
    }
    out.offsets[i] = t.size();
    t.tail += s;
    t.tail.push_back('\0');
    out.appended += need;
  }
  return out;
}

}  // namespace ferry::patch
