// The built-in lowering tables, as data, one per architecture (glibc_<arch>.inc is generated from glibc's own
// version definitions of that architecture by scripts/gen-lower-table.sh; the curated rebinds are listed in
// that script), and the facts about each architecture the planner needs.

#include "elf/elf_constants.hpp"
#include "lower/lower_passes.hpp"

namespace ferry::lower {

const char* to_string(Method m) {
  switch (m) {
    case Method::keep: return "keep";
    case Method::rebind: return "rebind";
    case Method::moved: return "moved";
    case Method::glue: return "glue";
    case Method::refused: return "refused";
  }
  return "?";
}

const std::vector<Rule>& x86_64_rules() {
  static const std::vector<Rule> rules = {
#include "lower/glibc_x86_64.inc"
  };
  return rules;
}

const std::vector<Rule>& rules_for(uint16_t machine) {
  static const std::vector<Rule> aarch64 = {
#include "lower/glibc_aarch64.inc"
  };
  static const std::vector<Rule> i386 = {
#include "lower/glibc_i386.inc"
  };
  static const std::vector<Rule> none;
  switch (machine) {
    case elf::em::x86_64: return x86_64_rules();
    case elf::em::aarch64: return aarch64;
    case elf::em::intel386: return i386;
  }
  return none;
}

const Rule* find_rule(const std::string& name, const std::string& library, uint16_t machine) {
  for (const Rule& r : rules_for(machine))
    if (name == r.name && library == r.library) return &r;
  return nullptr;
}

std::string lower_arch(uint16_t machine) {
  switch (machine) {
    case elf::em::x86_64: return "x86_64";
    case elf::em::aarch64: return "aarch64";
    case elf::em::intel386: return "i686";
  }
  return "";
}

std::string baseline_version(uint16_t machine) {
  switch (machine) {
    case elf::em::x86_64: return "GLIBC_2.2.5";
    case elf::em::aarch64: return "GLIBC_2.17";
  }
  return "";
}

}  // namespace ferry::lower
