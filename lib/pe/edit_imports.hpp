// Renaming the DLLs a PE image imports (import and delay-load directories), as delvewheel does when it vendors
// DLLs under mangled names: each new name goes over the old one when it fits, else into a section's slack, else
// into a new section; stale bound imports are cleared, an Authenticode signature is removed, a non-zero CheckSum
// is recomputed, the overlay keeps its file offset and every other byte is kept. docs/windows-repair.md.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "support/bytes.hpp"
#include "support/result.hpp"

namespace ferry::pe {

struct ImportEditReport {
  std::vector<std::string> renamed;   // "old -> new (in place | slack of .rdata | new section .ferry)"
  bool bound_imports_cleared = false;
  bool signature_removed = false;
  bool checksum_updated = false;
};

// `renames` maps lowercase DLL names to their new names. Returns the edited image, re-read and checked (every
// descriptor names its expected DLL). An image with nothing to rename is returned unchanged.
Result<std::vector<uint8_t>> rename_imports(ByteView image, const std::map<std::string, std::string>& renames,
                                            ImportEditReport& report);

}  // namespace ferry::pe
