// DT_HASH for glibc < 2.5 (which reads no DT_GNU_HASH), or on request (--add-dt-hash): a SysV hash table of every
// .dynsym entry, built from the symbols' names, placed after a segment or in a PT_LOAD of its own, and named by a
// DT_HASH entry in a spare slot of the dynamic section (GNU ld leaves some). DT_GNU_HASH stays for newer loaders.

#include "elf/elf_constants.hpp"
#include "elf/symbol_hash.hpp"
#include "lower/lower_passes.hpp"

namespace ferry::lower {

namespace {

// Bucket count as GNU ld chooses it: the largest of its primes not above the symbol count.
uint32_t bucket_count(uint64_t symbols) {
  static const uint32_t primes[] = {1, 3, 17, 37, 67, 97, 131, 197, 263, 521, 1031, 2053, 4099, 8209, 16411, 32771, 65537};
  uint32_t n = 1;
  for (uint32_t p : primes)
    if (p <= symbols) n = p;
  return n;
}

}  // namespace

Result<std::vector<uint8_t>> sysv_hash_table(const patch::ElfFile& f) {
  const uint64_t n = f.dynsyms.size();
  if (n == 0 || n > UINT32_MAX) return f.error("no dynamic symbols to hash", std::nullopt, ErrorCode::unsupported);
  const uint32_t nbucket = bucket_count(n);
  std::vector<uint32_t> words(2 + nbucket + n, 0);
  words[0] = nbucket;
  words[1] = uint32_t(n);
  uint32_t* bucket = &words[2];
  uint32_t* chain = &words[2 + nbucket];
  for (uint64_t i = n; i-- > 1;) {  // index 0 is STN_UNDEF; chains end at 0
    auto name = f.find_dynstr(f.dynsyms[i].name);
    if (!name) return f.error(".dynsym #" + std::to_string(i) + ": name is not a .dynstr string");
    uint32_t h = elf::sysv_hash(*name) % nbucket;
    chain[i] = bucket[h];
    bucket[h] = uint32_t(i);
  }
  std::vector<uint8_t> b(4 * words.size());
  for (size_t i = 0; i < words.size(); ++i) f.c.put(&b[4 * i], 4, words[i]);
  return b;
}

Status add_dt_hash(const patch::ElfFile& f, std::vector<uint8_t>& out, std::vector<std::string>& steps) {
  if (f.find_dyn(elf::dt::hash)) return {};
  if (!f.dynsym_count || f.dynsyms.size() != *f.dynsym_count)
    return f.error("DT_HASH: the dynamic symbol count is unknown", std::nullopt, ErrorCode::unsupported);
  FERRY_TRY(table, sysv_hash_table(f));
  auto dyn = f.dyn;
  dyn.push_back({elf::dt::hash, 0});
  if (dyn.size() + 1 > f.dynamic_capacity)  // checked before room is taken
    return f.error("DT_HASH: no spare entry in the dynamic section", f.dynamic_offset, ErrorCode::unsupported);
  FERRY_TRY(room, reserve_after_segment(f, out, table.size(), false));
  std::copy(table.begin(), table.end(), out.begin() + room.offset);
  dyn.back().val = room.vaddr;
  FERRY_CHECK(write_dynamic(f, out, dyn));
  steps.push_back("DT_HASH: SysV hash table of " + std::to_string(f.dynsyms.size()) + " symbols (" +
                  std::to_string(table.size()) + " bytes after segment " + std::to_string(room.phdr) + ") added");
  return {};
}

}  // namespace ferry::lower
