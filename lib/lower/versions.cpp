// The version-table edit of a lowering: each rebound symbol's .gnu.version entry points at a Vernaux of its
// older version (added under the library's Verneed, or a new Verneed for a moved symbol's old library), and
// Vernaux entries no symbol uses any more that the target lacks are dropped (the loader checks every one).
// The table is rewritten in place, or after a segment (reserve_after_segment) when it grew.

#include <algorithm>
#include <cstring>
#include <map>

#include "elf/elf_constants.hpp"
#include "elf/symbol_hash.hpp"
#include "lower/lower_passes.hpp"

namespace ferry::lower {

namespace {

struct Aux { uint32_t name = 0, hash = 0; uint16_t flags = 0, other = 0; std::string version; };
struct Need { uint32_t file = 0; std::string library; std::vector<Aux> aux; };

// Offset of `s` as a NUL-terminated string inside .dynstr (also as the tail of a longer string).
std::optional<uint32_t> find_string(const patch::ElfFile& f, const std::string& s) {
  if (!f.has_dynstr || f.dynstr_offset + f.dynstr_size > f.bytes.size()) return std::nullopt;
  const uint8_t* t = f.bytes.data() + f.dynstr_offset;
  for (uint64_t o = 0; o + s.size() < f.dynstr_size; ++o)
    if (t[o + s.size()] == 0 && std::memcmp(t + o, s.data(), s.size()) == 0) return uint32_t(o);
  return std::nullopt;
}

std::vector<uint8_t> encode(const patch::Codec& c, const std::vector<Need>& needs) {
  std::vector<uint8_t> b;
  for (size_t i = 0; i < needs.size(); ++i) {
    const Need& n = needs[i];
    size_t at = b.size();
    b.resize(at + 16 * (1 + n.aux.size()));
    c.put(&b[at], 2, 1);
    c.put(&b[at + 2], 2, n.aux.size());
    c.put(&b[at + 4], 4, n.file);
    c.put(&b[at + 8], 4, 16);
    c.put(&b[at + 12], 4, i + 1 < needs.size() ? 16 * (1 + n.aux.size()) : 0);
    for (size_t j = 0; j < n.aux.size(); ++j) {
      uint8_t* a = &b[at + 16 * (1 + j)];
      c.put(a, 4, n.aux[j].hash);
      c.put(a + 4, 2, n.aux[j].flags);
      c.put(a + 6, 2, n.aux[j].other);
      c.put(a + 8, 4, n.aux[j].name);
      c.put(a + 12, 4, j + 1 < n.aux.size() ? 16 : 0);
    }
  }
  return b;
}

void set_dyn(const patch::ElfFile& f, std::vector<uint8_t>& out, int64_t tag, uint64_t val) {
  for (size_t k = 0; k < f.dyn.size(); ++k)
    if (f.dyn[k].tag == tag) f.c.put(&out[f.dynamic_offset + k * f.c.dynent() + f.c.word_size()], int(f.c.word_size()), val);
}

}  // namespace

Status rewrite_versions(const patch::ElfFile& f, std::vector<uint8_t>& out, const Plan& plan,
                        const policy::Target& target, std::vector<std::string>& steps) {
  FERRY_TRY(facts, gather(f));  // also checks every Verneed string and .gnu.version entry is readable
  if (!f.versym_offset || !f.verneed_offset || !f.find_dyn(elf::dt::verneed))
    return f.error("no version tables to rewrite", std::nullopt, ErrorCode::unsupported);
  std::vector<Need> needs;
  uint16_t next = uint16_t(f.verdef_names.size() + 1);
  for (const auto& vn : f.verneeds) {
    Need n{vn.file, f.find_dynstr(vn.file).value_or(""), {}};
    for (const auto& a : vn.aux) {
      n.aux.push_back({a.name, a.hash, a.flags, a.other, f.find_dynstr(a.name).value_or("")});
      next = std::max<uint16_t>(next, uint16_t(a.other + 1));
    }
    needs.push_back(std::move(n));
  }
  std::map<uint64_t, uint16_t> writes;  // .dynsym index -> new .gnu.version value
  for (const auto& b : plan.bindings) {
    if (b.method == Method::refused || b.method == Method::keep) continue;
    const std::string& name = b.new_symbol.empty() ? b.symbol : b.new_symbol;
    if (b.new_version.empty()) {  // a definition ferry adds: the symbol needs no version any more
      for (const auto& r : facts.requirements)
        if (r.symbol == name && r.library == b.library && r.version == b.version) writes[r.index] = 1;
      continue;
    }
    auto need = std::find_if(needs.begin(), needs.end(), [&](const Need& n) { return n.library == b.new_library; });
    if (need == needs.end()) {
      auto file = find_string(f, b.new_library);
      if (!file) return f.error(".dynstr has no string " + b.new_library, std::nullopt, ErrorCode::unsupported);
      needs.push_back({*file, b.new_library, {}});
      need = needs.end() - 1;
    }
    auto aux = std::find_if(need->aux.begin(), need->aux.end(), [&](const Aux& a) { return a.version == b.new_version; });
    if (aux == need->aux.end()) {
      auto name = find_string(f, b.new_version);
      if (!name) return f.error(".dynstr has no string " + b.new_version + " (needed for " + b.symbol + ")",
                                std::nullopt, ErrorCode::unsupported);
      need->aux.push_back({*name, elf::sysv_hash(b.new_version), 0, next++, b.new_version});
      aux = need->aux.end() - 1;
    }
    for (const auto& r : facts.requirements)
      if (r.symbol == name && r.library == b.library && r.version == b.version) writes[r.index] = aux->other;
  }
  // Users of each version index after the writes; an unused Vernaux the target lacks goes.
  std::map<uint16_t, int> users;
  for (uint64_t i = 0; i < f.dynsyms.size(); ++i) {
    auto w = writes.find(i);
    users[w != writes.end() ? w->second : uint16_t(f.c.get(&out[*f.versym_offset + 2 * i], 2) & 0x7fff)]++;
  }
  for (auto& n : needs)
    std::erase_if(n.aux, [&](const Aux& a) {
      bool drop = users[a.other] == 0 &&
                  (std::any_of(plan.bindings.begin(), plan.bindings.end(), [&](const Binding& b) {
                     return b.version == a.version && b.library == n.library && b.method != Method::refused;
                   }) || (a.version == "GLIBC_ABI_DT_RELR" && plan.has_feature("DT_RELR")));
      if (drop) steps.push_back("drop " + n.library + " " + a.version + " (no symbol needs it now)");
      return drop;
    });
  std::erase_if(needs, [](const Need& n) { return n.aux.empty(); });
  for (auto [i, v] : writes) f.c.put(&out[*f.versym_offset + 2 * i], 2, v);
  auto table = encode(f.c, needs);
  uint64_t vaddr = *f.find_dyn(elf::dt::verneed), offset = *f.verneed_offset;
  if (table.size() > f.verneed_bytes) {
    FERRY_TRY(room, reserve_after_segment(f, out, table.size(), false));
    offset = room.offset, vaddr = room.vaddr;
    set_dyn(f, out, elf::dt::verneed, vaddr);
    steps.push_back(".gnu.version_r: " + std::to_string(table.size()) + " bytes moved after segment " +
                    std::to_string(room.phdr) + " (it grew)");
  } else {
    std::fill(out.begin() + offset, out.begin() + offset + f.verneed_bytes, 0);
  }
  std::copy(table.begin(), table.end(), out.begin() + offset);
  set_dyn(f, out, elf::dt::verneednum, needs.size());
  for (size_t i = 0; i < f.shdrs.size(); ++i) {
    if (f.shdrs[i].type != elf::sht::gnu_verneed) continue;
    patch::Shdr s = f.shdrs[i];
    uint8_t* h = &out[f.e_shoff + i * f.c.shent()];
    bool w = f.is64();
    f.c.put(h + (w ? 16 : 12), int(f.c.word_size()), vaddr);
    f.c.put(h + (w ? 24 : 16), int(f.c.word_size()), offset);
    f.c.put(h + (w ? 32 : 20), int(f.c.word_size()), table.size());
    f.c.put(h + (w ? 44 : 28), 4, needs.size());
    (void)s;
  }
  (void)target;
  steps.push_back(".gnu.version: " + std::to_string(writes.size()) + " symbols rebound; .gnu.version_r: " +
                  std::to_string(needs.size()) + " Verneed entries");
  return {};
}

}  // namespace ferry::lower
