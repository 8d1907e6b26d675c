// Ad-hoc code signatures of one thin slice, built with SHA-256 alone (no Apple tool): a SuperBlob holding a
// CodeDirectory (4 KiB page hashes up to the signature, identifier, exec segment) and an empty requirements
// blob, written at the end of __LINKEDIT; plus the independent checker repair runs on its output.
// Layout: docs/macos-repair.md "Code signatures".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/bytes.hpp"
#include "support/result.hpp"

namespace ferry::macho {

// Re-signs `slice` ad hoc under `identifier`: the old signature (if any) is replaced, LC_CODE_SIGNATURE added
// when missing (it must fit in the header padding), __LINKEDIT and LC_CODE_SIGNATURE sized to the new blob.
Status sign_adhoc(std::vector<uint8_t>& slice, const std::string& identifier, const std::string& label);

struct SignatureCheck {
  bool present = false;      // LC_CODE_SIGNATURE exists
  bool verified = false;     // a SHA-256 CodeDirectory with 4 KiB pages was found and checked
  bool hashes_match = false; // every code slot of those equals the SHA-256 of its page
  uint32_t flags = 0;        // CodeDirectory flags (0x2 adhoc, 0x20000 linker-signed)
  std::string identifier;
};
// Parses the signature of `slice`: a blob whose lengths, counts or offsets lie is an error (format) naming the
// structure; stale page hashes are reported in `hashes_match`, not as an error.
Result<SignatureCheck> check_signature(ByteView slice, const std::string& label);

}  // namespace ferry::macho
