// Zip access for wheel repair, through ferry's own zip reader (lib/archive/zip_directory.hpp): listing members
// with their Unix modes, safety checks a wheel must pass before anything is extracted, streaming extraction
// (wheel/deflate.hpp's one-pass digest), and writing the repaired wheel where unchanged
// members are copied as their compressed bytes and new members are deflated in parallel.
// Spec: APPNOTE.TXT (external attributes, ZIP64), PEP 427 (wheel layout), wheels.md "repair" step 6.
#pragma once

#include <functional>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "archive/zip_directory.hpp"
#include "support/file.hpp"
#include "support/hash.hpp"
#include "support/progress.hpp"
#include "support/result.hpp"

namespace ferry::wheel {

struct ZipMember {
  std::string name;         // normalised (normalize_member_name): what an installer writes; used everywhere
  std::string stored_name;  // as stored in the archive, for messages
  uint64_t index = 0;
  uint64_t size = 0;       // uncompressed
  uint64_t comp_size = 0;
  uint16_t method = 0;     // 0 store, 8 deflate, ...
  uint32_t mode = 0;       // st_mode (type and permission bits); 0100644 when the zip stores none
  bool is_dir = false;
  bool is_symlink = false;
  bool encrypted = false;
  time_t mtime = 0;
};

// One open wheel. Not thread-safe: open one per thread for parallel reads.
class ZipReader {
public:
  static Result<ZipReader> open(const std::string& path);
  ZipReader();
  ZipReader(ZipReader&&) noexcept;
  ZipReader& operator=(ZipReader&&) noexcept;
  ~ZipReader();

  const std::string& path() const { return path_; }
  const std::vector<ZipMember>& members() const { return members_; }
  // The whole content of a member (refused above `max_size`).
  Result<std::vector<uint8_t>> read(const ZipMember& m, uint64_t max_size = uint64_t{64} << 20);
  // The first `n` bytes (fewer when the member is shorter).
  Result<std::vector<uint8_t>> head(const ZipMember& m, size_t n);
  // Streams a member to `dest` (created with the member's permission bits); hashes what it wrote.
  Result<Sha256> extract(const ZipMember& m, const std::string& dest);
  // Streams a member through SHA-256 without writing it anywhere; `head` (when given) receives its first bytes.
  Result<Sha256> hash(const ZipMember& m, std::vector<uint8_t>* head = nullptr, size_t head_size = 4);
  // The directory entries, by ZipMember::index (data offsets, CRCs, compressed sizes).
  const std::vector<archive::ZipEntry>& entries() const { return entries_; }

private:
  std::string path_;
  UniqueFd fd_;
  std::vector<archive::ZipEntry> entries_;
  std::vector<ZipMember> members_;
};

// The name pip and Python's zipfile install a member under: empty and "." components dropped ("a/./b",
// "a//b" and "./a/b" all become "a/b"); a directory keeps its trailing '/'. ".." is left for check_members.
std::string normalize_member_name(const std::string& name);

// Refuses what a safe installer must not unpack: names that are absolute, contain `..`, backslashes, NUL or
// drive letters; two members with the same name once normalised (or a file and a directory of the same name);
// symlinks whose
// target is absolute or leaves the wheel; encrypted members. The message names the member.
Status check_members(const std::vector<ZipMember>& members, const std::string& wheel_path);

// A symlink member's target must be relative and stay inside the wheel once joined to the member's directory.
Status check_symlink_target(const std::string& member, const std::string& target, const std::string& wheel_path);

// One member of the output archive.
class PendingDeflateIndex;  // a member's deflate blocks, being walked (an internal header: deflate.hpp)
struct KnownChanges;        // zip_raw.hpp

struct OutputEntry {
  enum class Source { copy, file, bytes };
  std::string name;
  Source source = Source::copy;
  uint64_t input_index = 0;     // copy: member index in the input wheel (compressed bytes copied as they are)
  std::string file_path;        // file: content on disk
  std::vector<uint8_t> bytes;   // bytes: small generated content (RECORD, WHEEL, provenance)
  uint32_t mode = 0100644;      // st_mode written to the external attributes
  // bytes, produced when the writer reaches the entry rather than before it starts: RECORD waits there for the
  // hash of a large patched file, computed while the members before it are written. An error stops the write.
  std::function<Result<std::vector<uint8_t>>()> late_bytes;
  // file: patched from input member `input_index`, whose content was extracted to `base_path` and whose deflate
  // blocks `base_index` lists; the writer copies the original's compressed bits where the content is unchanged.
  // `base_path` is scratch: the writer empties it once the member is written.
  std::shared_ptr<PendingDeflateIndex> base_index;
  std::string base_path;
  // With base_index: what the patch that wrote `file_path` knows of it (its unchanged ranges and CRC-32, worked
  // out before `base_path` was emptied). Null: the writer compares the two files.
  std::shared_ptr<const KnownChanges> known;
  // file: called once the member is in the output, after which the writer reads `file_path` no more (repair
  // empties a large patched file then, if its hash has been taken too).
  std::function<void()> on_written;
};

struct ZipWriteOptions {
  int level = -1;  // deflate level for new members: -1 = ferry's default (libdeflate 4, smaller than zlib 6), 0 = stored, 1..12
  std::optional<int64_t> source_date_epoch;  // every member's time (clamped to 1980-01-01..2107) when set
  unsigned jobs = 0;  // 0 = all cores
  ProgressFn progress;  // told members and bytes written (may be empty)
  StepFn on_step;       // told each step's wall time: prepare, write, verify, rename (may be empty)
};

// Writes `entries` in the order given to `out_path` atomically (temporary file in the same directory, reopened
// and checked, renamed). Members copied from `input` keep their compressed bytes, method and CRC; new members
// are deflated on `jobs` threads (small ones whole and in parallel, large ones in parallel chunks).
Status write_wheel_zip(ZipReader& input, const std::vector<OutputEntry>& entries, const std::string& out_path,
                       const ZipWriteOptions& opts);

// DOS date/time of a Unix time, in UTC, clamped to what a zip can hold.
void dos_time_utc(int64_t t, uint16_t& dostime, uint16_t& dosdate);

}  // namespace ferry::wheel
