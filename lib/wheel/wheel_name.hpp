// Wheel file names and platform tags: parsing `name-ver(-build)?-py-abi-plat.whl` (PEP 427/491), the tag set a
// repaired wheel carries, and the names of grafted libraries. Rules are auditwheel's (wheeltools.add_platforms,
// policy.get_replace_platforms, repair.copylib); docs/wheel-contract.md.
#pragma once

#include <string>
#include <vector>

#include "support/result.hpp"

namespace ferry::wheel {

struct WheelName {
  std::string distribution;  // as written in the file name (auditwheel names `<distribution>.libs` after it)
  std::string version;
  std::string build;  // empty when absent
  std::string python, abi, platform;  // compressed tag sets as written ("cp311", "cp311", "linux_x86_64")
  std::vector<std::string> platform_tags;  // platform split on '.'
  std::string prefix;  // everything before the last '-': kept verbatim in the repaired name (build tag too)
};

// Parses a wheel file name (a basename; a directory part is ignored). Error (usage) naming the rule broken.
Result<WheelName> parse_wheel_name(const std::string& filename);

// Platform tags a new tag replaces: manylinux_2_17_x86_64 / manylinux2014_x86_64 / musllinux_1_2_x86_64 ->
// linux_x86_64; linux_* -> nothing.
std::vector<std::string> replaced_platforms(const std::string& tag);

struct RepairedTags {
  std::vector<std::string> platform_tags;  // sorted, as they appear in the file name
  std::vector<std::string> removed;        // tags removed (replaced ones, and `any` next to a real platform)
  bool removed_any = false;                // `any` was dropped: the WHEEL must say Root-Is-Purelib: False
  std::string file_name;                   // prefix-PLAT.whl
};
// The file name after adding `platforms` (abis, best first) and removing `remove`: the original tags (sorted,
// de-duplicated) minus `remove`, then `platforms` in order, de-duplicated; `any` dropped when another platform
// remains; the result sorted (auditwheel >= 6.2 sorts the file-name tags, so the legacy alias comes first:
// manylinux1_x86_64.manylinux_2_5_x86_64).
RepairedTags repaired_tags(const WheelName& name, const std::vector<std::string>& platforms,
                           const std::vector<std::string>& remove);

// `<stem>-<first 8 hex of sha256>.<rest>` from the basename of the library's real path, split at the first '.'
// (libsnappy.so.1.1.9 -> libsnappy-f877f91f.so.1.1.9). A stem already ending in -<hash> is kept, so grafting a
// grafted library again is a no-op.
std::string graft_name(const std::string& real_basename, const std::string& sha256_hex);

// True for a library name glob (`*`, `?`, `[...]`) matching `name` (fnmatch without special '/' handling).
bool glob_match(const std::string& pattern, const std::string& name);

}  // namespace ferry::wheel
