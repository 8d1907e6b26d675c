// Load-command editing of one thin slice, in place inside the header padding: dependency install names
// rewritten, LC_ID_DYLIB set, LC_RPATHs removed. Sections never move: commands that do not fit before the first
// section's content are an error naming the slice and the bytes missing.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "support/result.hpp"

namespace ferry::macho {

struct CommandEdits {
  std::map<std::string, std::string> dependencies;  // old install name -> new (every LC_*_DYLIB naming it)
  std::optional<std::string> id;                    // new LC_ID_DYLIB (only where the slice has one)
  std::set<std::string> remove_rpaths;              // LC_RPATH paths to drop
  bool empty() const { return dependencies.empty() && !id && remove_rpaths.empty(); }
};

// Rewrites the load commands of `slice` (a thin little-endian Mach-O). Returns whether anything changed.
// `label` names the file and slice in errors ("pkg/ext.so (arm64)").
Result<bool> edit_commands(std::vector<uint8_t>& slice, const CommandEdits& edits, const std::string& label);

// `room_needed` extra bytes of load commands fit before the first content? Error naming the shortfall if not.
Status check_header_room(uint64_t commands_end, uint64_t first_content, uint64_t new_size, const std::string& label);

}  // namespace ferry::macho
