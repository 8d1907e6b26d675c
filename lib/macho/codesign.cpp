// sign_adhoc / check_signature. All signature fields are big-endian (as codesign and dyld read them); the slot
// for page i hashes file bytes [i*4096, min((i+1)*4096, codeLimit)) of the slice, codeLimit = the signature's
// dataoff. Special slot -2 hashes the requirements blob, -1 (Info.plist) is zero.
#include "macho/codesign.hpp"

#include "macho/edit_commands.hpp"
#include "macho/slice_layout.hpp"
#include "support/hash.hpp"

namespace ferry::macho {

namespace {

constexpr uint32_t kSuperBlob = 0xfade0cc0, kCodeDirectory = 0xfade0c02, kRequirements = 0xfade0c01;
constexpr uint32_t kCdVersion = 0x20400, kCdHeader = 88, kPage = 4096, kAdhoc = 0x2, kMainBinary = 0x1;
constexpr uint32_t kCpuArm64 = 0x0100000c;

uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

// The signature blob for the first `code_limit` bytes of `b` (which must already hold the final load commands).
std::vector<uint8_t> build_blob(const std::vector<uint8_t>& b, uint64_t code_limit, const std::string& ident,
                                const SliceLayout& l) {
  const uint32_t nslots = uint32_t((code_limit + kPage - 1) / kPage);
  const uint32_t hash_off = kCdHeader + uint32_t(ident.size()) + 1 + 2 * 32;
  const uint32_t cd_len = hash_off + nslots * 32;
  const std::vector<uint8_t> req{0xfa, 0xde, 0x0c, 0x01, 0, 0, 0, 12, 0, 0, 0, 0};
  std::vector<uint8_t> blob(28 + cd_len + req.size(), 0);
  put32be(blob, 0, kSuperBlob), put32be(blob, 4, uint32_t(blob.size())), put32be(blob, 8, 2);
  put32be(blob, 12, 0), put32be(blob, 16, 28);                  // CSSLOT_CODEDIRECTORY
  put32be(blob, 20, 2), put32be(blob, 24, 28 + cd_len);         // CSSLOT_REQUIREMENTS
  const uint64_t cd = 28;
  put32be(blob, cd, kCodeDirectory), put32be(blob, cd + 4, cd_len), put32be(blob, cd + 8, kCdVersion);
  put32be(blob, cd + 12, kAdhoc), put32be(blob, cd + 16, hash_off), put32be(blob, cd + 20, kCdHeader);
  put32be(blob, cd + 24, 2), put32be(blob, cd + 28, nslots), put32be(blob, cd + 32, uint32_t(code_limit));
  blob[cd + 36] = 32, blob[cd + 37] = 2, blob[cd + 38] = 0, blob[cd + 39] = 12;  // SHA-256, 4 KiB pages
  put64be(blob, cd + 64, l.text ? l.text->fileoff : 0);
  put64be(blob, cd + 72, l.text ? l.text->filesize : 0);
  put64be(blob, cd + 80, l.file_type == 2 ? kMainBinary : 0);  // MH_EXECUTE
  std::memcpy(blob.data() + cd + kCdHeader, ident.data(), ident.size());
  Sha256 rh = sha256(req);
  std::memcpy(blob.data() + cd + hash_off - 64, rh.data(), 32);  // slot -2; slot -1 stays zero
  for (uint32_t i = 0; i < nslots; ++i) {
    uint64_t start = uint64_t(i) * kPage, len = std::min<uint64_t>(kPage, code_limit - start);
    Sha256 h = sha256(std::span<const uint8_t>(b.data() + start, len));
    std::memcpy(blob.data() + cd + hash_off + uint64_t(i) * 32, h.data(), 32);
  }
  std::memcpy(blob.data() + 28 + cd_len, req.data(), req.size());
  return blob;
}

}  // namespace

Status sign_adhoc(std::vector<uint8_t>& b, const std::string& ident, const std::string& label) {
  FERRY_TRY(l, read_layout(ByteView(b.data(), b.size())));
  if (!l.linkedit) return make_error(ErrorCode::unsupported, label + ": no __LINKEDIT segment to hold a signature");
  uint64_t dataoff;
  if (l.code_signature) {
    dataoff = get32(b, *l.code_signature + 8);
    const uint64_t datasize = get32(b, *l.code_signature + 12);
    // The new blob replaces the old one in place and the slice is cut after it: the old one must lie inside
    // __LINKEDIT, after the load commands, and end the slice (as every linker and codesign write it), or bytes
    // after it would be lost and the header overwritten.
    if (dataoff < l.commands_end || dataoff < l.linkedit->fileoff || dataoff + datasize != b.size())
      return make_error(ErrorCode::format, label + ": the code signature (" + hex(dataoff) + "+" + hex(datasize) +
                                               ") does not end __LINKEDIT and the slice (" + hex(b.size()) + ")");
  } else {
    // No signature yet: LC_CODE_SIGNATURE (16 bytes) is appended after the last command and the blob after
    // __LINKEDIT's content, which must end the slice.
    FERRY_CHECK(check_header_room(l.commands_end, l.first_content, l.commands_end + 16, label));
    if (l.linkedit->fileoff + l.linkedit->filesize != b.size())
      return make_error(ErrorCode::unsupported, label + ": __LINKEDIT does not end the slice: no place for a signature");
    put32(b, l.commands_end, lc::code_signature), put32(b, l.commands_end + 4, 16);
    put32(b, l.commands_end + 8, 0), put32(b, l.commands_end + 12, 0);
    put32(b, 16, get32(b, 16) + 1), put32(b, 20, get32(b, 20) + 16);
    dataoff = align_up(b.size(), 16);
    b.resize(dataoff, 0);
    l.code_signature = l.commands_end;
  }
  if (dataoff > UINT32_MAX)
    return make_error(ErrorCode::unsupported, label + ": the slice is too large for a 32-bit code signature offset");
  // Size first (it depends only on the page count), then fix the commands, then hash what they now say.
  const uint64_t nslots = (dataoff + kPage - 1) / kPage;
  const uint64_t size = align_up(28 + kCdHeader + ident.size() + 1 + 64 + nslots * 32 + 12, 16);
  b.resize(dataoff + size, 0);
  std::memset(b.data() + dataoff, 0, size);
  put32(b, *l.code_signature + 8, uint32_t(dataoff)), put32(b, *l.code_signature + 12, uint32_t(size));
  const uint64_t seg = l.linkedit->command_offset, filesize = dataoff + size - l.linkedit->fileoff;
  const uint64_t page = l.cpu_type == kCpuArm64 ? 0x4000 : 0x1000;
  const uint64_t vmsize = std::max(l.linkedit->vmsize, align_up(filesize, page));
  if (l.is_64) put64(b, seg + 32, vmsize), put64(b, seg + 48, filesize);
  else put32(b, seg + 28, uint32_t(vmsize)), put32(b, seg + 36, uint32_t(filesize));
  std::vector<uint8_t> blob = build_blob(b, dataoff, ident, l);
  std::memcpy(b.data() + dataoff, blob.data(), blob.size());
  return {};
}

Result<SignatureCheck> check_signature(ByteView s, const std::string& label) {
  SignatureCheck r;
  FERRY_TRY(l, read_layout(s));
  if (!l.code_signature) return r;
  r.present = true;
  const uint64_t dataoff = *s.find_uint<uint32_t>(*l.code_signature + 8, Endian::little);
  const uint64_t datasize = *s.find_uint<uint32_t>(*l.code_signature + 12, Endian::little);
  auto bad = [&](const std::string& what, uint64_t at) {
    return make_error(ErrorCode::format, label + ": code signature: " + what, s.base() + at);
  };
  auto blob = s.find_sub(dataoff, datasize);
  if (!blob || datasize < 12) return bad("blob " + hex(dataoff) + "+" + hex(datasize) + " is outside the slice", *l.code_signature);
  const uint8_t* p = blob->data();
  if (be32(p) != kSuperBlob) return bad("bad SuperBlob magic " + hex(be32(p)), dataoff);
  const uint64_t len = be32(p + 4), count = be32(p + 8);
  if (len > datasize) return bad("SuperBlob length " + hex(len) + " is past its area (" + hex(datasize) + ")", dataoff + 4);
  if (len < 12 + count * 8) return bad("SuperBlob count " + std::to_string(count) + " does not fit in its length " + hex(len), dataoff + 8);
  for (uint64_t i = 0; i < count; ++i) {
    const uint32_t type = be32(p + 12 + i * 8), off = be32(p + 16 + i * 8);
    if (off + 8ull > len) return bad("blob #" + std::to_string(i) + " offset " + hex(off) + " is past the SuperBlob", dataoff + 12 + i * 8);
    const uint64_t blen = be32(p + off + 4);
    if (blen < 8 || off + blen > len) return bad("blob #" + std::to_string(i) + " length " + hex(blen) + " lies", dataoff + off + 4);
    if (type != 0 && (type < 0x1000 || type > 0x1004)) continue;  // CodeDirectory or an alternate
    const uint8_t* cd = p + off;
    if (be32(cd) != kCodeDirectory || blen < 44) return bad("bad CodeDirectory", dataoff + off);
    r.flags = be32(cd + 12);
    const uint64_t hash_off = be32(cd + 16), ident_off = be32(cd + 20), nslots = be32(cd + 28), limit = be32(cd + 32);
    if (cd[36] != 32 || cd[37] != 2 || cd[39] != 12) continue;  // SHA-1 or other page sizes: not checked here
    if (hash_off + nslots * 32 > blen || ident_off >= blen || limit > dataoff || nslots != (limit + kPage - 1) / kPage)
      return bad("CodeDirectory slots, identifier or codeLimit lie", dataoff + off);
    r.identifier.assign(reinterpret_cast<const char*>(cd + ident_off), strnlen(reinterpret_cast<const char*>(cd + ident_off), blen - ident_off));
    bool match = limit == dataoff;
    for (uint64_t i2 = 0; i2 < nslots && match; ++i2) {
      uint64_t start = i2 * kPage, n = std::min<uint64_t>(kPage, limit - start);
      Sha256 h = sha256(std::span<const uint8_t>(s.data() + start, n));
      match = std::memcmp(h.data(), cd + hash_off + i2 * 32, 32) == 0;
    }
    r.hashes_match = (r.verified ? r.hashes_match : true) && match;
    r.verified = true;
  }
  return r;
}

}  // namespace ferry::macho
