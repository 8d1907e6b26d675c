// Small string helpers shared by the modules: joining, path components and lists, project names,
// SOURCE_DATE_EPOCH.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
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

// A Python project name in PEP 503's normal form, the one to compare names in: runs of '-', '_' and '.' become
// one '-', letters lower case (`re.sub(r"[-_.]+", "-", name).lower()`). "Foo.Bar", "foo__bar" and "FOO-bar" are
// one project. Wheel file names and .dist-info directories write the name in PEP 427/491's escaped form ('_' for
// each run) instead; that form maps the same runs, so normalising an escaped name here gives the same answer.
inline std::string pep503_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      if (out.empty() || out.back() != '-') out += '-';
      continue;
    }
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

// A SOURCE_DATE_EPOCH value (reproducible-builds.org): decimal digits only, seconds since 1970 that fit int64_t.
// Anything else (empty, a sign, spaces, a fraction, an overflow) is no value: the caller then keeps its default.
inline std::optional<int64_t> parse_source_date_epoch(std::string_view text) {
  int64_t v = 0;
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
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

// The last component of a '/'-separated path ("a/b/c" -> "c", "c" -> "c", "a/" -> "").
inline std::string basename_of(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// The non-empty fields of a list separated by any of `separators` (":" for a search path given as an option,
// ":;" for delvewheel's lists). Search paths whose empty entries mean "the current directory" (LD_LIBRARY_PATH,
// DT_RUNPATH) are not read with this.
inline std::vector<std::string> split_nonempty(std::string_view list, std::string_view separators = ":") {
  std::vector<std::string> out;
  for (size_t start = 0; start <= list.size();) {
    size_t end = std::min(list.find_first_of(separators, start), list.size());
    if (end > start) out.emplace_back(list.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace ferry
