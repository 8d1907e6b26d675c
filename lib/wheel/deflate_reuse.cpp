// Deflating a patched member by reusing the original's compressed bits (deflate_reuse.hpp), in named steps:
// compare the new content with the original (which ranges are unchanged, both CRC-32s), plan the pieces (pure),
// check every seam by decoding it, write the pieces in order.
#include "wheel/deflate_reuse.hpp"

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "support/file.hpp"
#include "support/parallel.hpp"
#include "wheel/zip_raw.hpp"

namespace ferry::wheel {

namespace {

using Point = DeflateIndex::Point;

constexpr uint64_t kWindow = 32768;           // RFC 1951: a distance reaches at most 32 KiB back
constexpr uint64_t kCompareBlock = 64 << 10;  // granularity of "unchanged"
constexpr uint64_t kCompareChunk = 1 << 20;   // one worker's share of the comparison

Status read_exact(int fd, uint8_t* d, size_t n, uint64_t off, const std::string& path) {
  return pread_exact(fd, d, n, off, path, "for the deflate reuse");
}

// Step 1: the CRC-32 of both contents and the ranges (whole kCompareBlock blocks) where they are equal at the
// same offsets. One read of each file, in parallel chunks.
struct Comparison {
  uint32_t base_crc = 0, new_crc = 0;
  std::vector<ByteRange> same;
};
Result<Comparison> compare_contents(int base_fd, uint64_t base_size, int new_fd, uint64_t new_size, unsigned jobs,
                                   const std::string& path) {
  const uint64_t longest = std::max(base_size, new_size);
  const size_t chunks = static_cast<size_t>((longest + kCompareChunk - 1) / kCompareChunk);
  struct Slot {
    uint32_t base_crc = 0, new_crc = 0;
    uint64_t base_len = 0, new_len = 0;
    std::vector<uint8_t> equal;  // per kCompareBlock block of the chunk
    std::optional<Error> err;
  };
  std::vector<Slot> slots(chunks);
  parallel_for(chunks, [&](size_t k) {
    Slot& s = slots[k];
    thread_local std::vector<uint8_t> a, b;
    const uint64_t at = uint64_t{k} * kCompareChunk;
    s.base_len = at < base_size ? std::min(kCompareChunk, base_size - at) : 0;
    s.new_len = at < new_size ? std::min(kCompareChunk, new_size - at) : 0;
    a.resize(s.base_len), b.resize(s.new_len);
    if (Status st = read_exact(base_fd, a.data(), a.size(), at, path); !st) return void(s.err = st.error());
    if (Status st = read_exact(new_fd, b.data(), b.size(), at, path); !st) return void(s.err = st.error());
    s.base_crc = crc32_of(a.data(), a.size());
    s.new_crc = crc32_of(b.data(), b.size());
    const size_t blocks = static_cast<size_t>((std::max(s.base_len, s.new_len) + kCompareBlock - 1) / kCompareBlock);
    s.equal.assign(blocks, 0);
    for (size_t j = 0; j < blocks; ++j) {
      const uint64_t from = j * kCompareBlock;
      const uint64_t la = from < s.base_len ? std::min(kCompareBlock, s.base_len - from) : 0;
      const uint64_t lb = from < s.new_len ? std::min(kCompareBlock, s.new_len - from) : 0;
      s.equal[j] = la == lb && la > 0 && std::memcmp(a.data() + from, b.data() + from, la) == 0;
    }
  }, jobs);
  Comparison c;
  std::optional<ByteRange> run;
  for (size_t k = 0; k < chunks; ++k) {
    Slot& s = slots[k];
    if (s.err) return *s.err;
    c.base_crc = static_cast<uint32_t>(crc32_combine(c.base_crc, s.base_crc, static_cast<z_off_t>(s.base_len)));
    c.new_crc = static_cast<uint32_t>(crc32_combine(c.new_crc, s.new_crc, static_cast<z_off_t>(s.new_len)));
    for (size_t j = 0; j < s.equal.size(); ++j) {
      const uint64_t from = uint64_t{k} * kCompareChunk + j * kCompareBlock;
      const uint64_t to = std::min(from + kCompareBlock, std::min(base_size, new_size));
      if (s.equal[j]) {
        if (run && run->to == from) run->to = to;
        else {
          if (run) c.same.push_back(*run);
          run = ByteRange{from, to};
        }
      }
    }
  }
  if (run) c.same.push_back(*run);
  return c;
}

// The bytes that end copied bits at `bit` (mid-byte or not) and bring the stream back to a byte boundary: the
// bits of the last byte that belong to the copy, then an empty stored block (BFINAL 0, type 00, padding, LEN 0,
// NLEN 0xffff).
std::vector<uint8_t> glue_after(uint64_t bit, uint8_t last_byte) {
  const unsigned r = static_cast<unsigned>(bit % 8);
  const bool own_byte = r == 0 || r > 5;  // the three header bits do not fit in what is left of the byte
  std::vector<uint8_t> g((r > 0) + own_byte + 4, 0);
  if (r > 0) g[0] = static_cast<uint8_t>(last_byte & ((1u << r) - 1));
  g[g.size() - 2] = g[g.size() - 1] = 0xff;  // LEN 0000, NLEN ffff
  return g;
}

// Step 3: one seam checked. Decodes the original stream from block start `p` to block start `q` with the new
// content's 32 KiB before `p` as history: it must yield exactly new[p.out, q.out) and stop exactly at q's bit.
// With `glue`, the bytes from q's byte on are the glue instead of the original's, and after q the decoder must
// meet the empty stored block and stop on a byte boundary with no input left. With `to_stream_end`, q is the
// stream's end and the final block must end there.
Status check_seam(const ReuseBase& b, int new_fd, Point p, Point q, const std::vector<uint8_t>* glue,
                  bool to_stream_end, const std::string& path) {
  const DeflateIndex& ix = *b.index;
  auto fail = [&](const std::string& what) {
    return make_error(ErrorCode::verify, "deflate reuse: the seam at uncompressed offset " + std::to_string(p.out) +
                                             " " + what)
        .with_path(path);
  };
  const uint64_t first = p.bit / 8;
  uint64_t end_byte = glue ? q.bit / 8 : std::min(ix.comp_size, (q.bit + 7) / 8 + 8);
  std::vector<uint8_t> in(static_cast<size_t>(end_byte - first));
  FERRY_CHECK(read_exact(b.wheel_fd, in.data(), in.size(), b.data_offset + first, path));
  if (glue) in.insert(in.end(), glue->begin(), glue->end());
  const uint64_t hist_from = p.out >= kWindow ? p.out - kWindow : 0;
  std::vector<uint8_t> hist(static_cast<size_t>(p.out - hist_from));
  FERRY_CHECK(read_exact(new_fd, hist.data(), hist.size(), hist_from, path));
  std::vector<uint8_t> want(static_cast<size_t>(q.out - p.out)), got(want.size() + 1);
  FERRY_CHECK(read_exact(new_fd, want.data(), want.size(), p.out, path));

  struct Z {
    z_stream z{};
    bool ok = inflateInit2(&z, -15) == Z_OK;
    ~Z() {
      if (ok) inflateEnd(&z);
    }
  } s;
  if (!s.ok) return make_error(ErrorCode::io, "zlib inflateInit2 failed");
  if (!hist.empty() && inflateSetDictionary(&s.z, hist.data(), static_cast<uInt>(hist.size())) != Z_OK)
    return fail("cannot take its history");
  const unsigned k = static_cast<unsigned>(p.bit % 8);
  size_t skip = 0;
  uint64_t primed = 0;
  if (k) {
    if (in.empty() || inflatePrime(&s.z, static_cast<int>(8 - k), in[0] >> k) != Z_OK) return fail("cannot start");
    skip = 1, primed = 8 - k;
  }
  s.z.next_in = in.data() + skip;
  s.z.avail_in = static_cast<uInt>(in.size() - skip);
  s.z.next_out = got.data();
  s.z.avail_out = static_cast<uInt>(got.size());
  auto position = [&] { return primed + 8 * s.z.total_in - static_cast<uint64_t>(s.z.data_type & 7); };
  const uint64_t target = q.bit - p.bit;
  for (;;) {
    int ret = inflate(&s.z, Z_BLOCK);
    if (to_stream_end) {
      if (ret == Z_STREAM_END) break;
      if (ret != Z_OK) return fail("does not decode to the stream's end");
      continue;
    }
    if (ret != Z_OK) return fail("does not decode");
    if ((s.z.data_type & 128) && position() >= target) break;
  }
  if (s.z.total_out != want.size() || std::memcmp(got.data(), want.data(), want.size()) != 0)
    return fail("decodes to other bytes than the new content");
  if (to_stream_end) return {};
  if (position() != target || (s.z.data_type & 64)) return fail("does not end where its index says");
  if (!glue) return {};
  int ret = inflate(&s.z, Z_BLOCK);
  if (ret != Z_OK || s.z.total_out != want.size() || s.z.avail_in != 0 || !(s.z.data_type & 128) ||
      (s.z.data_type & 64) || (s.z.data_type & 7) != 0)
    return fail("does not end on a byte boundary after its stored block");
  return {};
}

// The index point after `p` (or none: p starts the final block).
std::optional<Point> next_point(const DeflateIndex& ix, const Point& p) {
  auto it = std::upper_bound(ix.points.begin(), ix.points.end(), p.bit,
                             [](uint64_t v, const Point& x) { return v < x.bit; });
  if (it == ix.points.end()) return std::nullopt;
  return *it;
}
Point previous_point(const DeflateIndex& ix, uint64_t bit) {
  auto it = std::lower_bound(ix.points.begin(), ix.points.end(), bit,
                             [](const Point& x, uint64_t v) { return x.bit < v; });
  return *(it - 1);
}

}  // namespace

// CRC-32 is linear: for two strings a and b of one length, crc(a) ^ crc(b) is the CRC of a ^ b without the pre-
// and post-conditioning ("raw": those cancel out). So the new content's CRC follows from the original's and the
// bytes outside the unchanged ranges, the only place a ^ b can be nonzero; zlib's crc32_combine(s, 0, n) appends n
// zero bytes to a raw CRC.
Result<std::optional<uint32_t>> patched_crc(int base_fd, uint64_t base_size, uint32_t base_crc, int new_fd,
                                            uint64_t new_size,
                                            const std::vector<std::pair<uint64_t, uint64_t>>& unchanged,
                                            const std::string& path) {
  if (new_size < base_size) return std::optional<uint32_t>();
  uLong diff = 0;  // raw CRC of (original ^ new) over [0, pos)
  uint64_t pos = 0;
  std::vector<uint8_t> a, b;
  auto changed_until = [&](uint64_t to) -> Status {  // [pos, to) may differ
    for (uint64_t at = pos; at < to;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(to - at, 1 << 20));
      a.resize(n), b.resize(n);
      FERRY_CHECK(read_exact(base_fd, a.data(), n, at, path));
      FERRY_CHECK(read_exact(new_fd, b.data(), n, at, path));
      diff = crc32_combine(diff, 0, static_cast<z_off_t>(n)) ^ crc32(0, a.data(), static_cast<uInt>(n)) ^
             crc32(0, b.data(), static_cast<uInt>(n));
      at += n;
    }
    pos = to;
    return {};
  };
  for (auto [range_from, range_to] : unchanged) {
    const uint64_t from = std::min(range_from, base_size), to = std::min(range_to, base_size);
    if (from < pos || to < from) return std::optional<uint32_t>();
    FERRY_CHECK(changed_until(from));
    diff = crc32_combine(diff, 0, static_cast<z_off_t>(to - from));  // equal bytes: a ^ b is zero there
    pos = to;
  }
  FERRY_CHECK(changed_until(base_size));
  uint32_t crc = static_cast<uint32_t>(base_crc ^ diff);
  if (new_size > base_size) {  // what the patch appended
    std::vector<uint8_t> tail(static_cast<size_t>(std::min<uint64_t>(new_size - base_size, 1 << 20)));
    uLong t = crc32(0, nullptr, 0);
    for (uint64_t at = base_size; at < new_size;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(new_size - at, tail.size()));
      FERRY_CHECK(read_exact(new_fd, tail.data(), n, at, path));
      t = crc32(t, tail.data(), static_cast<uInt>(n));
      at += n;
    }
    crc = static_cast<uint32_t>(crc32_combine(crc, t, static_cast<z_off_t>(new_size - base_size)));
  }
  return std::optional<uint32_t>(crc);
}

std::vector<ReusePiece> plan_reuse(const DeflateIndex& ix, const std::vector<ByteRange>& same, uint64_t new_size,
                                   uint64_t min_run) {
  std::vector<ReusePiece> out;
  const auto& pts = ix.points;
  uint64_t done = 0;  // the new content covered so far
  for (const ByteRange& r : same) {
    const uint64_t to = std::min({r.to, new_size, ix.size});
    if (to <= r.from || to <= done) continue;
    // The first block inside the run with a full unchanged history, starting on a byte boundary.
    const uint64_t need = std::max(done, r.from == 0 ? uint64_t{0} : r.from + kWindow);
    auto s = std::lower_bound(pts.begin(), pts.end(), need, [](const Point& p, uint64_t v) { return p.out < v; });
    while (s != pts.end() && s->bit % 8 != 0) ++s;
    if (s == pts.end() || s->out >= to) continue;
    ReusePiece piece;
    piece.kind = ReusePiece::Kind::reuse;
    piece.from = s->out, piece.bit_from = s->bit;
    if (r.to >= ix.size && ix.size == new_size) {
      // Unchanged to the end: the original's remaining blocks, its final one included, end the new stream too.
      piece.to = new_size, piece.bit_to = ix.comp_size * 8, piece.to_end = true;
    } else {
      // The last block boundary inside the run.
      auto e = std::upper_bound(pts.begin(), pts.end(), to, [](uint64_t v, const Point& p) { return v < p.out; });
      --e;
      if (e->out <= s->out) continue;
      piece.to = e->out, piece.bit_to = e->bit;
    }
    if (piece.to - piece.from < min_run) continue;
    if (piece.from > done) out.push_back({ReusePiece::Kind::fresh, done, piece.from, 0, 0, false});
    out.push_back(piece);
    done = piece.to;
    if (piece.to_end) return out;
  }
  out.push_back({ReusePiece::Kind::fresh, done, new_size, 0, 0, false});
  return out;
}

Result<uint64_t> deflate_file_reusing(const ReuseBase& base, int new_fd, uint64_t new_size, int level, int out_fd,
                                      uint64_t out_off, unsigned jobs, uint32_t& crc,
                                      const std::function<void(uint64_t)>& on_bytes, const std::string& path,
                                      ReuseStats* stats, uint64_t min_run) {
  if (stats) *stats = ReuseStats{};
  auto whole = [&]() { return deflate_range_to(new_fd, 0, new_size, true, level, out_fd, out_off, jobs, crc, on_bytes, path); };
  // With what the patch knows (base.known), the original's file is not opened: its size is the index's.
  const KnownChanges* known = base.known;
  if ((!base.index && !base.pending) || (!known && base.base_fd < 0) || base.wheel_fd < 0) return whole();
  Comparison cmp;
  uint64_t base_size = 0;
  if (!known) {
    struct stat st;
    if (::fstat(base.base_fd, &st) != 0) return whole();
    base_size = static_cast<uint64_t>(st.st_size);
    FERRY_TRY(c, compare_contents(base.base_fd, base_size, new_fd, new_size, jobs, path));
    cmp = std::move(c);
  }
  // Only now the index: a walk still running had the comparison's time (and the patching's before it) to finish.
  ReuseBase b = base;
  if (!b.index) b.index = b.pending->get();
  const DeflateIndex* ix = b.index;
  if (!ix || ix->points.empty()) return whole();
  if (known) {
    // The patch copied these ranges from the extracted original, which the caller vouches is still what the
    // compressed stream holds (CRC-checked when it was extracted).
    base_size = ix->size;
    for (auto [from, to] : known->unchanged) cmp.same.push_back({from, to});
    cmp.base_crc = ix->crc, cmp.new_crc = known->crc;
  }
  if (ix->size != base_size) return whole();
  // The extracted original must still be what the compressed stream holds (a --lower pass, say, rewrites it).
  if (cmp.base_crc != ix->crc) return whole();
  std::vector<ReusePiece> pieces = plan_reuse(*ix, cmp.same, new_size, min_run);
  if (std::none_of(pieces.begin(), pieces.end(), [](auto& p) { return p.kind == ReusePiece::Kind::reuse; }))
    return whole();

  // Step 3, before anything is written: every reuse piece's first block decodes to the new content from its
  // history, and its last block with the glue after it ends on a byte boundary. Decoding a block from a start
  // proves the start (a wrong bit offset does not decode to the right 64 KiB and end where the index says); the
  // blocks between two proven starts are the original's, unchanged. A seam that fails is no reason to fail the
  // repair: the member is deflated anew.
  std::vector<std::vector<uint8_t>> glues(pieces.size());
  auto check_seams = [&]() -> Status {
    for (size_t i = 0; i < pieces.size(); ++i) {
      const ReusePiece& p = pieces[i];
      if (p.kind != ReusePiece::Kind::reuse) continue;
      const Point s{p.from, p.bit_from};
      auto after = next_point(*ix, s);
      if (after) FERRY_CHECK(check_seam(b, new_fd, s, *after, nullptr, false, path));
      else FERRY_CHECK(check_seam(b, new_fd, s, {ix->size, ix->comp_size * 8}, nullptr, true, path));
      if (p.to_end) continue;
      uint8_t last = 0;
      if (p.bit_to % 8) FERRY_CHECK(read_exact(b.wheel_fd, &last, 1, b.data_offset + p.bit_to / 8, path));
      glues[i] = glue_after(p.bit_to, last);
      const Point e{p.to, p.bit_to};
      FERRY_CHECK(check_seam(b, new_fd, previous_point(*ix, e.bit), e, &glues[i], false, path));
    }
    return {};
  };
  if (Status st = check_seams(); !st) {
    if (st.error().code != ErrorCode::verify) return st.error();
    return whole();
  }

  // Step 4: the pieces, front to back.
  uint64_t written = 0, reused = 0;
  for (size_t i = 0; i < pieces.size(); ++i) {
    const ReusePiece& p = pieces[i];
    if (p.kind == ReusePiece::Kind::fresh) {
      const bool ends = i + 1 == pieces.size();
      if (p.to == p.from && !ends) continue;
      uint32_t piece_crc = 0;
      FERRY_TRY(n, deflate_range_to(new_fd, p.from, p.to, ends, level, out_fd, out_off + written, jobs, piece_crc,
                                    on_bytes, path));
      written += n;
      continue;
    }
    const uint64_t from_byte = p.bit_from / 8;
    const uint64_t to_byte = p.to_end ? ix->comp_size : p.bit_to / 8;
    FERRY_CHECK(copy_range(b.wheel_fd, b.data_offset + from_byte, out_fd, out_off + written, to_byte - from_byte,
                           path));
    written += to_byte - from_byte;
    if (!p.to_end) {
      FERRY_CHECK(pwrite_exact(out_fd, glues[i].data(), glues[i].size(), out_off + written, path));
      written += glues[i].size();
    }
    reused += p.to - p.from;
    if (on_bytes) on_bytes(p.to - p.from);
  }
  crc = cmp.new_crc;
  if (stats) stats->reused = reused, stats->used = true;
  return written;
}

}  // namespace ferry::wheel
