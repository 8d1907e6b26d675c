// Walking a raw deflate stream's blocks without producing its output (deflate.hpp, walk_deflate_blocks): what the
// block index of a large member costs. Every symbol is still decoded (a block ends only at its end-of-block code),
// but no byte is written or copied: zlib's inflate, stopped at each block (Z_BLOCK), walked a 545 MB member in
// 1.6 s, three times ISA-L's full inflate, and the index was then the slowest part of a repair. RFC 1951 3.2:
// block header, stored blocks (3.2.4), fixed codes (3.2.6), dynamic code lengths (3.2.7); codes are read with a
// 11-bit table and, for longer codes, canonically bit by bit (as zlib's puff.c does). Nothing read here is
// trusted further than this: every start the index is used at is decoded again by zlib first (deflate_reuse.cpp).

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

#include "support/file.hpp"
#include "wheel/deflate.hpp"

namespace ferry::wheel {

namespace {

constexpr unsigned kMaxBits = 15;
constexpr unsigned kTableBits = 11;

// A canonical Huffman code (RFC 1951 3.2.2): a table of the codes up to kTableBits long (indexed by the next bits,
// least significant first), and per length the count of codes and the symbols in canonical order for longer ones.
struct Code {
  std::array<uint32_t, 1u << kTableBits> table{};  // symbol << 8 | length; length 0: longer than the table
  std::array<uint16_t, kMaxBits + 1> count{};
  std::array<uint16_t, 320> symbol{};
  bool build(const uint8_t* lengths, unsigned n) {
    count.fill(0);
    for (unsigned s = 0; s < n; ++s) ++count[lengths[s]];
    count[0] = 0;
    int left = 1;  // over-subscribed sets are refused; incomplete ones fail when a missing code is read
    for (unsigned len = 1; len <= kMaxBits; ++len) {
      left = (left << 1) - count[len];
      if (left < 0) return false;
    }
    std::array<uint16_t, kMaxBits + 2> offs{};
    for (unsigned len = 1; len <= kMaxBits; ++len) offs[len + 1] = static_cast<uint16_t>(offs[len] + count[len]);
    for (unsigned s = 0; s < n; ++s)
      if (lengths[s]) symbol[offs[lengths[s]]++] = static_cast<uint16_t>(s);
    table.fill(0);
    // Canonical codes, in order of length then symbol; each short one fills every table slot it prefixes.
    unsigned code = 0, k = 0;
    for (unsigned len = 1; len <= kTableBits; ++len) {
      for (unsigned i = 0; i < count[len]; ++i, ++k, ++code) {
        unsigned rev = 0;
        for (unsigned b = 0; b < len; ++b) rev |= ((code >> b) & 1u) << (len - 1 - b);
        for (unsigned slot = rev; slot < table.size(); slot += 1u << len) table[slot] = uint32_t{symbol[k]} << 8 | len;
      }
      code <<= 1;
    }
    return true;
  }
};

// The walk loop's tables, built per block from its codes: one lookup gives a literal/length symbol with a
// length's extra bits, one a distance code with its extra bits, so that a symbol costs no branch on its kind (a
// literal and a match alternate at random in compressed binaries: 46% of the 141 million symbols of the bench's
// 545 MB library are matches). The distance is always looked up and its bits are dropped but for a match (a mask,
// not a branch). With 11-bit tables 0.7% of symbols take the checked path (10 bits: 2.9%). Measured on that
// member (one core): 1.22 s before, 1.05 s after; the loop now waits on its two table loads.
constexpr uint32_t kMatch = 1u << 31;    // a length: a distance follows
constexpr uint32_t kSpecial = 1u << 30;  // not in the table (a longer code, the end of the block, a bad symbol)
struct FastCodes {
  // literal/length: kMatch | kSpecial | bytes it stands for << 8 | bits it takes (code and extra bits)
  std::array<uint32_t, 1u << kTableBits> lit{};
  // distance: kSpecial | bits it takes (code and extra bits)
  std::array<uint32_t, 1u << kTableBits> dist{};
  void build(const Code& l, const Code& d, const uint16_t* len_base, const uint8_t* len_extra,
             const uint8_t* dist_extra) {
    for (uint32_t v = 0; v < lit.size(); ++v) {
      const uint32_t e = l.table[v], len = e & 0xff, sym = e >> 8;
      uint32_t f = kSpecial;
      if (len == 0 || sym == 256 || sym > 285) {
      } else if (sym < 256) {
        f = 1u << 8 | len;
      } else if (const uint32_t x = len_extra[sym - 257]; len + x <= kTableBits) {
        f = kMatch | (len_base[sym - 257] + ((v >> len) & ((1u << x) - 1))) << 8 | (len + x);
      }
      lit[v] = f;
    }
    for (uint32_t v = 0; v < dist.size(); ++v) {
      const uint32_t e = d.table[v], len = e & 0xff, sym = e >> 8;
      dist[v] = len == 0 || sym > 29 ? kSpecial : len + dist_extra[sym];
    }
  }
};

class Walker {
public:
  Walker(int fd, uint64_t off, uint64_t comp_size, const std::string& path)
      : fd_(fd), off_(off), comp_(comp_size), path_(path), buf_(1 << 20) {}

  Status walk(uint64_t max_size, DeflateIndex& ix, const std::atomic<bool>* stop) {
    ix = DeflateIndex{};
    ix.points.push_back({0, 0});
    uint64_t out = 0;
    for (bool last = false; !last;) {
      if (stop && stop->load(std::memory_order_relaxed)) return fail("the walk was stopped");
      if (out > 0) ix.points.push_back({out, bit_position()});
      FERRY_CHECK(need(3));
      last = bits(1);
      unsigned type = static_cast<unsigned>(bits(2));
      if (type == 0) {
        FERRY_TRY(n, stored());
        out += n;
      } else if (type == 1 || type == 2) {
        if (type == 1) fixed();
        else FERRY_CHECK(dynamic());
        FERRY_TRY(n, codes(max_size - std::min(max_size, out)));
        out += n;
      } else {
        return fail("a block of the reserved type 3");
      }
      if (out > max_size) return fail("more output than the directory says");
    }
    ix.size = out;
    ix.comp_size = (bit_position() + 7) / 8;
    return {};
  }

private:
  Error fail(const std::string& what) const {
    return make_error(ErrorCode::format, "deflate data: " + what, off_ + consumed_ - (end_ - pos_)).with_path(path_);
  }

  uint64_t bit_position() const { return (consumed_ - static_cast<uint64_t>(end_ - pos_)) * 8 - cnt_; }

  // More input into the buffer; false at the end of the member's data (or on a read error, reported then).
  bool fill() {
    size_t keep = static_cast<size_t>(end_ - pos_);
    std::memmove(buf_.data(), buf_.data() + pos_, keep);
    pos_ = 0, end_ = keep;
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf_.size() - keep, comp_ - consumed_));
    if (want > 0 && !pread_exact(fd_, buf_.data() + end_, want, off_ + consumed_, path_, "deflate data")) {
      read_failed_ = true;
      return end_ > pos_;
    }
    end_ += want, consumed_ += want;
    return end_ > pos_;
  }

  // As many bits as the input allows, up to 56 or more: 8 bytes at once where 8 are left (the bits loaded past
  // what is counted are the next bytes' own, loaded again at the same place later, as libdeflate does).
  void refill() {
    while (cnt_ < 56) {
      if (end_ - pos_ >= 8) {
        uint64_t w;
        std::memcpy(&w, buf_.data() + pos_, 8);
        bb_ |= w << cnt_;
        pos_ += (63 - cnt_) / 8;
        cnt_ |= 56;
        return;
      }
      if (pos_ == end_ && !fill()) return;
      if (end_ - pos_ >= 8) continue;
      bb_ |= uint64_t{buf_[pos_++]} << cnt_;
      cnt_ += 8;
    }
  }
  // At least `n` (<= 56) bits in the bit buffer, or an error.
  Status need(unsigned n) {
    if (cnt_ < n) refill();
    if (cnt_ < n) return read_failed_ ? fail("cannot be read") : fail("ends early");
    return {};
  }
  uint64_t bits(unsigned n) {  // after need(n)
    uint64_t v = bb_ & ((uint64_t{1} << n) - 1);
    bb_ >>= n, cnt_ -= n;
    return v;
  }

  Result<uint64_t> stored() {
    bits(cnt_ % 8);  // to the byte boundary
    FERRY_CHECK(need(32));
    uint64_t len = bits(16), nlen = bits(16);
    if (len != (~nlen & 0xffff)) return fail("a stored block's length is not matched by its complement");
    uint64_t skip = len;
    while (skip > 0 && cnt_ >= 8) bits(8), --skip;
    if (skip > 0) bb_ = 0;  // the bytes loaded past the count are skipped, not read again in place
    while (skip > 0) {
      if (pos_ == end_ && !fill()) return fail("ends inside a stored block");
      uint64_t k = std::min<uint64_t>(skip, end_ - pos_);
      pos_ += static_cast<size_t>(k), skip -= k;
    }
    return len;
  }

  void fixed() {
    if (!fixed_built_) {
      uint8_t l[320];
      std::fill(l, l + 144, 8), std::fill(l + 144, l + 256, 9), std::fill(l + 256, l + 280, 7), std::fill(l + 280, l + 288, 8);
      fixed_lit_.build(l, 288);
      std::fill(l, l + 30, 5);
      fixed_dist_.build(l, 30);
      fixed_fast_.build(fixed_lit_, fixed_dist_, kLenBase, kLenExtra, kDistExtra);
      fixed_built_ = true;
    }
    lit_ = &fixed_lit_, dist_ = &fixed_dist_, fast_ = &fixed_fast_;
  }

  Status dynamic() {
    FERRY_CHECK(need(14));
    unsigned nlen = static_cast<unsigned>(bits(5)) + 257, ndist = static_cast<unsigned>(bits(5)) + 1;
    unsigned ncode = static_cast<unsigned>(bits(4)) + 4;
    if (nlen > 286 || ndist > 30) return fail("a dynamic block with too many codes");
    static constexpr uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    uint8_t l[320] = {};
    for (unsigned i = 0; i < ncode; ++i) {
      FERRY_CHECK(need(3));
      l[order[i]] = static_cast<uint8_t>(bits(3));
    }
    if (!cl_.build(l, 19)) return fail("an over-subscribed code length code");
    std::fill(l, l + 320, 0);
    for (unsigned i = 0; i < nlen + ndist;) {
      FERRY_TRY(sym, decode(cl_));
      if (sym < 16) {
        l[i++] = static_cast<uint8_t>(sym);
        continue;
      }
      unsigned rep = 0;
      uint8_t v = 0;
      FERRY_CHECK(need(7));
      if (sym == 16) {
        if (i == 0) return fail("a repeat with no length before it");
        v = l[i - 1], rep = 3 + static_cast<unsigned>(bits(2));
      } else if (sym == 17) {
        rep = 3 + static_cast<unsigned>(bits(3));
      } else {
        rep = 11 + static_cast<unsigned>(bits(7));
      }
      if (i + rep > nlen + ndist) return fail("code lengths repeated past their count");
      while (rep--) l[i++] = v;
    }
    if (l[256] == 0) return fail("a block with no end-of-block code");
    if (!dyn_lit_.build(l, nlen) || !dyn_dist_.build(l + nlen, ndist)) return fail("an over-subscribed code");
    dyn_fast_.build(dyn_lit_, dyn_dist_, kLenBase, kLenExtra, kDistExtra);
    lit_ = &dyn_lit_, dist_ = &dyn_dist_, fast_ = &dyn_fast_;
    return {};
  }

  Result<unsigned> decode(const Code& c) {
    if (cnt_ < kMaxBits) refill();
    uint32_t e = c.table[bb_ & ((1u << kTableBits) - 1)];
    if ((e & 0xff) && (e & 0xff) <= cnt_) {
      bits(e & 0xff);
      return e >> 8;
    }
    // Longer than the table: canonically, one bit at a time (the code's bits come most significant first).
    int code = 0, first = 0, index = 0;
    for (unsigned len = 1; len <= kMaxBits; ++len) {
      if (cnt_ == 0) return fail("ends early");
      code |= static_cast<int>(bits(1));
      int count = c.count[len];
      if (code - count < first) return unsigned{c.symbol[index + (code - first)]};
      index += count, first += count;
      first <<= 1, code <<= 1;
    }
    return fail("a code that is not in its table");
  }

  static constexpr uint16_t kLenBase[29] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                            35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
  static constexpr uint8_t kLenExtra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                                            3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
  static constexpr uint8_t kDistExtra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6,
                                             6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

  // One symbol with every read checked (near the end of the data): true at the end-of-block code.
  Result<bool> careful_symbol(uint64_t& n) {
    FERRY_TRY(sym, decode(*lit_));
    if (sym < 256) return ++n, false;
    if (sym == 256) return true;
    if (sym > 285) return fail("a length code beyond 285");
    FERRY_CHECK(need(kLenExtra[sym - 257]));
    n += kLenBase[sym - 257] + bits(kLenExtra[sym - 257]);
    FERRY_CHECK(careful_distance());
    return false;
  }

  // A distance code and its extra bits, read with every check (after a length, when the fast loop cannot).
  Status careful_distance() {
    FERRY_TRY(d, decode(*dist_));
    if (d > 29) return fail("a distance code beyond 29");
    FERRY_CHECK(need(kDistExtra[d]));
    bits(kDistExtra[d]);
    return {};
  }

  // The symbols of one compressed block, to its end-of-block code: the number of bytes it stands for. The loop
  // keeps the bit buffer and the input position in locals (registers: through `this` every store would be
  // reloaded) and reads without checks while 48 bits are in hand; codes longer than the table, and the last
  // bytes of the data, go through the checked member functions, with the state handed over around the call.
  Result<uint64_t> codes(uint64_t room) {
    constexpr uint64_t mask = (1u << kTableBits) - 1;
    const uint32_t* ft = fast_->lit.data();
    const uint32_t* dt = fast_->dist.data();
    uint64_t n = 0, bb = bb_;
    unsigned cnt = cnt_;
    const uint8_t* in = buf_.data();
    size_t pos = pos_, lim = end_;
    auto save = [&] { bb_ = bb, cnt_ = cnt, pos_ = pos; };
    auto load = [&] { bb = bb_, cnt = cnt_, pos = pos_, lim = end_, in = buf_.data(); };
    for (;;) {
      if (n > room) return save(), fail("more output than the directory says");
      if (cnt < 48) {
        if (lim - pos < 8 && consumed_ < comp_) save(), fill(), load();
        if (lim - pos >= 8) {
          uint64_t w;
          std::memcpy(&w, in + pos, 8);
          bb |= w << cnt;
          pos += (63 - cnt) / 8;
          cnt |= 56;
        } else {
          save();
          FERRY_TRY(end, careful_symbol(n));
          load();
          if (end) return n;
          continue;
        }
      }
      const uint32_t e = ft[bb & mask];
      if (e & kSpecial) {  // a code longer than the table, a length whose extra bits do not fit, the end
        save();
        FERRY_TRY(end, careful_symbol(n));
        load();
        if (end) return n;
        continue;
      }
      bb >>= e & 0xff, cnt -= e & 0xff;
      n += (e >> 8) & 0x1ff;
      const uint32_t match = 0u - (e >> 31);  // all ones after a length, else zero
      const uint32_t d = dt[bb & mask];
      if (d & kSpecial & match) {  // a distance code longer than the table, or a bad one
        save();
        FERRY_CHECK(careful_distance());
        load();
        continue;
      }
      const unsigned db = d & match & 0xff;
      bb >>= db, cnt -= db;
    }
  }

  int fd_;
  uint64_t off_, comp_;
  const std::string& path_;
  std::vector<uint8_t> buf_;
  size_t pos_ = 0, end_ = 0;
  uint64_t consumed_ = 0;  // bytes read from the member's data into the buffer
  uint64_t bb_ = 0;
  unsigned cnt_ = 0;
  bool read_failed_ = false;
  Code cl_, dyn_lit_, dyn_dist_, fixed_lit_, fixed_dist_;
  bool fixed_built_ = false;
  FastCodes fixed_fast_, dyn_fast_;
  const FastCodes* fast_ = nullptr;
  const Code* lit_ = nullptr;
  const Code* dist_ = nullptr;
};

}  // namespace

Status walk_deflate_blocks(int fd, uint64_t data_offset, uint64_t comp_size, uint64_t max_size,
                           const std::string& path, DeflateIndex& index, const std::atomic<bool>* stop) {
  auto w = std::make_unique<Walker>(fd, data_offset, comp_size, path);
  Status st = w->walk(max_size, index, stop);
  if (!st) index = DeflateIndex{};
  return st;
}

std::shared_ptr<PendingDeflateIndex> PendingDeflateIndex::start(int fd, const RawMember& m, const std::string& path) {
  std::shared_ptr<PendingDeflateIndex> p(new PendingDeflateIndex());
  p->fd_.reset(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
  if (!p->fd_) return nullptr;
  p->path_ = path;
  // The thread sees only what it owns: the object outlives it (the destructor joins).
  PendingDeflateIndex* self = p.get();
  try {
    p->walker_ = std::thread([self, off = m.data_offset, comp = m.comp_size, size = m.size] {
      try {  // nothing leaves a worker as an exception: a walk that cannot allocate is a walk that failed
        self->walked_ = bool(walk_deflate_blocks(self->fd_.get(), off, comp, size, self->path_, self->index_, &self->stop_));
      } catch (const std::exception&) {
        self->walked_ = false;
      }
    });
  } catch (const std::exception&) {
    return nullptr;  // no thread: no index
  }
  return p;
}

std::shared_ptr<PendingDeflateIndex> PendingDeflateIndex::recorded(DeflateIndex index) {
  std::shared_ptr<PendingDeflateIndex> p(new PendingDeflateIndex());
  p->index_ = std::move(index);
  p->walked_ = true;
  return p;
}

PendingDeflateIndex::~PendingDeflateIndex() {
  stop_ = true;
  if (walker_.joinable()) walker_.join();
}

void PendingDeflateIndex::set_crc(uint32_t crc) { crc_ = crc; }

const DeflateIndex* PendingDeflateIndex::get() {
  {
    std::lock_guard<std::mutex> lock(join_mu_);
    if (walker_.joinable()) walker_.join();
  }
  if (!walked_ || !crc_) return nullptr;
  index_.crc = *crc_;
  return &index_;
}

}  // namespace ferry::wheel
