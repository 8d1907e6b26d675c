// Facts a lowering plan needs, read the way the loader reads them: every imported symbol's version
// requirement (.gnu.version -> a Vernaux of .gnu.version_r), the Verneed list, PT_INTERP and DT_RELR.

#include <set>

#include "elf/elf_constants.hpp"
#include "lower/lower_passes.hpp"

namespace ferry::lower {

namespace {

// .dynsym indices that a RELA entry other than a PLT slot's (JUMP_SLOT) refers to: calls through such a GOT
// entry do not pass through the PLT, where ferry's call glue sits, so the plan refuses glue for them instead of
// apply failing later. One pass over the 64-bit relocation tables (the only ones call glue exists for).
std::set<uint64_t> symbols_via_got(const patch::ElfFile& f) {
  std::set<uint64_t> out;
  const uint32_t jump_slot = f.e_machine == elf::em::aarch64 ? elf::r_aarch64::jump_slot : elf::r_x86_64::jump_slot;
  for_each_rela(f, [&](const RelaEntry& r) {
    if (r.type != jump_slot && r.sym != 0) out.insert(r.sym);
  });
  return out;
}

}  // namespace

Result<Facts> read_facts(ByteView bytes, const std::string& name) {
  FERRY_TRY(f, patch::read_elf_file_for_patch(bytes, name));
  return gather(f);
}

Result<Facts> gather(const patch::ElfFile& f) {
  Facts facts;
  facts.is_program = f.has_interp();
  facts.relr = f.find_dyn(elf::dt::relr).has_value();
  if (facts.relr) {
    FERRY_TRY(relr, decode_relr(f));
    facts.relr_count = relr.size();
  }
  facts.gnu_hash_only = f.find_dyn(elf::dt::gnu_hash).has_value() && !f.find_dyn(elf::dt::hash).has_value();
  facts.machine = f.e_machine;
  for (const auto& d : f.dyn)
    if (d.tag == elf::dt::needed)
      if (auto s = f.find_dynstr(d.val)) facts.needed.push_back(*s);
  struct Named { std::string file, version; };
  std::vector<std::pair<uint16_t, Named>> by_index;
  for (const auto& vn : f.verneeds) {
    auto file = f.find_dynstr(vn.file);
    if (!file) return f.error("Verneed: vn_file is not a .dynstr string");
    for (const auto& a : vn.aux) {
      auto name = f.find_dynstr(a.name);
      if (!name) return f.error("Vernaux of " + *file + ": vna_name is not a .dynstr string");
      by_index.push_back({a.other, {*file, *name}});
      facts.versions.emplace_back(*file, *name);
    }
  }
  if (!f.versym_offset || by_index.empty()) return facts;
  const std::set<uint64_t> via_got = symbols_via_got(f);
  for (uint64_t i = 0; i < f.dynsyms.size(); ++i) {
    // Undefined symbols, and copies of library data (R_X86_64_COPY: defined here, versioned by a Vernaux).
    uint64_t at = *f.versym_offset + 2 * i;
    if (at + 2 > f.bytes.size()) return f.error(".gnu.version: entry " + std::to_string(i) + " is past the end", at);
    uint16_t v = uint16_t(f.c.get(f.bytes.data() + at, 2) & 0x7fff);
    for (const auto& [other, named] : by_index) {
      if (other != v) continue;
      auto name = f.find_dynstr(f.dynsyms[i].name);
      if (!name) return f.error(".dynsym #" + std::to_string(i) + ": name is not a .dynstr string");
      facts.requirements.push_back({i, *name, named.file, named.version, other, via_got.count(i) > 0});
      break;
    }
  }
  return facts;
}

}  // namespace ferry::lower
