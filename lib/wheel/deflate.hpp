// Member data in and out, at the speed of the hardware: libdeflate deflates and inflates whole buffers, a large
// member is deflated in independent 1 MiB chunks on every core that still form one deflate stream (pigz's method:
// each chunk but the last ends on a byte boundary with an empty stored block), and reading a member yields its
// CRC-32, SHA-256 and size from one pass. RFC 1951 (deflate), APPNOTE.TXT 4.4.7 (CRC-32).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/file.hpp"
#include "support/hash.hpp"
#include "support/result.hpp"
#include "wheel/zip_raw.hpp"

namespace ferry::wheel {

constexpr size_t kDeflateChunk = size_t{1} << 20;

// The deflate level ferry writes when none is asked for. Measured on the 8 libraries an lxml wheel grafts (40 MB,
// 1 MiB chunks): zlib 6 (what auditwheel writes) 0.3949 of the size; libdeflate 4 0.3940 in a quarter of zlib's
// time; libdeflate 6 0.3869 in 40% of it. Level 4: smaller than auditwheel's output, for the least time.
constexpr int kDefaultDeflateLevel = 4;

// Members from this size on, written at the default level, are deflated by ISA-L (its level 3) where ferry is built
// with libisal: measured on 128 MB of system libraries in 1 MiB chunks (CPU time per core), ISA-L 3 deflates at
// 3.1x libdeflate 4's rate to a 8% larger output (ratio 0.415 against 0.384), and its sync flush ends a chunk on a
// byte boundary by itself, so the chunk is checked by libdeflate's inflate (2.5x zlib's) without walking its
// blocks. A torch-sized library's deflate was most of a repair's time; smaller members keep libdeflate 4. The
// static ferry (no libisal) uses libdeflate 4 for every member.
constexpr uint64_t kFastDeflateFrom = uint64_t{64} << 20;
// True when this build has the fast encoder kFastDeflateFrom describes.
bool have_fast_deflate();

// A raw deflate stream of `n` bytes, in one piece (small members). Level 1..12 (libdeflate's scale).
Result<std::vector<uint8_t>> deflate_buffer(const uint8_t* data, size_t n, int level);

// One chunk of a larger stream: deflated alone, checked by inflating it back, and, unless `last`, made to end
// on a byte boundary without the final-block bit so the next chunk can follow it. `crc` is the chunk's CRC-32.
struct DeflatedChunk {
  std::vector<uint8_t> data;
  uint32_t crc = 0;
  uint64_t size = 0;  // uncompressed
};
Result<DeflatedChunk> deflate_chunk(const uint8_t* data, size_t n, int level, bool last);
// The same with the fast encoder (have_fast_deflate(); an error otherwise).
Result<DeflatedChunk> deflate_chunk_fast(const uint8_t* data, size_t n, bool last);

// Deflates bytes [from, to) of `src_fd` into `out_fd` at `out_off` as deflate_file_to does; the last chunk ends
// the stream (BFINAL) only when `ends_stream`, else it ends on a byte boundary so that more blocks may follow.
// `crc` receives the CRC-32 of the range.
Result<uint64_t> deflate_range_to(int src_fd, uint64_t from, uint64_t to, bool ends_stream, int level, int out_fd,
                                  uint64_t out_off, unsigned jobs, uint32_t& crc,
                                  const std::function<void(uint64_t)>& on_bytes, const std::string& path_for_errors);

// Deflates `size` bytes of `src_fd` from offset 0 into `out_fd` at `out_off`, chunks on `jobs` threads, written in
// order as they complete (memory: a bounded window of chunks). Returns the compressed size; `crc` receives the
// CRC-32 of the whole input (crc32_combine of the chunks'). `on_bytes` (may be empty) is told each chunk's size.
// `level` 0 (kFastLevel) asks for the fast encoder (libdeflate 4 where the build has none).
constexpr int kFastLevel = 0;
Result<uint64_t> deflate_file_to(int src_fd, uint64_t size, int level, int out_fd, uint64_t out_off, unsigned jobs,
                                 uint32_t& crc, const std::function<void(uint64_t)>& on_bytes,
                                 const std::string& path_for_errors);

// CRC-32 (zip's) of a buffer, continuing from `crc` (0 to start).
uint32_t crc32_of(const uint8_t* data, size_t n, uint32_t crc = 0);

// What one pass over a member's data found.
struct MemberDigest {
  Sha256 sha{};
  uint32_t crc = 0;
  uint64_t size = 0;
  std::vector<uint8_t> head;  // the first bytes, as many as asked for
};

// Where the blocks of a member's raw deflate stream start, recorded while it is inflated: what lets a patched
// member reuse the compressed bits of every range the patch left alone (deflate_reuse.hpp).
struct DeflateIndex {
  struct Point {
    uint64_t out = 0;  // uncompressed offset at which the block starts
    uint64_t bit = 0;  // bit offset of its header in the compressed stream
  };
  std::vector<Point> points;  // increasing; {0, 0} first; every block after a non-final one
  uint64_t size = 0, comp_size = 0;
  uint32_t crc = 0;
};

// Walks the raw deflate stream of `comp_size` bytes at `data_offset` of `fd` block by block, decoding every code
// but writing nothing (deflate_walk.cpp), into `index`; an error (and an empty index) for a stream that is not
// valid deflate or stands for more than `max_size` bytes. Setting `*stop` ends the walk (an error) at the next block.
Status walk_deflate_blocks(int fd, uint64_t data_offset, uint64_t comp_size, uint64_t max_size,
                           const std::string& path_for_errors, DeflateIndex& index,
                           const std::atomic<bool>* stop = nullptr);

// A member's block index, for the writer of its patched copy. Where the inflate records block starts
// (inflate_records_blocks), the index is the recording (`recorded`). Elsewhere it is walked on a thread of its own
// (`start`): started as the member is inflated (the two run side by side) and awaited only when the patched member
// is written, so that the decoding, planning and patching between the scan and the write may run while it walks
// (the walk of the 2 GB bench wheel's 545 MB library takes 1.05 s of CPU, ISA-L's inflate 0.9 s). Destroying an
// unfinished one stops the walk at its next block: a member the repair leaves unchanged costs no more walking
// once that is known.
class PendingDeflateIndex {
public:
  // Starts walking member `m` of the archive open on `fd` (duplicated: the walk outlives the caller's descriptor).
  // Null when no descriptor or thread could be had: nothing is reused then.
  static std::shared_ptr<PendingDeflateIndex> start(int fd, const RawMember& m, const std::string& path_for_errors);
  // An index already known: what the member's inflate recorded (RecordedBlocks, complete).
  static std::shared_ptr<PendingDeflateIndex> recorded(DeflateIndex index);
  ~PendingDeflateIndex();
  PendingDeflateIndex(const PendingDeflateIndex&) = delete;
  PendingDeflateIndex& operator=(const PendingDeflateIndex&) = delete;
  // The member's CRC-32 as its inflation checked it. An index whose member was not read whole and checked is never
  // handed out.
  void set_crc(uint32_t crc);
  // Waits for the walk: the index, or null when the walk failed or set_crc was not called.
  const DeflateIndex* get();

private:
  PendingDeflateIndex() = default;
  UniqueFd fd_;
  std::string path_;
  DeflateIndex index_;
  bool walked_ = false;  // written by the walking thread, read after it is joined
  std::optional<uint32_t> crc_;
  std::atomic<bool> stop_{false};
  std::mutex join_mu_;
  std::thread walker_;
};

// Receives the member's uncompressed bytes in order (extraction); returns an error to stop.
using DataSink = std::function<Status(const uint8_t*, size_t)>;

// Block starts recorded by digest_member's inflate of a member: `complete` when its final block's end was seen
// (index.size and index.comp_size set); the points are then block starts of the stream, all of them (zlib) or
// most (ISA-L: blocks merged are still blocks to reuse). index.crc is left to the caller, which checked the
// CRC-32.
struct RecordedBlocks {
  DeflateIndex index;
  bool complete = false;
};

// Whether digest_member records block starts in this process: always where zlib inflates (its Z_BLOCK mode);
// with ISA-L, when its inflate is seen to do so by a check against walk_deflate_blocks, once per process (a few
// milliseconds). Else the walker finds them.
bool inflate_records_blocks();

// Reads member `m` of the archive open on `fd` (stored or deflated) once: SHA-256, CRC-32 and size, checked
// against the central directory (a mismatch is an error naming the member). Memory is bounded: small members
// are inflated whole by libdeflate, large ones streamed. `sink` (may be empty) receives the data. Without
// `with_sha256` (an extraction whose hash nobody checks) the digest's `sha` stays zero; CRC-32 and size are
// always checked.
// With `blocks` (a member patched later reuses its blocks), where its deflate blocks start is recorded on the
// way when inflate_records_blocks() says this process can; `blocks->complete` says whether it was.
Result<MemberDigest> digest_member(int fd, const RawMember& m, size_t head_size, const DataSink& sink,
                                   const std::string& path_for_errors, bool with_sha256 = true,
                                   RecordedBlocks* blocks = nullptr);

// The streaming inflate digest_member uses for members too large to inflate whole (ISA-L's where the build has
// it, else zlib's; `with_zlib`: zlib's), whatever the member's size, with its checks (size, CRC-32) but no
// hash: what records block starts, for its tests and its once-per-process check.
Result<MemberDigest> digest_member_streaming(int fd, const RawMember& m, const std::string& path_for_errors,
                                            RecordedBlocks* blocks, bool with_zlib = false);

// The first `n` bytes of a member (fewer when it is shorter) without inflating the rest.
Result<std::vector<uint8_t>> member_head(int fd, const RawMember& m, size_t n, const std::string& path_for_errors);

// The whole content of member `m` (refused above `max_size` bytes), stored or inflated by libdeflate straight into
// the result, checked against the directory's size and CRC-32. For readers that need the bytes themselves (PE
// images to decode and edit): no hash, no intermediate buffer for the output. Thread-safe on a shared `fd`.
Result<std::vector<uint8_t>> read_member(int fd, const RawMember& m, uint64_t max_size, const std::string& path_for_errors);

}  // namespace ferry::wheel
