// Test-only builder of decoded ELF facts for policy tests: describes imports by names, not bytes.
#pragma once

#include <algorithm>

#include "elf/elf_info.hpp"

namespace ferry::test {

struct PolicyElf {
  elf::ElfInfo info;
  PolicyElf() {
    info.path = "test.so";
    info.machine = elf::em::x86_64;
    info.machine_name = "x86_64";
    info.kind = elf::Kind::shared_object;
    info.has_dynamic = true;
    info.gnu_hash = true;
  }
  PolicyElf& machine(uint16_t m, const char* name) {
    info.machine = m;
    info.machine_name = name;
    return *this;
  }
  PolicyElf& needed(const std::string& lib) {
    info.needed.push_back(lib);
    return *this;
  }
  // An import of `symbol` bound to `version` of `lib` (adds the Verneed/Vernaux and the dynamic symbol).
  PolicyElf& import(const std::string& lib, const std::string& version, const std::string& symbol) {
    if (std::find(info.needed.begin(), info.needed.end(), lib) == info.needed.end()) info.needed.push_back(lib);
    elf::VersionNeed* need = nullptr;
    for (auto& n : info.version_needs)
      if (n.file == lib) need = &n;
    if (!need) {
      info.version_needs.push_back({lib, {}});
      need = &info.version_needs.back();
    }
    elf::VersionRequirement* req = nullptr;
    for (auto& r : need->versions)
      if (r.name == version) req = &r;
    if (!req) {
      need->versions.push_back({version, 0, 0, 0, {}});
      req = &need->versions.back();
    }
    if (!symbol.empty()) {
      req->symbols.push_back(symbol);
      std::sort(req->symbols.begin(), req->symbols.end());
      elf::DynSymbol s;
      s.name = symbol;
      s.version = version;
      s.library = lib;
      s.type = 2;
      s.bind = 1;
      info.dynamic_symbols.push_back(s);
    }
    return *this;
  }
  PolicyElf& unversioned_import(const std::string& symbol) {
    elf::DynSymbol s;
    s.name = symbol;
    s.bind = 1;
    info.dynamic_symbols.push_back(s);
    return *this;
  }
  PolicyElf& program(const std::string& interp = "/lib64/ld-linux-x86-64.so.2") {
    info.interpreter = interp;
    info.kind = elf::Kind::pie;
    return *this;
  }
};

}  // namespace ferry::test
