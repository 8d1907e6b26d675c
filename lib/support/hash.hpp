// SHA-256 (OpenSSL libcrypto) for RECORD lines, grafted library names and bundle manifests.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "support/result.hpp"

namespace ferry {

using Sha256 = std::array<uint8_t, 32>;

Sha256 sha256(std::span<const uint8_t> bytes);
Result<Sha256> sha256_file(const std::string& path);
std::string to_hex(const Sha256& digest);
// urlsafe base64 without padding, as wheel RECORD files use.
std::string to_record_base64(const Sha256& digest);
// Its inverse: the digest a RECORD line's "sha256=" value stands for; nullopt unless it is exactly one digest.
std::optional<Sha256> from_record_base64(std::string_view text);

// Incremental hashing for streamed data (zip members, archives).
class Sha256Stream {
public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void update(std::span<const uint8_t> bytes);
  Sha256 finish();

private:
  void* ctx_;
};

}  // namespace ferry
