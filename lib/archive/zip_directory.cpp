// The zip container read directly (APPNOTE.TXT 4.3.7 local header, 4.3.12 central directory header, 4.3.14-16
// ZIP64 end records, 4.5.3 ZIP64 extended information). Bounds are checked with ByteView; data is inflated with
// zlib's raw inflate (window bits -15), which streams, so no member is ever held whole here.
#include "archive/zip_directory.hpp"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "support/bytes.hpp"
#include "support/file.hpp"

namespace ferry::archive {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr uint32_t kEnd64Sig = 0x06064b50, kLocator64Sig = 0x07064b50;
constexpr uint32_t k32 = 0xffffffffu;
constexpr uint64_t kCentralHeader = 46, kLocalHeader = 30;

Error bad(const std::string& path, const std::string& what, uint64_t off) {
  return make_error(ErrorCode::format, what, off).with_path(path);
}

struct EndRecord {
  uint64_t count = 0, cd_size = 0, cd_off = 0;
};

// The end record: the last signature within the final 64 KiB + 22 bytes (the comment is at most 65,535 bytes),
// replaced by the ZIP64 end record when a locator precedes it.
Result<EndRecord> find_end(ByteView v, const std::string& path) {
  const Endian le = Endian::little;
  if (v.size() < 22) return bad(path, "too short for a zip end record", 0);
  uint64_t lo = v.size() > 65557 ? v.size() - 65557 : 0;
  uint64_t end = UINT64_MAX;
  for (uint64_t p = v.size() - 22 + 1; p-- > lo;)
    if (*v.find_uint<uint32_t>(p, le) == kEndSig) {
      end = p;
      break;
    }
  if (end == UINT64_MAX) return bad(path, "no zip end of central directory record", v.size());
  EndRecord r{*v.find_uint<uint16_t>(end + 10, le), *v.find_uint<uint32_t>(end + 12, le),
              *v.find_uint<uint32_t>(end + 16, le)};
  if (end >= 20 && *v.find_uint<uint32_t>(end - 20, le) == kLocator64Sig) {
    FERRY_TRY(e64, v.read_uint<uint64_t>(end - 12, le, "ZIP64 end locator offset"));
    FERRY_TRY(sig, v.read_uint<uint32_t>(e64, le, "ZIP64 end record"));
    if (sig != kEnd64Sig) return bad(path, "ZIP64 locator points at no ZIP64 end record", e64);
    FERRY_TRY(c, v.read_uint<uint64_t>(e64 + 32, le, "ZIP64 entry count"));
    FERRY_TRY(s, v.read_uint<uint64_t>(e64 + 40, le, "ZIP64 directory size"));
    FERRY_TRY(o, v.read_uint<uint64_t>(e64 + 48, le, "ZIP64 directory offset"));
    r = {c, s, o};
  }
  if (!v.in_bounds(r.cd_off, r.cd_size)) return bad(path, "central directory runs past the end of the file", r.cd_off);
  if (r.count > r.cd_size / kCentralHeader)
    return bad(path, "the end record counts " + std::to_string(r.count) + " members, more than its " +
                         std::to_string(r.cd_size) + "-byte central directory holds",
               r.cd_off);
  return r;
}

// ZIP64 extended information (4.5.3): only the fields whose 32-bit value is 0xffffffff, in this order.
Status zip64_fields(ByteView extra, ZipEntry& r) {
  const Endian le = Endian::little;
  for (uint64_t x = 0; x + 4 <= extra.size();) {
    uint16_t tag = *extra.find_uint<uint16_t>(x, le), len = *extra.find_uint<uint16_t>(x + 2, le);
    if (tag == 1) {
      uint64_t q = x + 4;
      for (uint64_t* field : {&r.size, &r.comp_size, &r.local_offset}) {
        if (*field != k32) continue;
        FERRY_TRY(val, extra.read_uint<uint64_t>(q, le, "ZIP64 extra field of '" + r.name + "'"));
        *field = val, q += 8;
      }
    }
    x += 4 + uint64_t{len};
  }
  return {};
}

// One central directory entry at `p` (inside [p, cd_end)); `next` receives where the following one starts.
Result<ZipEntry> central_entry(ByteView v, uint64_t p, uint64_t cd_end, uint64_t i, uint64_t& next,
                               const std::string& path) {
  const Endian le = Endian::little;
  auto past = [&] { return bad(path, "central directory entry #" + std::to_string(i) + " runs past the directory", p); };
  if (p + kCentralHeader > cd_end) return past();
  FERRY_TRY(hdr, v.sub(p, kCentralHeader, "central directory header"));
  if (*hdr.find_uint<uint32_t>(0, le) != kCentralSig)
    return bad(path, "central directory entry #" + std::to_string(i) + " has a bad signature", p);
  ZipEntry r;
  r.version_made_by = *hdr.find_uint<uint16_t>(4, le);
  r.flags = *hdr.find_uint<uint16_t>(8, le);
  r.method = *hdr.find_uint<uint16_t>(10, le);
  r.dostime = *hdr.find_uint<uint16_t>(12, le);
  r.dosdate = *hdr.find_uint<uint16_t>(14, le);
  r.crc = *hdr.find_uint<uint32_t>(16, le);
  r.comp_size = *hdr.find_uint<uint32_t>(20, le);
  r.size = *hdr.find_uint<uint32_t>(24, le);
  uint64_t nlen = *hdr.find_uint<uint16_t>(28, le), xlen = *hdr.find_uint<uint16_t>(30, le);
  uint64_t clen = *hdr.find_uint<uint16_t>(32, le);
  r.external_attr = *hdr.find_uint<uint32_t>(38, le);
  r.local_offset = *hdr.find_uint<uint32_t>(42, le);
  next = p + kCentralHeader + nlen + xlen + clen;
  if (next > cd_end) return past();
  ByteView name = *v.find_sub(p + kCentralHeader, nlen);
  r.name.assign(reinterpret_cast<const char*>(name.data()), nlen);
  if (Status s = zip64_fields(*v.find_sub(p + kCentralHeader + nlen, xlen), r); !s) return s.error().with_path(path);
  return r;
}

// The local header must agree with the directory (what libzip's ZIP_CHECKCONS compared): a reader that trusts
// either one alone can be shown different files than another reader sees.
Status check_local_header(ByteView v, ZipEntry& r, const std::string& path) {
  const Endian le = Endian::little;
  const std::string what = "local header of '" + r.name + "'";
  auto lh = v.find_sub(r.local_offset, kLocalHeader);
  if (!lh) return bad(path, what + " lies past the end of the file", r.local_offset);
  if (*lh->find_uint<uint32_t>(0, le) != kLocalSig) return bad(path, what + " has a bad signature", r.local_offset);
  uint64_t nlen = *lh->find_uint<uint16_t>(26, le), xlen = *lh->find_uint<uint16_t>(28, le);
  auto name = v.find_sub(r.local_offset + kLocalHeader, nlen);
  if (!name || nlen != r.name.size() || std::memcmp(name->data(), r.name.data(), nlen) != 0)
    return bad(path, what + " names another file than the central directory", r.local_offset);
  if (*lh->find_uint<uint16_t>(8, le) != r.method)
    return bad(path, what + " gives another compression method than the central directory", r.local_offset);
  if ((r.flags & 8) == 0) {  // no data descriptor: the local CRC and sizes are the real ones
    uint32_t crc = *lh->find_uint<uint32_t>(14, le), comp = *lh->find_uint<uint32_t>(18, le);
    uint32_t size = *lh->find_uint<uint32_t>(22, le);
    bool sizes_ok = (comp == k32 || comp == r.comp_size) && (size == k32 || size == r.size);
    if (crc != r.crc || !sizes_ok)
      return bad(path, what + " gives another CRC or size than the central directory", r.local_offset);
  }
  r.data_offset = r.local_offset + kLocalHeader + nlen + xlen;
  if (!v.in_bounds(r.data_offset, r.comp_size))
    return bad(path, "data of '" + r.name + "' runs past the end of the file", r.data_offset);
  return {};
}

// Members occupy disjoint ranges before the central directory: overlapping members let a few KiB inflate to
// gigabytes (the same compressed bytes counted by every member that points into them).
Status check_disjoint(const std::vector<ZipEntry>& entries, uint64_t cd_off, const std::string& path) {
  std::vector<const ZipEntry*> order;
  order.reserve(entries.size());
  for (auto& e : entries) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->local_offset < b->local_offset; });
  for (size_t i = 0; i < order.size(); ++i) {
    uint64_t end = order[i]->data_offset + order[i]->comp_size;
    uint64_t limit = i + 1 < order.size() ? order[i + 1]->local_offset : cd_off;
    if (end <= limit) continue;
    std::string other = i + 1 < order.size() ? "member '" + order[i + 1]->name + "'" : "the central directory";
    return bad(path, "member '" + order[i]->name + "' overlaps " + other, order[i]->local_offset);
  }
  return {};
}

}  // namespace

Result<std::vector<ZipEntry>> read_zip_directory(const std::string& path) {
  FERRY_TRY(m, MappedFile::open(path));
  ByteView v = m.view();
  FERRY_TRY(end, find_end(v, path));
  std::vector<ZipEntry> out;
  out.reserve(static_cast<size_t>(end.count));  // bounded: count <= directory size / 46 <= file size / 46
  uint64_t cd_end = end.cd_off + end.cd_size;
  for (uint64_t i = 0, p = end.cd_off; i < end.count; ++i) {
    uint64_t next = 0;
    FERRY_TRY(r, central_entry(v, p, cd_end, i, next, path));
    FERRY_CHECK(check_local_header(v, r, path));
    out.push_back(std::move(r));
    p = next;
  }
  FERRY_CHECK(check_disjoint(out, end.cd_off, path));
  return out;
}

ZipDataStream::ZipDataStream(int fd, const ZipEntry& e) : fd_(fd), e_(e) {}

ZipDataStream::~ZipDataStream() {
  if (z_) {
    inflateEnd(static_cast<z_stream*>(z_));
    delete static_cast<z_stream*>(z_);
  }
}

int64_t ZipDataStream::fail(std::string why) {
  error_ = std::move(why);
  return -1;
}

// More compressed input when the buffer is used up; false at the end of the member's data or on a read error.
bool ZipDataStream::fill() {
  if (in_pos_ < in_len_) return true;
  if (consumed_ >= e_.comp_size) return false;
  if (in_.empty()) in_.resize(256 << 10);
  size_t want = static_cast<size_t>(std::min<uint64_t>(in_.size(), e_.comp_size - consumed_));
  ssize_t r;
  do r = ::pread(fd_, in_.data(), want, static_cast<off_t>(e_.data_offset + consumed_));
  while (r < 0 && errno == EINTR);
  if (r <= 0) {
    error_ = r < 0 ? std::string("cannot read its data: ") + std::strerror(errno) : "its data ends early";
    return false;
  }
  in_pos_ = 0, in_len_ = static_cast<size_t>(r), consumed_ += static_cast<uint64_t>(r);
  return true;
}

int64_t ZipDataStream::read(uint8_t* buf, size_t n) {
  if (!error_.empty()) return -1;
  if (done_ || n == 0) return 0;
  if (e_.encrypted()) return fail("encrypted");
  size_t produced = 0;
  if (e_.method == 0) {
    if (!fill()) {
      if (!error_.empty()) return -1;
      done_ = true;
    } else {
      produced = std::min(n, in_len_ - in_pos_);
      std::memcpy(buf, in_.data() + in_pos_, produced);
      in_pos_ += produced;
    }
  } else if (e_.method == 8) {
    auto* z = static_cast<z_stream*>(z_);
    if (!z) {
      z = new z_stream{};
      if (inflateInit2(z, -15) != Z_OK) {
        delete z;
        return fail("zlib cannot start inflating");
      }
      z_ = z;
    }
    while (produced == 0 && !done_) {
      if (!fill()) return fail(error_.empty() ? "its deflate data ends early" : error_);
      z->next_in = in_.data() + in_pos_;
      z->avail_in = static_cast<uInt>(in_len_ - in_pos_);
      z->next_out = buf;
      z->avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
      int ret = inflate(z, Z_NO_FLUSH);
      in_pos_ = in_len_ - z->avail_in;
      produced = static_cast<size_t>(z->next_out - buf);
      if (ret == Z_STREAM_END) done_ = true;
      else if (ret != Z_OK && ret != Z_BUF_ERROR) return fail("corrupt deflate data");
    }
  } else {
    return fail("compression method " + std::to_string(e_.method) + " is not supported (only store and deflate)");
  }
  crc_ = static_cast<uint32_t>(crc32(crc_, buf, static_cast<uInt>(produced)));
  if (done_ && crc_ != e_.crc) return fail("CRC-32 mismatch (the data is corrupt)");
  return static_cast<int64_t>(produced);
}

}  // namespace ferry::archive
