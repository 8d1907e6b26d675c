// SHA-256 through OpenSSL's EVP interface.
#include "support/hash.hpp"

#include <openssl/evp.h>
#include <sys/mman.h>

#include <algorithm>

#include "support/file.hpp"

namespace ferry {

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}
Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }
void Sha256Stream::update(std::span<const uint8_t> bytes) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), bytes.data(), bytes.size());
}
Sha256 Sha256Stream::finish() {
  Sha256 out{};
  unsigned len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out.data(), &len);
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

}  // namespace ferry
