// Internal to lib/macho: the bridge to LIEF, kept in its own translation unit (LIEF's headers clash with <elf.h>
// and must not leak into the model). No LIEF type crosses this header.
#pragma once

#include "macho/macho_info.hpp"

namespace ferry::macho::detail {

// Parses one slice (already validated by the checked reader) with LIEF and takes the mach_header fields from it;
// any disagreement with the checked reader, or a LIEF failure, becomes a warning on the slice. Never throws.
void cross_check_with_lief(ByteView slice_bytes, Slice& slice);

}  // namespace ferry::macho::detail
