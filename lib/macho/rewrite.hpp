// One Mach-O file (thin or universal) rewritten: load-command edits on every slice, ad-hoc re-signing of the
// slices that changed (or whose signature no longer matches their pages), the fat header rebuilt with each
// slice at its alignment, and the result re-read and every page hash checked before anyone writes it.
#pragma once

#include <string>
#include <vector>

#include "macho/edit_commands.hpp"
#include "support/bytes.hpp"
#include "support/result.hpp"

namespace ferry::macho {

struct Rewritten {
  std::vector<uint8_t> bytes;          // the new file (empty when nothing changed)
  bool changed = false;
  std::vector<std::string> resigned;   // archs whose signature was rebuilt
};

// `identifier` is the code-signing identifier (the file's name); `path` names the file in errors.
Result<Rewritten> rewrite_macho(ByteView file, const CommandEdits& edits, const std::string& identifier,
                                const std::string& path);

// Fuses two Mach-O files of different architectures (thin or universal) into one universal file, slices kept
// byte for byte (llvm-lipo -create). Error (usage) when an architecture is in both.
Result<std::vector<uint8_t>> merge_universal(ByteView a, ByteView b, const std::string& path);

// Re-reads `file` and checks every signed slice's page hashes; error (verify) naming file and slice if not.
Status verify_macho(ByteView file, const std::string& path);

}  // namespace ferry::macho
