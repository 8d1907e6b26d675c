// Deflate and inflate for member data (deflate.hpp). libdeflate does the work; zlib walks a freshly deflated
// chunk block by block (inflate's Z_BLOCK mode, as pigz and zlib's gzappend do) to find its final block, clear
// that bit and check the chunk inflates back to its input, and streams members too large to inflate whole.
#include "wheel/deflate.hpp"

#include <libdeflate.h>
#include <unistd.h>
#include <zlib.h>
#ifdef FERRY_HAVE_ISAL
#include <dlfcn.h>
#include <isa-l/igzip_lib.h>
#include <sys/mman.h>
#endif

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>

#include "support/file.hpp"
#include "support/parallel.hpp"

namespace ferry::wheel {

namespace {

// Members up to kInflateWhole are inflated whole by libdeflate (no streaming interface), as long as the members
// being inflated whole on all threads together hold at most kWholeBudget bytes (compressed and inflated); larger
// members stream (ISA-L, else zlib). Where ISA-L streams, only members up to 8 MiB are inflated whole: on the 1 GB
// bench wheel's sixteen 64 MiB members (4:1) libdeflate took 0.3 of 1.6 CPU-seconds less, 2-4% of the wall time,
// but two threads holding 81 MB each put the peak RSS at 211 MB; streamed, 32 MB. On the 2 GB wheel's 256 MiB
// members (2.5:1) the two inflate at the same speed. Without ISA-L (a static build without the archive
// scripts/isal-static.sh makes) zlib streams at half libdeflate's speed, so members up to 64 MiB are inflated
// whole there.
#ifdef FERRY_HAVE_ISAL
constexpr uint64_t kInflateWhole = uint64_t{8} << 20;
#else
constexpr uint64_t kInflateWhole = uint64_t{64} << 20;
#endif
constexpr uint64_t kWholeBudget = uint64_t{192} << 20;

// The buffers of one member inflated whole: its compressed bytes and its content.
struct WholeBuffers {
  std::vector<uint8_t> in, out;
  uint64_t bytes() const { return in.capacity() + out.capacity(); }
};

// Bytes held by members inflated whole right now, across threads, and buffers kept for reuse (a fresh 64 MiB
// buffer per member costs its page faults every time): a member waits until it fits (or runs alone), and a
// buffer is kept only while what is held and kept stays within kWholeBudget, however many threads there are.
class WholeBudget {
public:
  WholeBuffers acquire(uint64_t n, uint64_t& held) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return held_ == 0 || held_ + n <= kWholeBudget; });
    WholeBuffers b;
    if (!kept_.empty()) {
      b = std::move(kept_.back());
      kept_.pop_back();
      kept_bytes_ -= b.bytes();
    }
    held = std::max(n, b.bytes());
    held_ += held;
    while (held_ + kept_bytes_ > kWholeBudget && !kept_.empty()) {
      kept_bytes_ -= kept_.back().bytes();
      kept_.pop_back();
    }
    return b;
  }
  void release(uint64_t held, WholeBuffers&& b) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      held_ -= held;
      if (held_ + kept_bytes_ + b.bytes() <= kWholeBudget) {
        kept_bytes_ += b.bytes();
        kept_.push_back(std::move(b));
      }
    }
    cv_.notify_all();
  }

private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t held_ = 0, kept_bytes_ = 0;
  std::vector<WholeBuffers> kept_;
};
WholeBudget& whole_budget() {
  static WholeBudget b;
  return b;
}

libdeflate_compressor* compressor_for(int level) {
  struct Cached {
    libdeflate_compressor* c = nullptr;
    int level = -1;
    ~Cached() {
      if (c) libdeflate_free_compressor(c);
    }
  };
  thread_local Cached tl;
  level = std::clamp(level, 1, 12);
  if (tl.level != level) {
    if (tl.c) libdeflate_free_compressor(tl.c);
    tl.c = libdeflate_alloc_compressor(level);
    tl.level = tl.c ? level : -1;
  }
  return tl.c;
}

libdeflate_decompressor* decompressor() {
  struct Cached {
    libdeflate_decompressor* d = libdeflate_alloc_decompressor();
    ~Cached() {
      if (d) libdeflate_free_decompressor(d);
    }
  };
  thread_local Cached tl;
  return tl.d;
}

Status read_at(int fd, uint8_t* d, size_t n, uint64_t off, const std::string& path, const std::string& what) {
  return pread_exact(fd, d, n, off, path, what);
}
Status write_at(int fd, const uint8_t* d, size_t n, uint64_t off, const std::string& path) {
  return pwrite_exact(fd, d, n, off, path);
}

struct Inflater {
  z_stream z{};
  bool ok = false;
  Inflater() { ok = inflateInit2(&z, -15) == Z_OK; }
  ~Inflater() {
    if (ok) inflateEnd(&z);
  }
};

// Where the final block of a complete raw deflate stream starts and how many bits of its last byte are unused,
// found by inflating it block by block into `back` (which must hold exactly the expected output).
struct Walk {
  uint64_t final_header_bit = 0;
  unsigned unused_bits = 0;
};
Result<Walk> walk_blocks(const std::vector<uint8_t>& stream, std::vector<uint8_t>& back) {
  Inflater inf;
  if (!inf.ok) return make_error(ErrorCode::io, "zlib inflateInit2 failed");
  inf.z.next_in = const_cast<uint8_t*>(stream.data());
  inf.z.avail_in = static_cast<uInt>(stream.size());
  uint8_t spare = 0;
  inf.z.next_out = back.empty() ? &spare : back.data();
  inf.z.avail_out = static_cast<uInt>(back.size());
  Walk w;
  for (;;) {
    int ret = inflate(&inf.z, Z_BLOCK);
    if (ret == Z_STREAM_END) break;
    if (ret != Z_OK) return make_error(ErrorCode::verify, "a deflated chunk does not inflate back");
    // At a block boundary (128) with the final block not yet read (64), the next block's header starts here; at
    // the boundary after the final block, the bits left unused in the last byte are the padding.
    if ((inf.z.data_type & 128) && !(inf.z.data_type & 64)) w.final_header_bit = inf.z.total_in * 8 - (inf.z.data_type & 7);
    if ((inf.z.data_type & 128) && (inf.z.data_type & 64)) w.unused_bits = static_cast<unsigned>(inf.z.data_type & 7);
  }
  if (inf.z.total_in != stream.size() || inf.z.total_out != back.size())
    return make_error(ErrorCode::verify, "a deflated chunk inflates to another length");
  return w;
}

}  // namespace

uint32_t crc32_of(const uint8_t* data, size_t n, uint32_t crc) { return libdeflate_crc32(crc, data, n); }

Result<std::vector<uint8_t>> deflate_buffer(const uint8_t* data, size_t n, int level) {
  libdeflate_compressor* c = compressor_for(level);
  if (!c) return make_error(ErrorCode::io, "libdeflate: cannot allocate a compressor");
  std::vector<uint8_t> out(libdeflate_deflate_compress_bound(c, n));
  size_t got = libdeflate_deflate_compress(c, data, n, out.data(), out.size());
  if (got == 0) return make_error(ErrorCode::verify, "libdeflate: the output bound was too small");
  out.resize(got);
  return out;
}

Result<DeflatedChunk> deflate_chunk(const uint8_t* data, size_t n, int level, bool last) {
  DeflatedChunk ch;
  ch.size = n;
  ch.crc = crc32_of(data, n);
  FERRY_TRY(out, deflate_buffer(data, n, level));
  // Check what was written by inflating it back (a wrong chunk would be caught only by the user's pip).
  thread_local std::vector<uint8_t> back;
  back.resize(n);
  FERRY_TRY(w, walk_blocks(out, back));
  if (n > 0 && std::memcmp(back.data(), data, n) != 0)
    return make_error(ErrorCode::verify, "a deflated chunk inflates to other bytes");
  if (!last) {
    // Clear BFINAL, then end on a byte boundary with an empty stored block (3 header bits, padding, 00 00 ff ff):
    // the next chunk's first block header follows on a byte boundary.
    out[w.final_header_bit / 8] &= static_cast<uint8_t>(~(1u << (w.final_header_bit % 8)));
    if (w.unused_bits >= 3) out.back() &= static_cast<uint8_t>((1u << (8 - w.unused_bits)) - 1);
    else out.push_back(0);
    out.insert(out.end(), {0x00, 0x00, 0xff, 0xff});
  }
  ch.data = std::move(out);
  return ch;
}

#ifdef FERRY_HAVE_ISAL
bool have_fast_deflate() { return true; }

// ISA-L level 3 with a sync flush (its output ends with an empty stored block on a byte boundary, no BFINAL) for
// every chunk but the last, which ends the stream. Checked by inflating it back with libdeflate: an empty final
// block with fixed codes (03 00) is appended to a non-last chunk for that check only.
Result<DeflatedChunk> deflate_chunk_fast(const uint8_t* data, size_t n, bool last) {
  DeflatedChunk ch;
  ch.size = n;
  ch.crc = crc32_of(data, n);
  thread_local std::vector<uint8_t> level_buf(ISAL_DEF_LVL3_DEFAULT);
  auto zs = std::make_unique<isal_zstream>();
  isal_deflate_init(zs.get());
  zs->level = 3;
  zs->level_buf = level_buf.data();
  zs->level_buf_size = static_cast<uint32_t>(level_buf.size());
  zs->flush = last ? NO_FLUSH : SYNC_FLUSH;
  zs->end_of_stream = last ? 1 : 0;
  zs->next_in = const_cast<uint8_t*>(data);
  zs->avail_in = static_cast<uint32_t>(n);
  std::vector<uint8_t> out(n + (n >> 6) + 4096);
  for (;;) {
    zs->next_out = out.data() + zs->total_out;
    zs->avail_out = static_cast<uint32_t>(out.size() - zs->total_out);
    if (isal_deflate(zs.get()) != COMP_OK) return make_error(ErrorCode::verify, "ISA-L deflate failed");
    bool done = last ? zs->internal_state.state == ZSTATE_END : (zs->avail_in == 0 && zs->avail_out > 0);
    if (done) break;
    out.resize(out.size() * 2);  // incompressible data: stored blocks need a little more than the input
  }
  out.resize(zs->total_out);
  // The check: the chunk (made a complete stream) inflates to exactly its input.
  if (!last) out.insert(out.end(), {0x03, 0x00});
  thread_local std::vector<uint8_t> back;
  back.resize(n + 1);
  size_t got = 0;
  auto r = libdeflate_deflate_decompress(decompressor(), out.data(), out.size(), back.data(), back.size(), &got);
  if (r != LIBDEFLATE_SUCCESS || got != n || (n > 0 && std::memcmp(back.data(), data, n) != 0))
    return make_error(ErrorCode::verify, "a deflated chunk does not inflate back to its input");
  if (!last) out.resize(out.size() - 2);
  ch.data = std::move(out);
  return ch;
}
#else
bool have_fast_deflate() { return false; }
Result<DeflatedChunk> deflate_chunk_fast(const uint8_t*, size_t, bool) {
  return make_error(ErrorCode::unsupported, "this ferry is built without ISA-L's deflate");
}
#endif

Result<uint64_t> deflate_file_to(int src_fd, uint64_t size, int level, int out_fd, uint64_t out_off, unsigned jobs,
                                 uint32_t& crc, const std::function<void(uint64_t)>& on_bytes,
                                 const std::string& path) {
  return deflate_range_to(src_fd, 0, size, true, level, out_fd, out_off, jobs, crc, on_bytes, path);
}

Result<uint64_t> deflate_range_to(int src_fd, uint64_t from, uint64_t to, bool ends_stream, int level, int out_fd,
                                  uint64_t out_off, unsigned jobs, uint32_t& crc,
                                  const std::function<void(uint64_t)>& on_bytes, const std::string& path) {
  const uint64_t size = to - std::min(from, to);
  size_t chunks = static_cast<size_t>(std::max<uint64_t>(1, (size + kDeflateChunk - 1) / kDeflateChunk));
  struct Slot {
    std::optional<Error> err;
    DeflatedChunk ch;
  };
  std::optional<Error> first_error;
  uint64_t written = 0;
  crc = 0;
  auto work = [&](size_t k, Slot& s) {
    try {
      thread_local std::vector<uint8_t> in;
      uint64_t at = uint64_t{k} * kDeflateChunk;
      size_t len = static_cast<size_t>(std::min<uint64_t>(kDeflateChunk, size - std::min(size, at)));
      in.resize(len);
      if (Status st = read_at(src_fd, in.data(), len, from + at, path, "data to deflate"); !st) {
        s.err = st.error();
        return;
      }
      const bool last = ends_stream && k + 1 == chunks;
      auto r = level == kFastLevel && have_fast_deflate()
                   ? deflate_chunk_fast(in.data(), len, last)
                   : deflate_chunk(in.data(), len, level == kFastLevel ? kDefaultDeflateLevel : level, last);
      if (!r) s.err = r.error().with_path(path);
      else s.ch = std::move(*r);
    } catch (const std::exception& e) {
      s.err = make_error(ErrorCode::verify, std::string("deflate: ") + e.what()).with_path(path);
    }
  };
  auto emit = [&](Slot& s) {
    if (first_error) return;
    if (s.err) {
      first_error = s.err;
      return;
    }
    if (Status st = write_at(out_fd, s.ch.data.data(), s.ch.data.size(), out_off + written, path); !st) {
      first_error = st.error();
      return;
    }
    crc = static_cast<uint32_t>(crc32_combine(crc, s.ch.crc, static_cast<z_off_t>(s.ch.size)));
    written += s.ch.data.size();
    if (on_bytes) on_bytes(s.ch.size);
  };
  parallel_for_ordered<Slot>(chunks, work, emit, jobs);
  if (first_error) return *first_error;
  return written;
}

namespace {

Error member_error(const RawMember& m, const std::string& path, const std::string& what) {
  return make_error(ErrorCode::format, "member '" + m.name + "': " + what, m.data_offset).with_path(path);
}

struct Digester {
  Sha256Stream sha;
  uint32_t crc = 0;
  uint64_t size = 0;
  size_t head_size = 0;
  std::vector<uint8_t> head;
  const DataSink* sink = nullptr;
  bool with_sha = true;
  Status feed(const uint8_t* d, size_t n) {
    if (with_sha) sha.update({d, n});
    crc = crc32_of(d, n, crc);
    size += n;
    if (head.size() < head_size) head.insert(head.end(), d, d + std::min(n, head_size - head.size()));
    if (sink && *sink) return (*sink)(d, n);
    return {};
  }
  // The digest of a member fed whole: its size and CRC-32 checked against the central directory's.
  Result<MemberDigest> checked(const RawMember& m, const std::string& path) {
    if (size != m.size)
      return member_error(m, path, std::to_string(size) + " bytes inflated, the directory says " +
                                       std::to_string(m.size));
    if (crc != m.crc) return member_error(m, path, "CRC-32 mismatch (the data is corrupt)");
    MemberDigest out;
    if (with_sha) out.sha = sha.finish();
    out.crc = crc;
    out.size = size;
    out.head = std::move(head);
    return out;
  }
};

// A recording of block starts begins at the stream's start; a start is added only past the last one (an empty
// block, or a point seen twice, adds nothing), so the points stay increasing as DeflateIndex requires.
void begin_recording(RecordedBlocks& b) {
  b = RecordedBlocks{};
  b.index.points.push_back({0, 0});
}
void add_block_start(DeflateIndex& ix, DeflateIndex::Point p) {
  if (p.out > ix.points.back().out && p.bit > ix.points.back().bit) ix.points.push_back(p);
}

// Feeds a Digester on a second thread: a large member's inflate (one stream, one thread) overlaps its SHA-256,
// CRC-32 and extraction write, which together cost about as much again. Pieces are handed over in a ring of
// kPieces buffers, so memory stays at kPieces MiB. The inflating thread fills next(), hands it over with push().
class FeedPipe {
public:
  static constexpr size_t kPieces = 4, kPiece = size_t{1} << 20;
  explicit FeedPipe(Digester& dg) : dg_(dg), bufs_(kPieces, std::vector<uint8_t>(kPiece)) {
    worker_ = std::thread([this] { run(); });
  }
  ~FeedPipe() { (void)finish(); }
  // The buffer to fill next: waits while every buffer is still being fed.
  std::vector<uint8_t>& next() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return queued_ < kPieces; });
    return bufs_[(head_ + queued_) % kPieces];
  }
  // Hands over the first `n` bytes of next(); false once the feeding failed (error() says why).
  bool push(size_t n) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (err_) return false;
      lens_[(head_ + queued_) % kPieces] = n;
      ++queued_;
    }
    cv_.notify_all();
    return true;
  }
  // Waits until everything pushed is fed; the first error, if any.
  Status finish() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
    if (err_) return *err_;
    return {};
  }

private:
  void run() {
    for (;;) {
      size_t at, n;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return queued_ > 0 || closing_; });
        if (queued_ == 0) return;
        at = head_, n = lens_[head_];
      }
      Status st = dg_.feed(bufs_[at].data(), n);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!st && !err_) err_ = st.error();
        head_ = (head_ + 1) % kPieces;
        --queued_;
      }
      cv_.notify_all();
    }
  }
  Digester& dg_;
  std::vector<std::vector<uint8_t>> bufs_;
  size_t lens_[kPieces] = {};
  size_t head_ = 0, queued_ = 0;
  bool closing_ = false;
  std::optional<Error> err_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread worker_;
};

Status digest_stored(int fd, const RawMember& m, Digester& dg, const std::string& path) {
  if (m.comp_size != m.size) return member_error(m, path, "stored, yet its sizes differ");
  std::vector<uint8_t> buf(static_cast<size_t>(std::min<uint64_t>(m.size, 1 << 20)));
  for (uint64_t at = 0; at < m.size;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), m.size - at));
    FERRY_CHECK(read_at(fd, buf.data(), n, m.data_offset + at, path, "the data of '" + m.name + "'"));
    FERRY_CHECK(dg.feed(buf.data(), n));
    at += n;
  }
  return {};
}

Status inflate_whole(int fd, const RawMember& m, Digester& dg, const std::string& path) {
  struct Hold {
    uint64_t held = 0;
    WholeBuffers b;
    explicit Hold(uint64_t n) : b(whole_budget().acquire(n, held)) {}
    ~Hold() { whole_budget().release(held, std::move(b)); }
  } hold(m.comp_size + m.size);
  std::vector<uint8_t>& in = hold.b.in;
  std::vector<uint8_t>& out = hold.b.out;
  in.resize(static_cast<size_t>(m.comp_size));
  out.resize(static_cast<size_t>(m.size));
  FERRY_CHECK(read_at(fd, in.data(), in.size(), m.data_offset, path, "the data of '" + m.name + "'"));
  size_t got = 0;
  libdeflate_decompressor* d = decompressor();
  if (!d) return make_error(ErrorCode::io, "libdeflate: cannot allocate a decompressor");
  auto r = libdeflate_deflate_decompress(d, in.data(), in.size(), out.data(), out.size(), &got);
  if (r == LIBDEFLATE_INSUFFICIENT_SPACE)
    return member_error(m, path, "inflates to more than the " + std::to_string(m.size) + " bytes the directory says");
  if (r != LIBDEFLATE_SUCCESS) return member_error(m, path, "corrupt deflate data");
  return dg.feed(out.data(), got);
}

#ifdef FERRY_HAVE_ISAL
// Block starts recorded while ISA-L inflates a large member, instead of decoding its stream a second time with the
// walker (deflate_walk.cpp): for the 2 GB bench wheel's 545 MB library the walk took 1.05 s of CPU beside ISA-L's
// 0.85 s, on a scan whose two cores were already busy. ISA-L has no interface for this, but isal_inflate decodes
// the symbols of a block by calling its exported decode_huffman_code_block_stateless through the PLT, and that
// call returns at the block's end-of-block code with the state set to read the next header. The definition at the
// end of this file, in the executable, is the one the dynamic loader binds ISA-L's call to; it calls ISA-L's own
// (dlsym RTLD_NEXT; the static ferry, which links ISA-L's archive, has the linker wrap the call instead) and, when
// the calling thread records (a BlockRecorder is set), notes where the block that just ended leaves the input
// (bytes before next_in, less the bits still buffered) and the output. Ends it cannot
// place are left out (output being decoded into ISA-L's own history buffer, bytes held back for lack of room, a
// header read from ISA-L's copy of the input): a subset of the block starts is an index too, its blocks merged.
// Whether the call really comes here, with these meanings, is checked once per process against the walker
// (inflate_records_blocks); where it does not (an ISA-L built otherwise) the walker runs.
struct BlockRecorder {
  const uint8_t* in = nullptr;  // the input ISA-L was last given: its first byte is byte `in_at` of the stream
  size_t in_len = 0;
  uint64_t in_at = 0;
  const uint8_t* out = nullptr;  // this call's output buffer: its first byte is byte `out_at` of the content
  size_t out_len = 0;
  uint64_t out_at = 0;
  DeflateIndex* index = nullptr;     // block starts appended, after {0, 0}
  std::optional<uint64_t> end_bit;  // where the final block ends
};
thread_local BlockRecorder* t_recorder = nullptr;

// The calling thread records into `r` (null: does not) while this lives.
class RecordingOn {
public:
  explicit RecordingOn(BlockRecorder* r) { t_recorder = r; }
  ~RecordingOn() { t_recorder = nullptr; }
  RecordingOn(const RecordingOn&) = delete;
  RecordingOn& operator=(const RecordingOn&) = delete;
};

// After ISA-L's decode of a block's symbols returned: the block's end, when it ended and can be placed.
void note_block_end(BlockRecorder& r, const inflate_state& s) {
  const bool next_header = s.block_state == ISAL_BLOCK_NEW_HDR, last = s.block_state == ISAL_BLOCK_INPUT_DONE;
  if (!next_header && !last) return;  // stopped inside the block: input or output ran out
  if (s.read_in_length < 0 || s.next_in < r.in || s.next_in > r.in + r.in_len) return;
  const uint64_t bit = (r.in_at + static_cast<uint64_t>(s.next_in - r.in)) * 8 - static_cast<uint64_t>(s.read_in_length);
  if (last) {
    r.end_bit = bit;
    return;
  }
  if (s.write_overflow_len != 0 || s.copy_overflow_length != 0 || s.next_out < r.out || s.next_out > r.out + r.out_len)
    return;
  add_block_start(*r.index, {r.out_at + static_cast<uint64_t>(s.next_out - r.out), bit});
}

// ISA-L's inflate streams at about twice zlib's rate (its decode tables use the CPU's wide registers); it keeps
// the 32 KiB history itself, so each piece of output may go to another buffer (FeedPipe's ring). With `blocks`,
// the block starts are recorded on the way (BlockRecorder above).
Status inflate_stream(int fd, const RawMember& m, Digester& dg, const std::string& path, RecordedBlocks* blocks) {
  auto st = std::make_unique<inflate_state>();
  isal_inflate_init(st.get());
  st->crc_flag = ISAL_DEFLATE;  // raw deflate; the Digester computes the CRC-32
  std::vector<uint8_t> in(1 << 20);
  uint64_t read = 0, inflated = 0;
  BlockRecorder rec;
  if (blocks) begin_recording(*blocks), rec.index = &blocks->index;
  RecordingOn recording(blocks ? &rec : nullptr);
  FeedPipe pipe(dg);
  for (;;) {
    if (st->avail_in == 0 && read < m.comp_size) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(in.size(), m.comp_size - read));
      FERRY_CHECK(read_at(fd, in.data(), n, m.data_offset + read, path, "the data of '" + m.name + "'"));
      rec.in = in.data(), rec.in_len = n, rec.in_at = read;
      read += n;
      st->next_in = in.data();
      st->avail_in = static_cast<uint32_t>(n);
    }
    std::vector<uint8_t>& out = pipe.next();
    st->next_out = out.data();
    st->avail_out = static_cast<uint32_t>(out.size());
    rec.out = out.data(), rec.out_len = out.size(), rec.out_at = inflated;
    uint32_t in_before = st->avail_in;
    int ret = isal_inflate(st.get());
    if (ret < 0) return member_error(m, path, "corrupt deflate data");
    size_t produced = out.size() - st->avail_out;
    inflated += produced;
    if (inflated > m.size)
      return member_error(m, path, "inflates to more than the " + std::to_string(m.size) + " bytes the directory says");
    if (produced && !pipe.push(produced)) return pipe.finish();
    if (st->block_state == ISAL_BLOCK_FINISH) {
      if (blocks && rec.end_bit) {
        blocks->index.size = inflated;
        blocks->index.comp_size = (*rec.end_bit + 7) / 8;
        blocks->complete = blocks->index.comp_size <= m.comp_size;
      }
      return pipe.finish();
    }
    // No output and no input taken with all input read: the stream stops before its final block.
    if (produced == 0 && st->avail_in == in_before && read >= m.comp_size)
      return member_error(m, path, "its deflate data ends early");
  }
}

// Once per process: inflates a small zlib stream of many blocks through inflate_stream with recording on, and
// compares what was recorded with the walker's index of the same stream (every recorded start must be one of the
// walker's, the final block's end the same, at least one start recorded past ISA-L's first buffer).
bool probe_recording() {
  std::vector<uint8_t> data(1 << 20);
  uint32_t x = 12345;
  for (size_t i = 0; i < data.size(); ++i) {  // words from a small alphabet: literals and matches mixed
    x = x * 1103515245u + 12345u;
    data[i] = static_cast<uint8_t>("abcdefgh \n\0\x7f"[(x >> 16) % 12]);
  }
  z_stream z{};
  if (deflateInit2(&z, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) return false;
  std::vector<uint8_t> comp(deflateBound(&z, static_cast<uLong>(data.size())));
  z.next_in = data.data(), z.avail_in = static_cast<uInt>(data.size());
  z.next_out = comp.data(), z.avail_out = static_cast<uInt>(comp.size());
  const bool ok = deflate(&z, Z_FINISH) == Z_STREAM_END;
  comp.resize(z.total_out);
  deflateEnd(&z);
  if (!ok) return false;
  UniqueFd probe(::memfd_create("ferry-block-probe", MFD_CLOEXEC));
  if (!probe) return false;
  const int fd = probe.get();
  if (!pwrite_exact(fd, comp.data(), comp.size(), 0, "the block probe")) return false;
  RawMember m;
  m.method = 8, m.data_offset = 0, m.comp_size = comp.size(), m.size = data.size();
  m.crc = crc32_of(data.data(), data.size());
  RecordedBlocks rec;
  DeflateIndex walked;
  if (!digest_member_streaming(fd, m, "the block probe", &rec) || !rec.complete ||
      !walk_deflate_blocks(fd, 0, comp.size(), data.size(), "the block probe", walked))
    return false;
  if (rec.index.size != walked.size || rec.index.comp_size != walked.comp_size || rec.index.points.size() < 3)
    return false;
  size_t j = 0;
  for (const DeflateIndex::Point& p : rec.index.points) {
    while (j < walked.points.size() && walked.points[j].bit < p.bit) ++j;
    if (j == walked.points.size() || walked.points[j].bit != p.bit || walked.points[j].out != p.out) return false;
  }
  return true;
}
#endif

// zlib's inflate, streamed: the static ferry's (Debian ships no libisal.a), and digest_member_streaming's
// `with_zlib`. As with ISA-L, the SHA-256, CRC-32 and extraction write run on FeedPipe's thread. With `blocks`,
// inflate stops at the end of each block (Z_BLOCK, zlib's documented interface for it) and the block start is
// recorded: the bits taken (total_in, less the unused bits of the last byte, data_type & 7) and the bytes made;
// every block start, stored blocks' included.
Status inflate_stream_zlib(int fd, const RawMember& m, Digester& dg, const std::string& path, RecordedBlocks* blocks) {
  Inflater inf;
  if (!inf.ok) return make_error(ErrorCode::io, "zlib inflateInit2 failed");
  if (blocks) begin_recording(*blocks);
  std::vector<uint8_t> in(256 << 10);
  uint64_t read = 0;
  FeedPipe pipe(dg);
  std::vector<uint8_t>* out = nullptr;  // the piece being filled, handed over when full or at the end
  size_t filled = 0;
  for (;;) {
    if (inf.z.avail_in == 0 && read < m.comp_size) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(in.size(), m.comp_size - read));
      FERRY_CHECK(read_at(fd, in.data(), n, m.data_offset + read, path, "the data of '" + m.name + "'"));
      read += n;
      inf.z.next_in = in.data();
      inf.z.avail_in = static_cast<uInt>(n);
    }
    if (!out) out = &pipe.next(), filled = 0;
    inf.z.next_out = out->data() + filled;
    inf.z.avail_out = static_cast<uInt>(out->size() - filled);
    int ret = inflate(&inf.z, blocks ? Z_BLOCK : Z_NO_FLUSH);
    filled = out->size() - inf.z.avail_out;
    if (inf.z.total_out > m.size)
      return member_error(m, path, "inflates to more than the " + std::to_string(m.size) + " bytes the directory says");
    if ((filled == out->size() || ret == Z_STREAM_END) && filled > 0) {
      if (!pipe.push(filled)) return pipe.finish();
      out = nullptr;
    }
    if (ret == Z_STREAM_END) {
      if (blocks) {
        blocks->index.size = inf.z.total_out;
        blocks->index.comp_size = inf.z.total_in;
        blocks->complete = true;
      }
      return pipe.finish();
    }
    if (blocks && ret == Z_OK && (inf.z.data_type & 128) && !(inf.z.data_type & 64) && inf.z.total_out > 0) {
      add_block_start(blocks->index,
                      {inf.z.total_out, uint64_t{inf.z.total_in} * 8 - static_cast<uint64_t>(inf.z.data_type & 7)});
    }
    if (ret == Z_BUF_ERROR && inf.z.avail_in == 0 && read >= m.comp_size)
      return member_error(m, path, "its deflate data ends early");
    if (ret != Z_OK && ret != Z_BUF_ERROR) return member_error(m, path, "corrupt deflate data");
  }
}

#ifndef FERRY_HAVE_ISAL
Status inflate_stream(int fd, const RawMember& m, Digester& dg, const std::string& path, RecordedBlocks* blocks) {
  return inflate_stream_zlib(fd, m, dg, path, blocks);
}
#endif

}  // namespace

Result<MemberDigest> digest_member_streaming(int fd, const RawMember& m, const std::string& path,
                                            RecordedBlocks* blocks, bool with_zlib) {
  if (blocks) *blocks = RecordedBlocks{};
  if (m.method != 8) return member_error(m, path, "not deflated");
  Digester dg;
  dg.with_sha = false;
  FERRY_CHECK(with_zlib ? inflate_stream_zlib(fd, m, dg, path, blocks) : inflate_stream(fd, m, dg, path, blocks));
  return dg.checked(m, path);
}

bool inflate_records_blocks() {
#ifdef FERRY_HAVE_ISAL
  static const bool works = probe_recording();
  return works;
#else
  return true;  // zlib's Z_BLOCK
#endif
}

Result<MemberDigest> digest_member(int fd, const RawMember& m, size_t head_size, const DataSink& sink,
                                   const std::string& path, bool with_sha256, RecordedBlocks* blocks) {
  if (blocks) *blocks = RecordedBlocks{};
  Digester dg;
  dg.with_sha = with_sha256;
  dg.head_size = head_size;
  dg.sink = &sink;
  if (m.method == 0) FERRY_CHECK(digest_stored(fd, m, dg, path));
  else if (m.method != 8) return member_error(m, path, "compression method " + std::to_string(m.method) +
                                                          " (a wheel uses deflate or store)");
  else FERRY_CHECK(m.size <= kInflateWhole && m.comp_size <= kInflateWhole ? inflate_whole(fd, m, dg, path)
                                                                             : inflate_stream(fd, m, dg, path, blocks));
  return dg.checked(m, path);
}

Result<std::vector<uint8_t>> member_head(int fd, const RawMember& m, size_t n, const std::string& path) {
  std::vector<uint8_t> out(static_cast<size_t>(std::min<uint64_t>(n, m.size)));
  if (out.empty()) return out;
  if (m.method == 0) {
    FERRY_CHECK(read_at(fd, out.data(), out.size(), m.data_offset, path, "the data of '" + m.name + "'"));
    return out;
  }
  if (m.method != 8) return member_error(m, path, "compression method " + std::to_string(m.method));
  Inflater inf;
  if (!inf.ok) return make_error(ErrorCode::io, "zlib inflateInit2 failed");
  std::vector<uint8_t> in(4096);
  uint64_t read = 0;
  inf.z.next_out = out.data();
  inf.z.avail_out = static_cast<uInt>(out.size());
  while (inf.z.avail_out > 0) {
    if (inf.z.avail_in == 0) {
      if (read >= m.comp_size) break;
      size_t k = static_cast<size_t>(std::min<uint64_t>(in.size(), m.comp_size - read));
      FERRY_CHECK(read_at(fd, in.data(), k, m.data_offset + read, path, "the data of '" + m.name + "'"));
      read += k;
      inf.z.next_in = in.data();
      inf.z.avail_in = static_cast<uInt>(k);
    }
    int ret = inflate(&inf.z, Z_NO_FLUSH);
    if (ret == Z_STREAM_END) break;
    if (ret != Z_OK && ret != Z_BUF_ERROR) return member_error(m, path, "corrupt deflate data");
  }
  out.resize(out.size() - inf.z.avail_out);
  return out;
}

Result<std::vector<uint8_t>> read_member(int fd, const RawMember& m, uint64_t max_size, const std::string& path) {
  if (m.size > max_size)
    return member_error(m, path, std::to_string(m.size) + " bytes, more than the " + std::to_string(max_size) + " allowed");
  std::vector<uint8_t> out(static_cast<size_t>(m.size));
  const std::string what = "the data of '" + m.name + "'";
  if (m.method == 0) {
    if (m.comp_size != m.size) return member_error(m, path, "stored, yet its sizes differ");
    FERRY_CHECK(read_at(fd, out.data(), out.size(), m.data_offset, path, what));
  } else if (m.method == 8) {
    thread_local std::vector<uint8_t> in;
    in.resize(static_cast<size_t>(m.comp_size));
    FERRY_CHECK(read_at(fd, in.data(), in.size(), m.data_offset, path, what));
    libdeflate_decompressor* d = decompressor();
    if (!d) return make_error(ErrorCode::io, "libdeflate: cannot allocate a decompressor");
    size_t got = 0;
    auto r = libdeflate_deflate_decompress(d, in.data(), in.size(), out.data(), out.size(), &got);
    if (r == LIBDEFLATE_INSUFFICIENT_SPACE)
      return member_error(m, path, "inflates to more than the " + std::to_string(m.size) + " bytes the directory says");
    if (r != LIBDEFLATE_SUCCESS) return member_error(m, path, "corrupt deflate data");
    if (got != m.size)
      return member_error(m, path, std::to_string(got) + " bytes inflated, the directory says " + std::to_string(m.size));
    if (in.capacity() > (size_t{64} << 20)) std::vector<uint8_t>().swap(in);  // a huge member's buffer is not kept
  } else {
    return member_error(m, path, "compression method " + std::to_string(m.method) + " (a wheel uses deflate or store)");
  }
  if (crc32_of(out.data(), out.size()) != m.crc) return member_error(m, path, "CRC-32 mismatch (the data is corrupt)");
  return out;
}

}  // namespace ferry::wheel

#ifdef FERRY_HAVE_ISAL
namespace {
// ISA-L's own decoder runs, then the block's end is noted when the calling thread records.
int decode_and_note(int (*isal)(struct inflate_state*, uint8_t*), struct inflate_state* state, uint8_t* start_out) {
  if (!isal) return ISAL_INVALID_BLOCK;
  ferry::wheel::BlockRecorder* r = ferry::wheel::t_recorder;
  const bool in_block = state->block_state == ISAL_BLOCK_CODED;
  const int ret = isal(state, start_out);
  if (r && in_block && ret >= 0) ferry::wheel::note_block_end(*r, *state);
  return ret;
}
}  // namespace

#ifdef FERRY_ISAL_WRAPPED
// The static ferry links ISA-L's archive (tools/static/static.cmake): the linker's
// --wrap=decode_huffman_code_block_stateless sends ISA-L's call for the symbols of each block here, and
// __real_decode_huffman_code_block_stateless is ISA-L's own (see BlockRecorder).
extern "C" int __real_decode_huffman_code_block_stateless(struct inflate_state* state, uint8_t* start_out);
extern "C" int __wrap_decode_huffman_code_block_stateless(struct inflate_state* state, uint8_t* start_out) {
  return decode_and_note(__real_decode_huffman_code_block_stateless, state, start_out);
}
#else
// ISA-L's call for the symbols of each block comes here (see BlockRecorder). The lookup cannot fail when ISA-L,
// which defines the symbol, is what called.
extern "C" int decode_huffman_code_block_stateless(struct inflate_state* state, uint8_t* start_out) {
  using Decode = int (*)(struct inflate_state*, uint8_t*);
  static const Decode isal = reinterpret_cast<Decode>(::dlsym(RTLD_NEXT, "decode_huffman_code_block_stateless"));
  return decode_and_note(isal, state, start_out);
}
#endif
#endif
