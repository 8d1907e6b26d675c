// Deflate reuse (a patched member keeps its original compressed bits where its content did not change): the
// original is deflated by zlib (as Python's zipfile writes a wheel), indexed while ferry inflates it, patched in a
// few places, and rebuilt by deflate_file_reusing. The oracle is zlib's inflate of the rebuilt stream, which must
// give the patched content byte for byte; the copy must really have happened (the original's compressed bytes are
// found in the output), and a base that no longer matches, or an index that lies, must not be reused.
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "wheel/deflate.hpp"
#include "wheel/deflate_reuse.hpp"

using namespace ferry;
using namespace ferry::wheel;

namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kPrefix = 100;  // bytes before the member data in the fake archive

// Bytes that deflate to many blocks of varied bit lengths (tens of KiB each, as in a shared library): words from a
// small vocabulary chosen by an LCG, with a few noise bytes after most of them.
std::vector<uint8_t> content(size_t n, uint32_t seed) {
  static const char* words[] = {"load ", "segment ", "rpath ", "$ORIGIN ", "needed ", "soname ", "GLIBC_2.17 ",
                                "\x7f" "ELF", "\n", "libtorch_cuda.so ", "0123456789", "\0\0\0\0"};
  std::vector<uint8_t> out;
  out.reserve(n);
  uint32_t x = seed;
  while (out.size() < n) {
    x = x * 1664525u + 1013904223u;
    const char* w = words[(x >> 24) % 12];
    size_t len = (x >> 24) % 12 == 11 ? 4 : std::strlen(w);
    out.insert(out.end(), w, w + len);
    for (uint32_t k = x & 7; k < 5; ++k) out.push_back(static_cast<uint8_t>(x >> (k * 4)));  // noise: short blocks
  }
  out.resize(n);
  return out;
}

std::vector<uint8_t> zlib_deflate(const std::vector<uint8_t>& in, int level) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::vector<uint8_t> out(deflateBound(&z, in.size()));
  z.next_in = const_cast<uint8_t*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// The oracle: zlib inflates the raw stream; the whole of it must be one complete stream.
std::vector<uint8_t> zlib_inflate(const std::vector<uint8_t>& in, size_t expect) {
  z_stream z{};
  REQUIRE(inflateInit2(&z, -15) == Z_OK);
  std::vector<uint8_t> out(expect + 1);
  z.next_in = const_cast<uint8_t*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  int ret = inflate(&z, Z_FINISH);
  CHECK(ret == Z_STREAM_END);
  CHECK(z.avail_in == 0);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

struct TempFile {
  std::string path;
  int fd = -1;
  TempFile() {
    const char* dir = std::getenv("TMPDIR");
    path = std::string(dir && *dir ? dir : "/tmp") + "/ferry-reuse-XXXXXX";
    fd = ::mkstemp(path.data());
    REQUIRE(fd >= 0);
  }
  ~TempFile() {
    ::close(fd);
    ::unlink(path.c_str());
  }
  void write(const std::vector<uint8_t>& d, uint64_t at = 0) const {
    REQUIRE(::pwrite(fd, d.data(), d.size(), static_cast<off_t>(at)) == static_cast<ssize_t>(d.size()));
  }
  std::vector<uint8_t> read(size_t n, uint64_t at = 0) const {
    std::vector<uint8_t> d(n);
    REQUIRE(::pread(fd, d.data(), n, static_cast<off_t>(at)) == static_cast<ssize_t>(n));
    return d;
  }
};

// The original member in a fake archive, extracted and indexed the way repair's scan does it.
struct Original {
  std::vector<uint8_t> data, comp;
  TempFile archive, base;
  DeflateIndex index;
  RawMember member;
  explicit Original(std::vector<uint8_t> d) : data(std::move(d)), comp(zlib_deflate(data, 6)) {
    archive.write(std::vector<uint8_t>(kPrefix, 'P'));
    archive.write(comp, kPrefix);
    member.name = "pkg/libbig.so";
    member.method = 8;
    member.data_offset = kPrefix;
    member.comp_size = comp.size();
    member.size = data.size();
    member.crc = static_cast<uint32_t>(crc32(0, data.data(), static_cast<uInt>(data.size())));
    uint64_t at = 0;
    DataSink sink = [&](const uint8_t* p, size_t n) -> Status {
      base.write(std::vector<uint8_t>(p, p + n), at);
      at += n;
      return {};
    };
    auto pending = PendingDeflateIndex::start(archive.fd, member, archive.path);
    REQUIRE(pending);
    auto d2 = digest_member(archive.fd, member, 0, sink, archive.path, false);
    REQUIRE(d2);
    CHECK(pending->get() == nullptr);  // the member's CRC-32 is not in yet: no index is handed out
    pending->set_crc(d2->crc);
    REQUIRE(pending->get());
    index = *pending->get();
    REQUIRE(index.size == data.size());
    REQUIRE(index.comp_size == comp.size());
    REQUIRE(index.crc == member.crc);
  }
  ReuseBase reuse_base() const { return ReuseBase{archive.fd, kPrefix, &index, base.fd, nullptr, nullptr}; }
};

struct Rebuilt {
  Result<uint64_t> size = uint64_t{0};
  std::vector<uint8_t> stream;
  uint32_t crc = 0;
  ReuseStats stats;
};
Rebuilt rebuild(const ReuseBase& base, const std::vector<uint8_t>& patched, int level) {
  TempFile in, out;
  in.write(patched);
  Rebuilt r;
  r.size = deflate_file_reusing(base, in.fd, patched.size(), level, out.fd, 0, 2, r.crc, {}, in.path, &r.stats,
                                256 << 10);
  if (r.size) r.stream = out.read(static_cast<size_t>(*r.size));
  return r;
}

// The oracle index: zlib's inflate stopped at every block boundary (Z_BLOCK), as pigz and gzappend walk blocks.
DeflateIndex zlib_index(const std::vector<uint8_t>& stream) {
  DeflateIndex ix;
  ix.points.push_back({0, 0});
  z_stream z{};
  REQUIRE(inflateInit2(&z, -15) == Z_OK);
  std::vector<uint8_t> out(1 << 16);
  z.next_in = const_cast<uint8_t*>(stream.data());
  z.avail_in = static_cast<uInt>(stream.size());
  for (;;) {
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    int ret = inflate(&z, Z_BLOCK);
    if (ret == Z_STREAM_END) break;
    REQUIRE(ret == Z_OK);
    if ((z.data_type & 128) && !(z.data_type & 64) && z.total_out > 0)
      ix.points.push_back({z.total_out, z.total_in * 8 - static_cast<uint64_t>(z.data_type & 7)});
  }
  ix.size = z.total_out, ix.comp_size = z.total_in;
  inflateEnd(&z);
  return ix;
}

bool contains(const std::vector<uint8_t>& hay, const uint8_t* needle, size_t n) {
  return std::search(hay.begin(), hay.end(), needle, needle + n) != hay.end();
}

}  // namespace

TEST_CASE("the block index records byte and bit offsets that zlib's own stream has", "[wheel][deflate-reuse]") {
  Original o(content(6 * kMiB, 7));
  REQUIRE(o.index.points.size() > 20);
  CHECK(o.index.points.front().out == 0);
  CHECK(o.index.points.front().bit == 0);
  size_t aligned = 0, unaligned = 0;
  for (size_t i = 1; i < o.index.points.size(); ++i) {
    CHECK(o.index.points[i].out > o.index.points[i - 1].out);
    CHECK(o.index.points[i].bit > o.index.points[i - 1].bit);
    (o.index.points[i].bit % 8 ? unaligned : aligned) += 1;
  }
  CHECK(aligned > 0);
  CHECK(unaligned > 0);  // the glue after a mid-byte end is exercised below
}

TEST_CASE("a patched member rebuilt from the original's bits inflates to the patched bytes", "[wheel][deflate-reuse]") {
  Original o(content(12 * kMiB, 11));
  auto patched = o.data;
  // A header edit, a dynamic-section edit in the middle, and a new segment appended at the end.
  std::memset(patched.data() + 1000, 'H', 100);
  std::memset(patched.data() + 6 * kMiB + 12345, 'D', 50);
  auto tail = content(5000, 99);
  patched.insert(patched.end(), tail.begin(), tail.end());
  for (int level : {kDefaultDeflateLevel, kFastLevel}) {
    Rebuilt r = rebuild(o.reuse_base(), patched, level);
    REQUIRE(r.size);
    CHECK(r.stats.used);
    CHECK(r.stats.reused > 9 * kMiB);
    CHECK(r.crc == static_cast<uint32_t>(crc32(0, patched.data(), static_cast<uInt>(patched.size()))));
    CHECK(zlib_inflate(r.stream, patched.size()) == patched);
    // The copy is real: a stretch of the original's compressed bytes from the middle of each unchanged run.
    CHECK(contains(r.stream, o.comp.data() + o.comp.size() / 4, 4096));
    CHECK(contains(r.stream, o.comp.data() + o.comp.size() * 3 / 4, 4096));
  }
}

TEST_CASE("a member unchanged to its end ends with the original's final block", "[wheel][deflate-reuse]") {
  Original o(content(8 * kMiB, 5));
  auto patched = o.data;
  std::memset(patched.data() + 64, 'R', 300);
  Rebuilt r = rebuild(o.reuse_base(), patched, kDefaultDeflateLevel);
  REQUIRE(r.size);
  CHECK(r.stats.used);
  CHECK(zlib_inflate(r.stream, patched.size()) == patched);
  // The last bytes of the stream are the original's own.
  REQUIRE(r.stream.size() > 64);
  CHECK(std::equal(r.stream.end() - 64, r.stream.end(), o.comp.end() - 64));
}

// The unchanged ranges a page-granular patch reports (patch::PatchReport::unchanged): every whole 4 KiB page below
// the original's end whose bytes are the original's.
static std::vector<std::pair<uint64_t, uint64_t>> untouched_pages(const std::vector<uint8_t>& base,
                                                                  const std::vector<uint8_t>& patched) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  const uint64_t end = std::min(base.size(), patched.size());
  for (uint64_t at = 0; at < end; at += 4096) {
    const uint64_t to = std::min(end, at + 4096);
    if (!std::equal(base.begin() + at, base.begin() + to, patched.begin() + at)) continue;
    if (!out.empty() && out.back().second == at) out.back().second = to;
    else out.emplace_back(at, to);
  }
  return out;
}

// What repair hands the writer for a member patched from its seed: the patch's unchanged pages and the CRC-32
// worked out from them (patched_crc); nothing when patched_crc cannot work it out.
static std::optional<KnownChanges> known_changes(const Original& o, const std::vector<uint8_t>& patched) {
  TempFile in;
  in.write(patched);
  auto unchanged = untouched_pages(o.data, patched);
  auto crc = patched_crc(o.base.fd, o.data.size(), o.member.crc, in.fd, patched.size(), unchanged, in.path);
  REQUIRE(crc);
  if (!*crc) return std::nullopt;
  return KnownChanges{std::move(unchanged), **crc};
}

TEST_CASE("with the patch's unchanged ranges and the CRC-32 worked out from them the member is rebuilt without "
          "comparing", "[wheel][deflate-reuse]") {
  Original o(content(12 * kMiB, 17));
  auto patched = o.data;
  // Edits on a page's first and last byte, across a page boundary, and in the middle; then a grown tail.
  patched[0] ^= 0x5a;
  patched[4095] ^= 0x01;
  std::memset(patched.data() + 3 * kMiB - 10, 'X', 20);
  std::memset(patched.data() + 7 * kMiB + 777, 'Y', 5000);
  for (bool grows : {false, true}) {
    if (grows) {
      auto tail = content(70000, 23);
      patched.insert(patched.end(), tail.begin(), tail.end());
    }
    auto known = known_changes(o, patched);
    REQUIRE(known);
    REQUIRE(known->unchanged.size() == 3);  // after page 0, between the two middle edits, after the second
    ReuseBase base = o.reuse_base();
    base.known = &*known;
    // The original's file is not read where the ranges say nothing changed: spoiling it there changes nothing.
    o.base.write(std::vector<uint8_t>(64, 'Z'), 5 * kMiB);
    Rebuilt r = rebuild(base, patched, kDefaultDeflateLevel);
    REQUIRE(r.size);
    CHECK(r.stats.used);
    CHECK(r.stats.reused > 10 * kMiB);
    CHECK(r.crc == static_cast<uint32_t>(crc32(0, patched.data(), static_cast<uInt>(patched.size()))));
    CHECK(zlib_inflate(r.stream, patched.size()) == patched);
    o.base.write(std::vector<uint8_t>(o.data.begin() + 5 * kMiB, o.data.begin() + 5 * kMiB + 64), 5 * kMiB);
  }
}

TEST_CASE("a patched file's CRC-32 follows from its original's and the pages the patch wrote", "[wheel][deflate-reuse]") {
  Original o(content(3 * kMiB, 31));
  auto patched = o.data;
  patched[5] ^= 0x80;
  std::memset(patched.data() + 2 * kMiB + 4000, 'Q', 300);
  auto tail = content(12345, 37);
  patched.insert(patched.end(), tail.begin(), tail.end());
  TempFile in;
  in.write(patched);
  auto unchanged = untouched_pages(o.data, patched);
  auto crc = patched_crc(o.base.fd, o.data.size(), o.member.crc, in.fd, patched.size(), unchanged, in.path);
  REQUIRE(crc);
  REQUIRE(*crc);
  CHECK(**crc == static_cast<uint32_t>(crc32(0, patched.data(), static_cast<uInt>(patched.size()))));
  auto unsorted = unchanged;
  std::swap(unsorted.front(), unsorted.back());
  CHECK_FALSE(*patched_crc(o.base.fd, o.data.size(), o.member.crc, in.fd, patched.size(), unsorted, in.path));
  CHECK_FALSE(*patched_crc(o.base.fd, o.data.size(), o.member.crc, in.fd, o.data.size() - 1, unchanged, in.path));

  SECTION("with it worked out, the member is rebuilt without its original's file") {
    ReuseBase base = o.reuse_base();
    KnownChanges known{unchanged, **crc};
    base.known = &known;
    base.base_fd = -1;  // emptied and closed, as repair does once the CRC is known
    Rebuilt r = rebuild(base, patched, kDefaultDeflateLevel);
    REQUIRE(r.size);
    CHECK(r.stats.used);
    CHECK(r.crc == **crc);
    CHECK(zlib_inflate(r.stream, patched.size()) == patched);
  }
}

TEST_CASE("a member shorter than its original gets no CRC-32 worked out, and is compared", "[wheel][deflate-reuse]") {
  Original o(content(6 * kMiB, 29));
  std::vector<uint8_t> patched(o.data.begin(), o.data.end() - 10000);
  patched[200] ^= 1;
  REQUIRE_FALSE(known_changes(o, patched));
  Rebuilt r = rebuild(o.reuse_base(), patched, kDefaultDeflateLevel);
  REQUIRE(r.size);
  CHECK(r.crc == static_cast<uint32_t>(crc32(0, patched.data(), static_cast<uInt>(patched.size()))));
  CHECK(zlib_inflate(r.stream, patched.size()) == patched);
}

TEST_CASE("a base that no longer holds the original's bytes is not reused", "[wheel][deflate-reuse]") {
  Original o(content(4 * kMiB, 3));
  o.base.write(std::vector<uint8_t>(10, 'L'), 2 * kMiB);  // rewritten in place, as a --lower pass may
  auto patched = o.data;
  patched[100] ^= 1;
  Rebuilt r = rebuild(o.reuse_base(), patched, kDefaultDeflateLevel);
  REQUIRE(r.size);
  CHECK_FALSE(r.stats.used);
  CHECK(zlib_inflate(r.stream, patched.size()) == patched);
}

TEST_CASE("an index that lies about block starts is caught by the seam check", "[wheel][deflate-reuse]") {
  Original o(content(6 * kMiB, 13));
  auto patched = o.data;
  patched[500] ^= 1;
  for (uint64_t shift : {uint64_t{8}, uint64_t{1}}) {  // every block a byte late; every block a bit late
    DeflateIndex lying = o.index;
    for (size_t i = 1; i < lying.points.size(); ++i) lying.points[i].bit += shift;
    ReuseBase base = o.reuse_base();
    base.index = &lying;
    Rebuilt r = rebuild(base, patched, kDefaultDeflateLevel);
    REQUIRE(r.size);
    CHECK_FALSE(r.stats.used);  // deflated anew instead
    CHECK(zlib_inflate(r.stream, patched.size()) == patched);
  }
}

TEST_CASE("the reuse plan keeps 32 KiB of unchanged history and covers the content once", "[wheel][deflate-reuse]") {
  DeflateIndex ix;
  ix.size = 10 * kMiB;
  ix.comp_size = 4 * kMiB;
  for (uint64_t k = 0; k < 160; ++k) ix.points.push_back({k * 64 * 1024, k * 8 * 26 * 1024 + (k % 3 ? 3 : 0)});
  // Unchanged: [40000, 6 MiB) and [6 MiB + 4096, 10 MiB): the tail reaches the end of both.
  std::vector<ByteRange> same{{40000, 6 * kMiB}, {6 * kMiB + 4096, 10 * kMiB}};
  auto pieces = plan_reuse(ix, same, 10 * kMiB, kMiB);
  REQUIRE(pieces.size() == 4);
  CHECK(pieces[0].kind == ReusePiece::Kind::fresh);
  CHECK(pieces[0].from == 0);
  CHECK(pieces[1].kind == ReusePiece::Kind::reuse);
  CHECK(pieces[1].from >= 40000 + 32768);
  CHECK(pieces[1].bit_from % 8 == 0);
  CHECK(pieces[1].to <= 6 * kMiB);
  CHECK(pieces[2].kind == ReusePiece::Kind::fresh);
  CHECK(pieces[3].kind == ReusePiece::Kind::reuse);
  CHECK(pieces[3].to_end);
  CHECK(pieces[3].from >= 6 * kMiB + 4096 + 32768);
  for (size_t i = 1; i < pieces.size(); ++i) CHECK(pieces[i].from == pieces[i - 1].to);
  CHECK(pieces.back().to == 10 * kMiB);
  // A run shorter than the minimum is deflated anew: one fresh piece covers everything.
  auto none = plan_reuse(ix, {{0, kMiB / 2}}, 10 * kMiB, kMiB);
  REQUIRE(none.size() == 1);
  CHECK(none[0].kind == ReusePiece::Kind::fresh);
  CHECK(none[0].to == 10 * kMiB);
}

// Every kind of raw deflate stream of `data` a wheel may hold: dynamic blocks (zlib 1, 6, 9), stored blocks (level
// 0), fixed-code blocks (Z_FIXED), libdeflate's streams, and ISA-L's chunked stream with its sync-flush stored
// blocks between chunks.
std::vector<std::vector<uint8_t>> every_kind_of_stream(const std::vector<uint8_t>& data) {
  std::vector<std::vector<uint8_t>> streams{zlib_deflate(data, 1), zlib_deflate(data, 6), zlib_deflate(data, 9),
                                            zlib_deflate(data, 0)};
  {
    z_stream z{};
    REQUIRE(deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_FIXED) == Z_OK);
    std::vector<uint8_t> out(deflateBound(&z, data.size()));
    z.next_in = const_cast<uint8_t*>(data.data()), z.avail_in = static_cast<uInt>(data.size());
    z.next_out = out.data(), z.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    streams.push_back(out);
  }
  for (int level : {1, 12}) {
    auto d = deflate_buffer(data.data(), data.size(), level);
    REQUIRE(d);
    streams.push_back(*d);
  }
  for (int level : {kFastLevel, 6}) {
    TempFile in, out;
    in.write(data);
    uint32_t crc = 0;
    auto n = deflate_file_to(in.fd, data.size(), level, out.fd, 0, 2, crc, {}, in.path);
    REQUIRE(n);
    streams.push_back(out.read(static_cast<size_t>(*n)));
  }
  return streams;
}

TEST_CASE("the block walker finds every block zlib finds, on every kind of stream", "[wheel][deflate-reuse]") {
  auto data = content(3 * kMiB, 17);
  auto streams = every_kind_of_stream(data);
  for (size_t k = 0; k < streams.size(); ++k) {
    INFO("stream " << k);
    TempFile f;
    f.write(std::vector<uint8_t>(kPrefix, 'P'));
    f.write(streams[k], kPrefix);
    DeflateIndex walked;
    REQUIRE(walk_deflate_blocks(f.fd, kPrefix, streams[k].size(), data.size(), f.path, walked));
    DeflateIndex want = zlib_index(streams[k]);
    CHECK(walked.size == want.size);
    CHECK(walked.comp_size == want.comp_size);
    REQUIRE(walked.points.size() == want.points.size());
    for (size_t i = 0; i < want.points.size(); ++i) {
      CHECK(walked.points[i].out == want.points[i].out);
      CHECK(walked.points[i].bit == want.points[i].bit);
    }
  }
}

TEST_CASE("the inflate records only block starts the walker finds, and where the stream ends", "[wheel][deflate-reuse]") {
  auto data = content(3 * kMiB, 29);
  auto streams = every_kind_of_stream(data);
  const uint32_t crc = static_cast<uint32_t>(crc32(0, data.data(), static_cast<uInt>(data.size())));
  // Both builds record: zlib by its Z_BLOCK mode; ISA-L through its per-block call, which must reach ferry's
  // definition (a link that lost that would fall back to the walker, correct but slow, and only this says so).
  REQUIRE(inflate_records_blocks());
#ifdef FERRY_HAVE_ISAL
  const bool have_isal = true;
#else
  const bool have_isal = false;
#endif
  for (bool zlib : {false, true}) {
    const bool isal = have_isal && !zlib;
    for (size_t k = 0; k < streams.size(); ++k) {
      INFO((isal ? "ISA-L" : "zlib") << ", stream " << k);
      TempFile f;
      f.write(std::vector<uint8_t>(kPrefix, 'P'));
      f.write(streams[k], kPrefix);
      RawMember m;
      m.method = 8, m.data_offset = kPrefix, m.comp_size = streams[k].size(), m.size = data.size(), m.crc = crc;
      RecordedBlocks rec;
      REQUIRE(digest_member_streaming(f.fd, m, f.path, &rec, zlib));
      DeflateIndex walked;
      REQUIRE(walk_deflate_blocks(f.fd, kPrefix, streams[k].size(), data.size(), f.path, walked));
      // ISA-L decodes stored blocks in another call than the one that records: an all-stored stream records
      // nothing, its end included, and is walked instead.
      if (isal && k == 3) {
        CHECK_FALSE(rec.complete);
        continue;
      }
      REQUIRE(rec.complete);
      CHECK(rec.index.size == walked.size);
      CHECK(rec.index.comp_size == walked.comp_size);
      REQUIRE_FALSE(rec.index.points.empty());
      CHECK((rec.index.points[0].out == 0 && rec.index.points[0].bit == 0));
      size_t j = 0, found = 0;
      for (const DeflateIndex::Point& p : rec.index.points) {
        while (j < walked.points.size() && walked.points[j].bit < p.bit) ++j;
        REQUIRE(j < walked.points.size());
        CHECK(walked.points[j].bit == p.bit);
        CHECK(walked.points[j].out == p.out);
        found += walked.points[j].bit == p.bit;
      }
      // zlib stops at every block (of starts at one offset, after an empty block, the first is kept); ISA-L's
      // first 64 KiB of output per call and blocks after stored ones are not seen.
      size_t offsets = 0;
      for (size_t i = 0; i < walked.points.size(); ++i) offsets += i == 0 || walked.points[i].out != walked.points[i - 1].out;
      INFO(found << " of " << walked.points.size() << " block starts recorded, at " << offsets << " offsets");
      if (isal) CHECK(found * 4 >= walked.points.size() * 3);
      else CHECK(found == offsets);
    }
    // A corrupt stream fails as before, whatever was recorded.
    auto bad = streams[1];
    bad[bad.size() / 2] ^= 0xff;
    TempFile f;
    f.write(bad);
    RawMember m;
    m.method = 8, m.data_offset = 0, m.comp_size = bad.size(), m.size = data.size(), m.crc = crc;
    RecordedBlocks rec;
    CHECK_FALSE(digest_member_streaming(f.fd, m, f.path, &rec, zlib));
  }
}

TEST_CASE("the block walker refuses corrupt and oversized streams without reading past them", "[wheel][deflate-reuse]") {
  auto data = content(kMiB, 19);
  auto good = zlib_deflate(data, 6);
  TempFile f;
  f.write(good);
  DeflateIndex ix;
  CHECK_FALSE(walk_deflate_blocks(f.fd, 0, good.size() / 2, data.size(), f.path, ix));  // cut short
  CHECK(ix.points.empty());
  CHECK_FALSE(walk_deflate_blocks(f.fd, 0, good.size(), data.size() / 2, f.path, ix));  // more than the directory says
  // Every byte flipped in turn in the first 2 KiB (headers and code tables): an error or a walk, never a crash.
  auto bad = good;
  for (size_t i = 0; i < 2048; ++i) {
    bad[i] ^= 0x5a;
    f.write(bad);
    (void)walk_deflate_blocks(f.fd, 0, bad.size(), data.size() * 2, f.path, ix);
    bad[i] = good[i];
  }
  // A block of the reserved type 3.
  std::vector<uint8_t> reserved{0x07, 0x00};
  TempFile r;
  r.write(reserved);
  auto st = walk_deflate_blocks(r.fd, 0, reserved.size(), 100, r.path, ix);
  REQUIRE_FALSE(st);
  CHECK_THAT(st.error().message, Catch::Contains("reserved type 3"));
}

TEST_CASE("a pending index is handed out only for a checked member whose walk succeeded", "[wheel][deflate-reuse]") {
  auto data = content(2 * kMiB, 23);
  auto good = zlib_deflate(data, 6);
  TempFile f;
  f.write(good);
  RawMember m;
  m.method = 8, m.data_offset = 0, m.comp_size = good.size(), m.size = data.size();
  m.crc = static_cast<uint32_t>(crc32(0, data.data(), static_cast<uInt>(data.size())));
  {
    auto p = PendingDeflateIndex::start(f.fd, m, f.path);
    REQUIRE(p);
    CHECK(p->get() == nullptr);  // walked, but nobody said the member inflated to its CRC
    p->set_crc(m.crc);
    REQUIRE(p->get());
    CHECK(p->get()->size == data.size());
    CHECK(p->get()->crc == m.crc);
    auto want = zlib_index(good).points;
    REQUIRE(p->get()->points.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i)
      CHECK((p->get()->points[i].out == want[i].out && p->get()->points[i].bit == want[i].bit));
  }
  {
    RawMember cut = m;
    cut.comp_size = good.size() / 2;
    auto p = PendingDeflateIndex::start(f.fd, cut, f.path);
    REQUIRE(p);
    p->set_crc(m.crc);
    CHECK(p->get() == nullptr);  // the walk failed: nothing to reuse
  }
  {
    // Its own descriptor: the walk reads on after the caller's is closed.
    int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    auto p = PendingDeflateIndex::start(fd, m, f.path);
    ::close(fd);
    REQUIRE(p);
    p->set_crc(m.crc);
    REQUIRE(p->get());
    CHECK(p->get()->points.size() == zlib_index(good).points.size());
  }
  // Destroyed while it walks: the destructor stops it and returns (nothing to check but that it does, under ASan).
  for (int i = 0; i < 4; ++i) (void)PendingDeflateIndex::start(f.fd, m, f.path);
}
