// `--shard K/N`: which of the expanded input files (after directory and archive walks) this run processes, so
// one package index or artifact store can be fanned out over N CI jobs. The rule is index modulo N over the
// expanded list in its stable order (arguments as given, each directory's files sorted by path): every file
// lands in exactly one shard and shard sizes differ by at most one, whatever the paths look like.
#pragma once

#include <cstddef>
#include <string>

#include "support/result.hpp"

namespace ferry {

struct Shard {
  size_t index = 0;  // 0-based here; K-1 of the command line's 1-based K/N
  size_t count = 1;
  bool takes(size_t i) const { return i % count == index; }
  bool all() const { return count == 1; }
  // Errors that belong to no file of the list (an unreadable argument) are reported by the first shard only.
  bool first() const { return index == 0; }
};

// "K/N" with 1 <= K <= N (1-based like GNU split -n K/N and pytest-shard); anything else is an error (exit 2).
inline Result<Shard> parse_shard(const std::string& s) {
  auto bad = [&] {
    return make_error(ErrorCode::usage, s + ": expected K/N with 1 <= K <= N (e.g. 1/4)");
  };
  size_t slash = s.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == s.size() || slash > 9 || s.size() - slash - 1 > 9)
    return bad();
  for (size_t i = 0; i < s.size(); ++i)
    if (i != slash && (s[i] < '0' || s[i] > '9')) return bad();
  size_t k = std::stoul(s.substr(0, slash)), n = std::stoul(s.substr(slash + 1));
  if (n == 0 || k == 0 || k > n) return bad();
  return Shard{k - 1, n};
}

}  // namespace ferry
