// Small string helpers shared by the modules: joining, path components, project names, SOURCE_DATE_EPOCH.
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

// A '/'-separated path's components in order, empty ones included ("/a//b/" -> "", "a", "", "b", ""): callers
// that normalise skip "" and "." themselves, and callers that compare paths see exactly what was written.
inline std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  for (size_t start = 0;;) {
    size_t slash = path.find('/', start);
    out.emplace_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return out;
    start = slash + 1;
  }
}

}  // namespace ferry
