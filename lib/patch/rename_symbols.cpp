// --rename-dynamic-symbols: new names for dynamic symbols, with the SysV (DT_HASH) and GNU (DT_GNU_HASH) hash
// tables rebuilt so the loader finds each symbol under its new name. A GNU hash chain holds the symbols of one
// bucket next to each other, so the hashed symbols are put in bucket order (stable) when the new names break it;
// .gnu.version and the symbol indices of the dynamic relocations follow that order. Every table keeps its size
// and place. Verification looks every hashed symbol up through both tables and checks each relocation still
// names the (renamed) symbol it named before.
#include <elf.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "elf/symbol_hash.hpp"
#include "patch/layout_plan.hpp"

namespace ferry::patch {

namespace {

using elf::gnu_hash;
using elf::sysv_hash;

// A table of relocations the loader applies: its file range and entry shape.
struct RelocTable {
  uint64_t offset = 0, size = 0, entsize = 0;
};

// The dynamic relocation tables (DT_RELA, DT_REL, DT_JMPREL) and any relocation section linked to .dynsym.
Result<std::vector<RelocTable>> relocation_tables(const ElfFile& f) {
  std::vector<RelocTable> out;
  const Codec& c = f.c;
  const uint64_t rela_ent = 3 * c.word_size(), rel_ent = 2 * c.word_size();
  auto add = [&](uint64_t vaddr, uint64_t size, uint64_t ent, const char* what) -> Status {
    if (!size) return {};
    auto off = f.find_offset(vaddr, size);
    if (!off) return f.error(std::string(what) + " " + hex(vaddr) + " (size " + hex(size) + ") is not mapped from the file");
    out.push_back({*off, size, ent});
    return {};
  };
  if (auto a = f.find_dyn(DT_RELA)) FERRY_CHECK(add(*a, f.find_dyn(DT_RELASZ).value_or(0), rela_ent, "DT_RELA"));
  if (auto a = f.find_dyn(DT_REL)) FERRY_CHECK(add(*a, f.find_dyn(DT_RELSZ).value_or(0), rel_ent, "DT_REL"));
  if (auto a = f.find_dyn(DT_JMPREL))
    FERRY_CHECK(add(*a, f.find_dyn(DT_PLTRELSZ).value_or(0), f.find_dyn(DT_PLTREL) == DT_REL ? rel_ent : rela_ent,
                    "DT_JMPREL"));
  std::optional<size_t> dynsym;
  for (size_t i = 1; i < f.shdrs.size(); ++i)
    if (f.shdrs[i].type == SHT_DYNSYM) dynsym = i;
  for (const auto& s : f.shdrs)
    if ((s.type == SHT_RELA || s.type == SHT_REL) && dynsym && s.link == *dynsym && s.size &&
        f.in_file(s.offset, s.size))
      out.push_back({s.offset, s.size, s.type == SHT_RELA ? rela_ent : rel_ent});
  return out;
}

uint64_t reloc_sym(const Codec& c, uint64_t info) { return c.is64 ? info >> 32 : info >> 8; }
uint64_t reloc_with_sym(const Codec& c, uint64_t info, uint64_t sym) {
  return c.is64 ? (info & 0xffffffffu) | (sym << 32) : (info & 0xffu) | (sym << 8);
}

// Each relocation entry's file offset once (the tables may overlap: DT_RELASZ can include .rela.plt), in table
// order (DT_RELA, DT_REL, DT_JMPREL, then sections), so the input's and output's lists pair up even when a
// table moved.
std::vector<uint64_t> relocation_entries(const std::vector<RelocTable>& tables) {
  std::set<uint64_t> seen;
  std::vector<uint64_t> out;
  for (const auto& t : tables)
    for (uint64_t o = 0; o + t.entsize <= t.size; o += t.entsize)
      if (seen.insert(t.offset + o).second) out.push_back(t.offset + o);
  return out;
}

struct GnuHashHeader {
  uint64_t offset = 0;  // file offset of the table
  uint32_t nbuckets = 0, symoffset = 0, bloom = 0, shift2 = 0;
  uint64_t bloom_at = 0, buckets_at = 0, chain_at = 0;  // file offsets
  uint64_t chain_capacity = 0;  // chain entries the table really has
  bool empty = false;           // every bucket is 0: nothing is found through it
};

std::optional<GnuHashHeader> gnu_hash_header(const ElfFile& f, uint64_t nsyms) {
  auto h = f.find_dyn(DT_GNU_HASH);
  if (!h) return std::nullopt;
  auto off = f.find_offset(*h, 16);
  if (!off) return std::nullopt;
  const Codec& c = f.c;
  GnuHashHeader g;
  g.offset = *off;
  auto head = f.span(*off, 16);
  if (!head) return std::nullopt;
  const uint8_t* p = head->data();
  g.nbuckets = static_cast<uint32_t>(c.get(p, 4));
  g.symoffset = static_cast<uint32_t>(c.get(p + 4, 4));
  g.bloom = static_cast<uint32_t>(c.get(p + 8, 4));
  g.shift2 = static_cast<uint32_t>(c.get(p + 12, 4));
  // shift2 shifts a 32-bit hash: 32 or more is no table a linker writes (and undefined behaviour to apply).
  if (g.nbuckets == 0 || g.bloom == 0 || g.symoffset > nsyms || g.shift2 >= 32) return std::nullopt;
  uint64_t chain = nsyms - g.symoffset;
  uint64_t bytes = 16 + uint64_t(g.bloom) * c.word_size() + uint64_t(g.nbuckets) * 4 + chain * 4;
  if (!f.find_offset(*h, bytes)) return std::nullopt;
  g.bloom_at = *off + 16;
  g.buckets_at = g.bloom_at + uint64_t(g.bloom) * c.word_size();
  g.chain_at = g.buckets_at + uint64_t(g.nbuckets) * 4;
  // The section, when there is one, says how many chain entries really exist: a program's table whose buckets
  // are all empty may stop before the chain (GNU ld on AArch64 does), and writing one would overwrite what follows.
  g.chain_capacity = chain;
  if (auto s = f.find_section_by_addr(*h, SHT_GNU_HASH)) {
    uint64_t size = f.shdrs[*s].size, head = g.chain_at - *off;
    g.chain_capacity = size >= head ? std::min<uint64_t>(chain, (size - head) / 4) : 0;
  }
  g.empty = true;
  for (uint64_t i = 0; i < g.nbuckets; ++i) g.empty &= f.get(g.buckets_at + 4 * i, 4) == 0;
  return g;
}

struct SysvHashHeader {
  uint64_t offset = 0;
  uint32_t nbuckets = 0, nchain = 0;
  int word = 4;  // 8 on 64-bit s390 and Alpha, whose .hash entries are 64-bit
};

std::optional<SysvHashHeader> sysv_hash_header(const ElfFile& f) {
  auto h = f.find_dyn(DT_HASH);
  if (!h) return std::nullopt;
  SysvHashHeader s;
  s.word = f.c.is64 && (f.e_machine == EM_S390 || f.e_machine == EM_ALPHA) ? 8 : 4;
  auto off = f.find_offset(*h, 2 * s.word);
  if (!off) return std::nullopt;
  s.offset = *off;
  uint64_t nb = f.get(*off, s.word), nc = f.get(*off + s.word, s.word);
  if (nb == 0 || nb > (1u << 28) || nc > (1u << 28)) return std::nullopt;
  s.nbuckets = static_cast<uint32_t>(nb);
  s.nchain = static_cast<uint32_t>(nc);
  const uint64_t bytes = s.word * (2 + uint64_t(s.nbuckets) + s.nchain);
  if (!f.find_offset(*h, bytes)) return std::nullopt;
  if (auto sec = f.find_section_by_addr(*h, SHT_HASH); sec && f.shdrs[*sec].size < bytes) return std::nullopt;
  return s;
}

// Why the hashed symbols may not be put in another order: tables that index symbols which ferry does not rewrite.
std::optional<std::string> reorder_blocker(const ElfFile& f, const GnuHashHeader& g) {
  if (f.e_machine == EM_MIPS || f.e_machine == EM_MIPS_RS3_LE) return "MIPS ties the dynamic symbol order to its GOT";
  if (f.find_dyn(DT_SYMINFO)) return "DT_SYMINFO is indexed by symbol";
  if (f.find_dyn(0x6000000f) || f.find_dyn(0x60000011)) return "Android packed relocations are not rewritten";
  for (const auto& s : f.shdrs)
    if (s.type == SHT_SYMTAB_SHNDX) return "SHT_SYMTAB_SHNDX is indexed by symbol";
  for (const auto& s : f.shdrs)
    if (s.type == SHT_DYNSYM && s.info > g.symoffset) return ".dynsym has local symbols after the hashed ones begin";
  return std::nullopt;
}

// Whether symbol i can be looked up in this object: defined here and not local.
bool exported(const ElfFile& f, uint64_t i) {
  if (!f.dynsym_offset || i >= f.dynsyms.size() || f.dynsyms[i].shndx == SHN_UNDEF) return false;
  uint8_t info = f.byte_at(*f.dynsym_offset + i * f.c.syment() + (f.c.is64 ? 4 : 12));
  return (info >> 4) != STB_LOCAL;
}

}  // namespace

Status resolve_renames(const ElfFile& f, const Edits& e, TargetState& t) {
  if (e.rename_dynamic_symbols.empty()) return {};
  std::map<std::string, std::string> map(e.rename_dynamic_symbols.begin(), e.rename_dynamic_symbols.end());
  if (f.find_dyn(DT_SYMTAB) && !f.dynsym_offset)
    return f.error("--rename-dynamic-symbols: the number of dynamic symbols is unknown (no section headers, "
                   "DT_HASH or DT_GNU_HASH)", std::nullopt, ErrorCode::unsupported);
  size_t n = 0;
  for (uint64_t i = 1; i < f.dynsyms.size(); ++i) {
    auto name = f.find_dynstr(f.dynsyms[i].name);
    if (!name) continue;
    auto it = map.find(*name);
    if (it == map.end() || it->second == *name) continue;
    t.renames.push_back({i, it->second});
    ++n;
  }
  if (n) t.notes.push_back("rename-dynamic-symbols: " + std::to_string(n) + " symbol(s) renamed");
  return {};
}

namespace {

// .dynsym's records with the new st_name offsets, and every symbol's final name.
std::vector<uint8_t> renamed_records(const ElfFile& f, const TargetState& t, const std::vector<uint64_t>& name_offsets,
                                     const DynstrEdits& dynstr, std::vector<std::string>& names) {
  const Codec& c = f.c;
  const uint64_t n = f.dynsyms.size(), ent = c.syment();
  const uint64_t name_field = 0;  // st_name is the first word in both classes
  std::vector<uint8_t> syms(n * ent, 0);
  if (auto in = f.span(*f.dynsym_offset, n * ent)) std::copy_n(in->data(), n * ent, syms.data());
  for (size_t r = 0; r < t.renames.size(); ++r)
    c.put(syms.data() + t.renames[r].index * ent + name_field, 4, name_offsets[r]);
  names.assign(n, std::string());
  const ByteView old = f.span(f.dynstr_offset, f.dynstr_size).value_or(ByteView());
  for (uint64_t i = 0; i < n; ++i) names[i] = dynstr.string_at(old, c.get(syms.data() + i * ent, 4)).value_or("");
  return syms;
}

// The GNU hash table to rebuild, if any: none when it hashes nothing and nothing it would hash is defined (a
// table with no room for a chain stays as it is).
Result<std::optional<GnuHashHeader>> gnu_table(const ElfFile& f, uint64_t n, LayoutPlan& lp) {
  auto gnu = gnu_hash_header(f, n);
  if (f.find_dyn(DT_GNU_HASH) && !gnu)
    return f.error("--rename-dynamic-symbols: DT_GNU_HASH is malformed or not mapped from the file", std::nullopt,
                   ErrorCode::unsupported);
  if (gnu && gnu->chain_capacity < n - gnu->symoffset) {
    // A table with no room for the chain can only be one that hashes nothing; it stays so when nothing it
    // would have to hash is defined (a program whose dynamic symbols are all imports).
    bool defined = false;  // anything it would have to find
    for (uint64_t i = gnu->symoffset; i < n; ++i) defined |= exported(f, i);
    if (!gnu->empty || defined)
      return f.error("--rename-dynamic-symbols: DT_GNU_HASH has room for " + std::to_string(gnu->chain_capacity) +
                     " chain entries, not the " + std::to_string(n - gnu->symoffset) + " its symbols need",
                     gnu->offset, ErrorCode::unsupported);
    gnu.reset();
    lp.steps.push_back("rename-dynamic-symbols: DT_GNU_HASH hashes no symbol and stays as it is");
  }
  return gnu;
}

// The new order (new index -> old index): identity, unless the GNU hash table needs its symbols grouped by
// bucket. `hashes`: each hashed symbol's GNU hash, by old index.
Result<std::vector<uint64_t>> bucket_order(const ElfFile& f, const std::optional<GnuHashHeader>& gnu,
                                           const std::vector<std::string>& names, std::vector<uint32_t>& hashes,
                                           LayoutPlan& lp) {
  const uint64_t n = names.size();
  std::vector<uint64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  hashes.assign(n, 0);
  if (!gnu) return order;
  for (uint64_t i = gnu->symoffset; i < n; ++i) hashes[i] = gnu_hash(names[i]);
  auto bucket = [&](uint64_t i) { return hashes[i] % gnu->nbuckets; };
  std::stable_sort(order.begin() + gnu->symoffset, order.end(), [&](uint64_t a, uint64_t b) { return bucket(a) < bucket(b); });
  bool moved = false;
  for (uint64_t i = 0; i < n; ++i) moved |= order[i] != i;
  if (moved) {
    if (auto why = reorder_blocker(f, *gnu))
      return f.error("--rename-dynamic-symbols: the GNU hash table needs the symbols in another order, which "
                     "this file does not allow (" + *why + ")", std::nullopt, ErrorCode::unsupported);
    lp.steps.push_back("rename-dynamic-symbols: hashed symbols put in GNU hash bucket order; .gnu.version and "
                       "relocations follow");
  }
  return order;
}

// .gnu.version and the relocations' symbol indices in the new order.
Status reorder_versions_and_relocations(const ElfFile& f, const std::vector<uint64_t>& order, LayoutPlan& lp) {
  const Codec& c = f.c;
  const uint64_t n = order.size();
  std::vector<uint64_t> old2new(n);
  for (uint64_t i = 0; i < n; ++i) old2new[order[i]] = i;
  if (f.versym_offset) {
    std::vector<uint8_t> vs(2 * n);
    auto in = f.span(*f.versym_offset, 2 * n);
    if (!in) return f.error(".gnu.version: " + std::to_string(n) + " entries are not in the file", *f.versym_offset);
    for (uint64_t k = 0; k < n; ++k) std::copy_n(in->data() + 2 * order[k], 2, vs.data() + 2 * k);
    lp.table_writes.push_back({*f.versym_offset, std::move(vs), ".gnu.version"});
  }
  FERRY_TRY(tables, relocation_tables(f));
  const uint64_t w = c.word_size();
  for (uint64_t at : relocation_entries(tables)) {
    uint64_t info = f.get(at + w, static_cast<int>(w));
    uint64_t sym = reloc_sym(c, info);
    if (sym == 0 || sym >= n || old2new[sym] == sym) {
      if (sym >= n) return f.error("relocation at " + hex(at) + " names symbol #" + std::to_string(sym) +
                                   " past the end of .dynsym (" + std::to_string(n) + ")", at);
      continue;
    }
    std::vector<uint8_t> word(w);
    c.put(word.data(), static_cast<int>(w), reloc_with_sym(c, info, old2new[sym]));
    lp.table_writes.push_back({at + w, std::move(word), "r_info"});
  }
  return {};
}

// GNU hash: bloom filter, buckets and chain for the new order.
LayoutPlan::TableWrite gnu_hash_write(const Codec& c, const GnuHashHeader& gnu, const std::vector<uint32_t>& hashes,
                                      const std::vector<uint64_t>& order) {
  const uint64_t n = order.size(), bits = c.is64 ? 64 : 32;
  std::vector<uint64_t> bloom(gnu.bloom, 0);
  std::vector<uint32_t> buckets(gnu.nbuckets, 0), chain(n - gnu.symoffset, 0);
  for (uint64_t k = gnu.symoffset; k < n; ++k) {
    uint32_t h = hashes[order[k]];
    bloom[(h / bits) % gnu.bloom] |= (uint64_t(1) << (h % bits)) | (uint64_t(1) << ((h >> gnu.shift2) % bits));
    uint32_t b = h % gnu.nbuckets;
    if (!buckets[b]) buckets[b] = static_cast<uint32_t>(k);
    bool last = k + 1 == n || hashes[order[k + 1]] % gnu.nbuckets != b;
    chain[k - gnu.symoffset] = last ? (h | 1u) : (h & ~1u);
  }
  std::vector<uint8_t> bytes(gnu.chain_at + chain.size() * 4 - gnu.bloom_at);
  uint8_t* p = bytes.data();
  for (auto v : bloom) c.put(p, static_cast<int>(c.word_size()), v), p += c.word_size();
  for (auto v : buckets) c.put(p, 4, v), p += 4;
  for (auto v : chain) c.put(p, 4, v), p += 4;
  return {gnu.bloom_at, std::move(bytes), ".gnu.hash"};
}

// SysV hash: buckets and chains (the chain array is indexed by symbol).
Status plan_sysv_hash(const ElfFile& f, const std::vector<std::string>& names, const std::vector<uint64_t>& order,
                      LayoutPlan& lp) {
  const Codec& c = f.c;
  const uint64_t n = order.size();
  auto sv = sysv_hash_header(f);
  if (!sv) {
    if (f.find_dyn(DT_HASH))
      return f.error("--rename-dynamic-symbols: DT_HASH is malformed or not mapped from the file", std::nullopt,
                     ErrorCode::unsupported);
    return {};
  }
  if (sv->nchain != n)
    return f.error("--rename-dynamic-symbols: DT_HASH has " + std::to_string(sv->nchain) + " chain entries for " +
                   std::to_string(n) + " dynamic symbols", sv->offset, ErrorCode::unsupported);
  std::vector<uint32_t> buckets(sv->nbuckets, 0), chain(n, 0);
  for (uint64_t k = 1; k < n; ++k) {
    uint32_t b = sysv_hash(names[order[k]]) % sv->nbuckets;
    chain[k] = buckets[b];
    buckets[b] = static_cast<uint32_t>(k);
  }
  const int hw = sv->word;
  std::vector<uint8_t> bytes(hw * (buckets.size() + chain.size()));
  uint8_t* p = bytes.data();
  for (auto v : buckets) c.put(p, hw, v), p += hw;
  for (auto v : chain) c.put(p, hw, v), p += hw;
  lp.table_writes.push_back({sv->offset + 2 * hw, std::move(bytes), ".hash"});
  return {};
}

}  // namespace

// The renames as table writes, a script of named steps: renamed records and names, the order the GNU hash table
// needs, .dynsym in that order, .gnu.version and relocations following it, then both hash tables rebuilt.
Status plan_renames(const ElfFile& f, const TargetState& t, const std::vector<uint64_t>& name_offsets,
                    LayoutPlan& lp) {
  if (t.renames.empty()) return {};
  const uint64_t n = f.dynsyms.size(), ent = f.c.syment();
  std::vector<std::string> names;
  const std::vector<uint8_t> syms = renamed_records(f, t, name_offsets, lp.dynstr, names);
  lp.symbols_renamed = true;
  lp.expected_symbol_names = names;
  FERRY_TRY(gnu, gnu_table(f, n, lp));
  std::vector<uint32_t> hashes;
  FERRY_TRY(order, bucket_order(f, gnu, names, hashes, lp));
  std::vector<uint64_t> identity(n);
  std::iota(identity.begin(), identity.end(), 0);
  const bool reordered = order != identity;
  lp.symbol_order = reordered ? order : std::vector<uint64_t>{};
  std::vector<uint8_t> out_syms(syms.size());  // .dynsym in the new order
  for (uint64_t k = 0; k < n; ++k) std::copy_n(syms.data() + order[k] * ent, ent, out_syms.data() + k * ent);
  lp.table_writes.push_back({*f.dynsym_offset, std::move(out_syms), ".dynsym"});
  if (reordered) FERRY_CHECK(reorder_versions_and_relocations(f, order, lp));
  if (gnu) lp.table_writes.push_back(gnu_hash_write(f.c, *gnu, hashes, order));
  return plan_sysv_hash(f, names, order, lp);
}

// The output against the plan's promise, read independently of how it was written: symbol k of the output is
// input symbol order[k] with its expected name and its other fields, version and relocations unchanged, and
// looking each hashed name up through DT_GNU_HASH and DT_HASH finds it.
Status verify_renames(const ElfFile& before, const ElfFile& after, const LayoutPlan& lp) {
  if (!lp.symbols_renamed) return {};
  auto bad = [&](const std::string& what) {
    return before.error("verification of the output failed: " + what, std::nullopt, ErrorCode::verify);
  };
  const Codec& c = before.c;
  const uint64_t n = before.dynsyms.size(), ent = c.syment();
  if (after.dynsyms.size() != n || !after.dynsym_offset) return bad("the number of dynamic symbols changed");
  auto order = [&](uint64_t k) { return lp.symbol_order.empty() ? k : lp.symbol_order[k]; };
  std::vector<uint64_t> old2new(n);
  for (uint64_t k = 0; k < n; ++k) old2new[order(k)] = k;
  for (uint64_t k = 0; k < n; ++k) {
    uint64_t o = order(k);
    auto got = after.find_dynstr(after.dynsyms[k].name).value_or("\x01");
    if (got != lp.expected_symbol_names[o])
      return bad("dynamic symbol #" + std::to_string(k) + " reads back as " + got + ", expected " +
                 lp.expected_symbol_names[o]);
    // Fields after st_name; st_value may follow a moved section.
    const uint8_t* a = before.bytes.data() + *before.dynsym_offset + o * ent;
    const uint8_t* b = after.bytes.data() + *after.dynsym_offset + k * ent;
    bool same = c.is64 ? std::equal(a + 4, a + 8, b + 4) && std::equal(a + 16, a + 24, b + 16)
                       : std::equal(a + 8, a + 16, b + 8);
    if (!same || (lp.moves.empty() && before.dynsyms[o].value != after.dynsyms[k].value))
      return bad("dynamic symbol " + got + " changed other than its name");
    if (before.versym_offset && after.versym_offset &&
        c.get(before.bytes.data() + *before.versym_offset + 2 * o, 2) != c.get(after.bytes.data() + *after.versym_offset + 2 * k, 2))
      return bad("the version of dynamic symbol " + got + " changed");
  }
  auto tb = relocation_tables(before), ta = relocation_tables(after);
  if (!tb || !ta) return bad("the relocation tables cannot be read back");
  auto eb = relocation_entries(*tb), ea = relocation_entries(*ta);
  if (eb.size() != ea.size()) return bad("the number of relocations changed");
  const uint64_t w = c.word_size();
  for (size_t i = 0; i < eb.size(); ++i) {
    uint64_t ib = c.get(before.bytes.data() + eb[i] + w, static_cast<int>(w));
    uint64_t ia = c.get(after.bytes.data() + ea[i] + w, static_cast<int>(w));
    uint64_t sb = reloc_sym(c, ib), sa = reloc_sym(c, ia);
    if (reloc_with_sym(c, ib, 0) != reloc_with_sym(c, ia, 0) || sb >= n || sa >= n || old2new[sb] != sa)
      return bad("relocation at " + hex(ea[i]) + " no longer names the symbol it named");
  }
  // Lookups through the rebuilt tables.
  if (auto g = gnu_hash_header(after, n)) {
    const uint8_t* base = after.bytes.data();
    for (uint64_t k = g->symoffset; k < n; ++k) {
      if (!exported(after, k)) continue;  // imports and locals are never looked up in this object
      std::string name = after.find_dynstr(after.dynsyms[k].name).value_or("");
      uint32_t h = gnu_hash(name);
      const uint64_t bits = c.is64 ? 64 : 32;
      uint64_t word = c.get(base + g->bloom_at + ((h / bits) % g->bloom) * w, static_cast<int>(w));
      uint64_t mask = (uint64_t(1) << (h % bits)) | (uint64_t(1) << ((h >> g->shift2) % bits));
      if ((word & mask) != mask) return bad("the GNU hash bloom filter rejects " + name);
      uint64_t i = c.get(base + g->buckets_at + 4 * (h % g->nbuckets), 4);
      bool found = false;
      for (; i >= g->symoffset && i < n; ++i) {
        uint32_t ch = static_cast<uint32_t>(c.get(base + g->chain_at + 4 * (i - g->symoffset), 4));
        if ((ch | 1u) == (h | 1u) && after.find_dynstr(after.dynsyms[i].name) == name) {
          found = i == k || after.dynsyms[i].name == after.dynsyms[k].name;
          break;
        }
        if (ch & 1u) break;
      }
      if (!found) return bad("looking " + name + " up through DT_GNU_HASH does not find it");
    }
  }
  if (auto s = sysv_hash_header(after)) {
    const int hw = s->word;
    const uint8_t* base = after.bytes.data() + s->offset + 2 * hw;
    for (uint64_t k = 1; k < n && k < s->nchain; ++k) {
      if (!exported(after, k)) continue;
      std::string name = after.find_dynstr(after.dynsyms[k].name).value_or("");
      uint64_t i = c.get(base + hw * (sysv_hash(name) % s->nbuckets), hw);
      bool found = false;
      for (uint64_t steps = 0; i != 0 && i < s->nchain && steps <= s->nchain; ++steps) {
        if (after.find_dynstr(after.dynsyms[i].name) == name) {
          found = true;
          break;
        }
        i = c.get(base + hw * (s->nbuckets + i), hw);
      }
      if (!found) return bad("looking " + name + " up through DT_HASH does not find it");
    }
  }
  return {};
}

}  // namespace ferry::patch
