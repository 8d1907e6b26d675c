// Internal to lib/pe: the bridge to LIEF, kept in its own translation unit (LIEF's headers clash with <elf.h>
// and must not leak into the model). No LIEF type crosses this header.
#pragma once

#include "pe/pe_info.hpp"

namespace ferry::pe::detail {

// Parses the image (already validated by the checked reader) with LIEF and takes the COFF and optional header
// fields from it; disagreement with the checked reader, or a LIEF failure, becomes a warning. LIEF gets a copy
// in which the data directories ferry does not decode and the COFF symbol table pointer are cleared, so it only
// walks structures the checked reader has bounded. `dirs_off`/`ndirs`: the data directory array; `coff_off`: the
// COFF file header. Never throws.
void cross_check_with_lief(ByteView image, uint64_t dirs_off, uint32_t ndirs, uint64_t coff_off, PeInfo& info);

}  // namespace ferry::pe::detail
