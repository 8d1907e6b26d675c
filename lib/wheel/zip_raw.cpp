// Direct zip container writing (APPNOTE.TXT 4.3.7 local header, 4.3.12 central directory header,
// 4.3.14-16 ZIP64 end records, 4.5.3 ZIP64 extended information).
#include "wheel/zip_raw.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "support/bytes.hpp"
#include "support/file.hpp"
#include "wheel/deflate.hpp"
#include "wheel/deflate_reuse.hpp"

namespace ferry::wheel {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr uint32_t kEnd64Sig = 0x06064b50, kLocator64Sig = 0x07064b50;
constexpr uint32_t k32 = 0xffffffffu;

struct Out {
  std::vector<uint8_t> b;
  void u16(uint64_t v) { b.push_back(v & 0xff), b.push_back((v >> 8) & 0xff); }
  void u32(uint64_t v) { u16(v & 0xffff), u16((v >> 16) & 0xffff); }
  void u64(uint64_t v) { u32(v & 0xffffffffu), u32(v >> 32); }
  void str(const std::string& s) { b.insert(b.end(), s.begin(), s.end()); }
};

bool needs_utf8_flag(const std::string& s) {
  for (unsigned char c : s)
    if (c >= 0x80) return true;
  return false;
}

Status write_all(int fd, const uint8_t* d, size_t n, uint64_t off, const std::string& path) {
  return pwrite_exact(fd, d, n, off, path);
}

}  // namespace

// copy_file_range, then a buffer for what the kernel refuses (another filesystem, no copy_file_range). A large
// copy is cut where the output reaches a multiple of 64 KiB: the kernel then writes whole large folios of the
// page cache. Measured on ext4 (Linux 6.18) with the 1 GB bench wheel's sixteen 17 MB members copied one after
// another: one call each from where the member lands, 99-100 ms; the same calls cut at the first 64 KiB
// boundary, 78-79 ms, as fast as one call for the whole file (`cp`). Members keep their offset within a page
// (alignment_pad), so the source is page-aligned from that cut on too. (An earlier try, the bytes up to the
// boundary through a buffer and the rest in 4 MiB calls, was as fast on the 1 GB wheel and measured slower on
// the 2 GB one; the cut alone adds no copy through memory and no extra calls.)
Status copy_range(int src, uint64_t in_off, int dst, uint64_t out_off, uint64_t len, const std::string& path) {
  constexpr uint64_t kFolio = 64 << 10;
  loff_t io = static_cast<loff_t>(in_off), oo = static_cast<loff_t>(out_off);
  const uint64_t head = len >= (1u << 20) ? std::min<uint64_t>(len, (kFolio - out_off % kFolio) % kFolio) : 0;
  bool kernel = true;
  for (uint64_t piece : {head, len - head}) {
    while (kernel && piece > 0) {
      ssize_t n = ::copy_file_range(src, &io, dst, &oo, piece, 0);
      if (n > 0) {
        piece -= static_cast<uint64_t>(n), len -= static_cast<uint64_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) return make_error(ErrorCode::format, "member data ends early in its archive").with_path(path);
      kernel = false;  // EXDEV, ENOSYS, EINVAL...: the buffer below copies the rest
    }
  }
  if (len == 0) return {};
  std::vector<uint8_t> buf(1 << 20);
  while (len > 0) {
    ssize_t r = ::pread(src, buf.data(), std::min<uint64_t>(len, buf.size()), io);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return make_error(ErrorCode::io, "cannot read member data").with_path(path);
    FERRY_CHECK(write_all(dst, buf.data(), static_cast<size_t>(r), static_cast<uint64_t>(oo), path));
    io += r, oo += r, len -= static_cast<uint64_t>(r);
  }
  return {};
}

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kAlignFrom = 1u << 20;  // below this the copy goes through the buffer anyway
// A member deflated while it is written gets ZIP64 fields in its local header when its compressed size could
// reach 4 GiB (chunk overhead is ~10 bytes per MiB, incompressible data grows ~0.01%).
constexpr uint64_t kZip64From = 0xf0000000u;

// The output file written front to back: small pieces gather in a buffer, large data goes straight to the file.
struct Writer {
  int fd;
  const std::string& path;
  Out buf;
  uint64_t flushed = 0;  // file offset of buf.b[0]
  uint64_t pos() const { return flushed + buf.b.size(); }
  Status flush() {
    FERRY_CHECK(write_all(fd, buf.b.data(), buf.b.size(), flushed, path));
    flushed += buf.b.size();
    buf.b.clear();
    return {};
  }
  Status maybe_flush() { return buf.b.size() > (4u << 20) ? flush() : Status{}; }
};

bool local_zip64(const RawOutput& m) {
  if (m.data == RawOutput::Data::deflate_file || m.data == RawOutput::Data::store_file) return m.size >= kZip64From;
  return m.size >= k32 || m.comp_size >= k32;
}

// Large copied members get an alignment extra field (0xd935, as Android's zipalign: 2-byte alignment, then zeros)
// that puts their data at the input's page offset: the kernel copies twice as fast when source and destination
// offsets agree within a page. Readers skip unknown local extra fields; the central directory does not repeat it.
uint64_t alignment_pad(const RawOutput& m, uint64_t header_at, bool z64) {
  if (m.data != RawOutput::Data::copy || m.comp_size < kAlignFrom) return 0;
  uint64_t data_at = header_at + 30 + m.name.size() + (z64 ? 20 : 0);
  uint64_t pad = (m.data_offset % kPage + kPage - data_at % kPage) % kPage;
  if (pad > 0 && pad < 6) pad += kPage;  // the field itself takes 4 bytes, its value 2
  return pad;
}

// What a local header (APPNOTE 4.3.7) and a central directory entry (4.3.12) both hold, from "version needed to
// extract" to "extra field length"; a size in the ZIP64 extra field reads 0xffffffff here.
void shared_fields(Out& b, const RawOutput& m, bool needs_zip64, bool comp_in_zip64, bool size_in_zip64,
                   uint16_t extra_len) {
  b.u16(needs_zip64 ? 45 : 20);
  b.u16(needs_utf8_flag(m.name) ? 0x800 : 0);
  b.u16(m.method);
  b.u16(m.dostime);
  b.u16(m.dosdate);
  b.u32(m.crc);
  b.u32(comp_in_zip64 ? k32 : m.comp_size);
  b.u32(size_in_zip64 ? k32 : m.size);
  b.u16(m.name.size());
  b.u16(extra_len);
}

// APPNOTE 4.3.7. CRC and sizes may be placeholders, rewritten by patch_local_header once the data is written.
void local_header(Out& b, const RawOutput& m, bool z64, uint64_t pad) {
  b.u32(kLocalSig);
  shared_fields(b, m, z64, z64, z64, static_cast<uint16_t>((z64 ? 20 : 0) + pad));
  b.str(m.name);
  if (z64) b.u16(1), b.u16(16), b.u64(m.size), b.u64(m.comp_size);
  if (pad) {
    b.u16(0xd935), b.u16(static_cast<uint16_t>(pad - 4)), b.u16(static_cast<uint16_t>(kPage));
    b.b.resize(b.b.size() + pad - 6, 0);
  }
}

Status patch_local_header(int fd, uint64_t at, const RawOutput& m, bool z64, const std::string& path) {
  if (!z64 && m.comp_size >= k32)
    return make_error(ErrorCode::verify, "'" + m.name + "' deflated to 4 GiB or more without ZIP64").with_path(path);
  Out b;
  b.u32(m.crc), b.u32(z64 ? k32 : m.comp_size), b.u32(z64 ? k32 : m.size);
  FERRY_CHECK(write_all(fd, b.b.data(), b.b.size(), at + 14, path));
  if (!z64) return {};
  Out x;
  x.u64(m.size), x.u64(m.comp_size);
  return write_all(fd, x.b.data(), x.b.size(), at + 30 + m.name.size() + 4, path);
}

// Copied data: small members through the buffer (one write for many), large ones by the kernel.
Status put_copied(Writer& w, const RawOutput& m) {
  if (m.comp_size >= (64u << 10)) {
    FERRY_CHECK(w.flush());
    FERRY_CHECK(copy_range(m.src_fd, m.data_offset, w.fd, w.flushed, m.comp_size, w.path));
    w.flushed += m.comp_size;
    return {};
  }
  size_t at = w.buf.b.size();
  w.buf.b.resize(at + m.comp_size);
  uint64_t got = 0;
  while (got < m.comp_size) {
    ssize_t r = ::pread(m.src_fd, w.buf.b.data() + at + got, m.comp_size - got, static_cast<off_t>(m.data_offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return make_error(ErrorCode::io, "cannot read the data of '" + m.name + "'").with_path(w.path);
    got += static_cast<uint64_t>(r);
  }
  return w.maybe_flush();
}

// A file stored as it is: read once for its CRC and written behind the header.
Status put_stored_file(Writer& w, RawOutput& m, const RawWriteOptions& opts) {
  FERRY_CHECK(w.flush());
  std::vector<uint8_t> buf(static_cast<size_t>(std::min<uint64_t>(m.size, 1 << 20)));
  uint32_t crc = 0;
  for (uint64_t at = 0; at < m.size;) {
    ssize_t r = ::pread(m.src_fd, buf.data(), std::min<uint64_t>(buf.size(), m.size - at), static_cast<off_t>(at));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return make_error(ErrorCode::io, "cannot read the data of '" + m.name + "'").with_path(w.path);
    crc = crc32_of(buf.data(), static_cast<size_t>(r), crc);
    FERRY_CHECK(write_all(w.fd, buf.data(), static_cast<size_t>(r), w.flushed, w.path));
    w.flushed += static_cast<uint64_t>(r), at += static_cast<uint64_t>(r);
    if (opts.on_bytes) opts.on_bytes(static_cast<uint64_t>(r));
  }
  m.crc = crc, m.comp_size = m.size;
  return {};
}

Status put_member(Writer& w, RawOutput& m, const RawWriteOptions& opts) {
  if (m.late) {  // moved out first: it fills `m`, this very object
    auto late = std::move(m.late);
    m.late = nullptr;
    FERRY_CHECK(late(m));
  }
  uint64_t header_at = w.pos();
  bool z64 = local_zip64(m);
  local_header(w.buf, m, z64, alignment_pad(m, header_at, z64));
  switch (m.data) {
    case RawOutput::Data::copy:
      FERRY_CHECK(put_copied(w, m));
      if (opts.on_bytes) opts.on_bytes(m.size);
      return {};
    case RawOutput::Data::bytes:
      w.buf.b.insert(w.buf.b.end(), m.bytes.begin(), m.bytes.end());
      if (opts.on_bytes) opts.on_bytes(m.size);
      return w.maybe_flush();
    case RawOutput::Data::store_file:
      FERRY_CHECK(put_stored_file(w, m, opts));
      break;
    case RawOutput::Data::deflate_file: {
      FERRY_CHECK(w.flush());
      int level = opts.fast_large && m.size >= kFastDeflateFrom ? kFastLevel : opts.level;
      // Without an index (a member that was not large enough, or not patched) this deflates the whole file.
      FERRY_TRY(comp, deflate_file_reusing(m.reuse, m.src_fd, m.size, level, w.fd, w.flushed, opts.jobs, m.crc,
                                           opts.on_bytes, w.path));
      m.comp_size = comp;
      w.flushed += comp;
      break;
    }
  }
  return patch_local_header(w.fd, header_at, m, z64, w.path);
}

// APPNOTE 4.3.12, with ZIP64 fields (4.5.3) for whichever of size, compressed size and offset need them.
void central_entry(Out& b, const RawOutput& m, uint64_t offset) {
  bool zs = m.size >= k32, zc = m.comp_size >= k32, zo = offset >= k32;
  uint16_t xlen = static_cast<uint16_t>((zs || zc || zo) ? 4 + 8 * (zs + zc + zo) : 0);
  uint32_t attr = m.mode << 16;
  if (S_ISDIR(m.mode)) attr |= 0x10;
  b.u32(kCentralSig);
  b.u16(0x0300 | 45);  // made by: Unix, spec 4.5
  shared_fields(b, m, xlen != 0, zc, zs, xlen);
  b.u16(0);  // comment
  b.u16(0);  // disk
  b.u16(0);  // internal attributes
  b.u32(attr);
  b.u32(zo ? k32 : offset);
  b.str(m.name);
  if (xlen) {
    b.u16(1), b.u16(xlen - 4);
    if (zs) b.u64(m.size);
    if (zc) b.u64(m.comp_size);
    if (zo) b.u64(offset);
  }
}

// APPNOTE 4.3.16, preceded by the ZIP64 end record and locator (4.3.14-15) when a count or offset needs them.
void end_records(Out& b, uint64_t n, uint64_t cd_off, uint64_t cd_end) {
  uint64_t cd_size = cd_end - cd_off;
  if (n >= 0xffff || cd_size >= k32 || cd_off >= k32) {
    b.u32(kEnd64Sig);
    b.u64(44);
    b.u16(0x0300 | 45);
    b.u16(45);
    b.u32(0), b.u32(0);
    b.u64(n), b.u64(n);
    b.u64(cd_size), b.u64(cd_off);
    b.u32(kLocator64Sig);
    b.u32(0);
    b.u64(cd_end);
    b.u32(1);
  }
  b.u32(kEndSig);
  b.u16(0), b.u16(0);
  b.u16(n >= 0xffff ? 0xffff : n);
  b.u16(n >= 0xffff ? 0xffff : n);
  b.u32(cd_size >= k32 ? k32 : cd_size);
  b.u32(cd_off >= k32 ? k32 : cd_off);
  b.u16(0);
}

}  // namespace

Status write_raw_zip(int fd, std::vector<RawOutput>& members, const RawWriteOptions& opts, const std::string& path) {
  Writer w{fd, path, {}, 0};
  std::vector<uint64_t> offsets(members.size());
  for (size_t i = 0; i < members.size(); ++i) {
    offsets[i] = w.pos();
    FERRY_CHECK(put_member(w, members[i], opts));
    if (members[i].done) members[i].done();
    if (opts.on_member) opts.on_member();
  }
  uint64_t cd_off = w.pos();
  for (size_t i = 0; i < members.size(); ++i) {
    central_entry(w.buf, members[i], offsets[i]);
    FERRY_CHECK(w.maybe_flush());
  }
  end_records(w.buf, members.size(), cd_off, w.pos());
  FERRY_CHECK(w.flush());
  if (::ftruncate(fd, static_cast<off_t>(w.flushed)) != 0)
    return make_error(ErrorCode::io, std::string("truncate failed: ") + std::strerror(errno)).with_path(path);
  return {};
}

}  // namespace ferry::wheel
