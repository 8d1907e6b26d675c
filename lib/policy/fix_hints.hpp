// Fix hints for offending symbol versions: which older versions of the same symbol exist (learned from the
// dynamic symbol tables of the build machine's or a sysroot's libc/libm/libstdc++/libgcc_s: every version node
// a symbol was ever exported under stays there, old ones as non-default sym@VER), the likely cause and the
// remedy. Causes follow compat.md's table (crt1.o, _FILE_OFFSET_BITS=64, -ffast-math, FORTIFY, new libstdc++).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "elf/elf_info.hpp"
#include "policy/policy.hpp"

namespace ferry::policy {

class SymbolCatalog {
public:
  // Records every defined, versioned dynamic symbol of `lib` under `soname`.
  void add_library(const std::string& soname, const elf::ElfInfo& lib);
  // Full version names ("GLIBC_2.2.5") under which `symbol` is defined in `soname`, oldest first. glibc moved
  // libpthread/libdl/librt symbols into libc.so.6 in 2.34, so those fall back to libc.so.6.
  std::vector<std::string> versions_of(const std::string& soname, const std::string& symbol) const;
  bool empty() const { return defs_.empty(); }
  const std::vector<std::string>& sources() const { return sources_; }

private:
  std::map<std::string, std::map<std::string, std::vector<std::string>>> defs_;
  std::vector<std::string> sources_;
};

// Reads libc.so.6, libm.so.6, libpthread.so.0, libdl.so.2, librt.so.1, libstdc++.so.6 and libgcc_s.so.1 of a
// root ("" or "/" = this machine) for an architecture (x86_64, i686, aarch64, ...). Libraries that are absent are
// skipped; an empty catalog is not an error.
SymbolCatalog load_symbol_catalog(const std::string& root, const std::string& arch);

// The system library `soname` of a root for an architecture (multiarch, lib64, lib directories), decoded.
std::optional<elf::ElfInfo> find_root_library(const std::string& root, const std::string& arch,
                                              const std::string& soname);

// Fills Issue::hint for every symbol_version / missing_version issue of the verdict. `catalog` may be empty
// (then only causes and generic remedies are given).
void add_fix_hints(TargetVerdict& verdict, const Target& target, const SymbolCatalog& catalog);

}  // namespace ferry::policy
