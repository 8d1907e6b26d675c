// SHA-256 through libcrypto's SHA256_* functions, not its EVP interface. Both run the same assembly (SHA-NI
// where the CPU has it), but EVP goes through OpenSSL 3's provider machinery: in the static ferry that pulled
// 16,600 relocated pointers (90 pages the start-up code writes before main, half of all it writes) and an
// initialisation at every start, for one digest. These functions are deprecated in OpenSSL 3 in favour of EVP
// and still part of its API; a later OpenSSL that drops them fails this file's build, not its behaviour.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "support/hash.hpp"

#include <openssl/sha.h>
#include <sys/mman.h>

#include <algorithm>

#include "support/file.hpp"

namespace ferry {

Sha256Stream::Sha256Stream() : ctx_(new SHA256_CTX) { SHA256_Init(static_cast<SHA256_CTX*>(ctx_)); }
Sha256Stream::~Sha256Stream() { delete static_cast<SHA256_CTX*>(ctx_); }
void Sha256Stream::update(std::span<const uint8_t> bytes) {
  SHA256_Update(static_cast<SHA256_CTX*>(ctx_), bytes.data(), bytes.size());
}
Sha256 Sha256Stream::finish() {
  Sha256 out{};
  SHA256_Final(out.data(), static_cast<SHA256_CTX*>(ctx_));
  return out;
}

Sha256 sha256(std::span<const uint8_t> bytes) {
  Sha256Stream s;
  s.update(bytes);
  return s.finish();
}

Result<Sha256> sha256_file(const std::string& path) {
  FERRY_TRY(m, MappedFile::open(path));
  // Hashed a window at a time, each window's pages dropped from the mapping once hashed: a 500 MB library costs
  // 8 MiB of resident memory, not 500 MB (clean private pages are simply re-read should anything touch them).
  constexpr uint64_t kWindow = uint64_t{8} << 20;
  Sha256Stream s;
  uint8_t* base = m.writable_data();
  for (uint64_t at = 0; at < m.size(); at += kWindow) {
    uint64_t n = std::min(kWindow, m.size() - at);
    s.update({base + at, static_cast<size_t>(n)});
    ::madvise(base + at, static_cast<size_t>(n), MADV_DONTNEED);
  }
  return s.finish();
}

std::string to_hex(const Sha256& d) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  s.reserve(64);
  for (uint8_t b : d) {
    s.push_back(digits[b >> 4]);
    s.push_back(digits[b & 15]);
  }
  return s;
}

std::string to_record_base64(const Sha256& d) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= d.size(); i += 3) {
    uint32_t v = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
    out += tbl[v & 63];
  }
  if (d.size() - i == 2) {
    uint32_t v = (d[i] << 16) | (d[i + 1] << 8);
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
  } else if (d.size() - i == 1) {
    uint32_t v = d[i] << 16;
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
  }
  return out;
}

std::optional<Sha256> from_record_base64(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '-' ? 62 : c == '_' ? 63 : -1;
  };
  if (text.size() != 43) return std::nullopt;  // 32 bytes: 42 characters of 6 bits and one of 4, no padding
  Sha256 d{};
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v), bits += 6;
    if (bits >= 8) bits -= 8, d[n++] = static_cast<uint8_t>(acc >> bits);
  }
  if (acc & ((1u << bits) - 1)) return std::nullopt;  // the last character's unused bits must be zero
  return d;
}

}  // namespace ferry
