// The built-in lowering table for x86_64 glibc, as data (glibc_x86_64.inc is generated from glibc's own
// version definitions by scripts/gen-lower-table.sh; the curated rebinds are listed in that script).
#include "lower/lower.hpp"

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

const Rule* find_rule(const std::string& name, const std::string& library) {
  for (const Rule& r : x86_64_rules())
    if (name == r.name && library == r.library) return &r;
  return nullptr;
}

}  // namespace ferry::lower
