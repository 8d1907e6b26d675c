// Small string helpers shared by the renderers and reports.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ferry {

inline std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

}  // namespace ferry
