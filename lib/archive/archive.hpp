// Reading members of zip (wheels) and tar archives (.tar, .tar.gz, .tar.xz, .tar.zst) in memory, without
// extracting anything to disk. zip through libzip, tar through libarchive. Member sizes are bounded so a
// hostile archive cannot exhaust memory; member names are reported as stored (callers decide about `..`).
// Writing zips lives in lib/wheel.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "support/result.hpp"

struct archive;  // libarchive's handle, for error_text

namespace ferry::archive {

// libarchive's reason for its last failure on `a`. archive_error_string may return null (some filters and
// format bidders fail without setting one), so this never does: it falls back to archive_errno, then to a fixed
// sentence.
std::string error_text(struct archive* a);

enum class Format { zip, tar };  // tar covers every compression libarchive reads (gz, xz, zstd, bz2, none)

// Sniffs a file: zip by its magic, tar (possibly compressed) by libarchive. not_found / unsupported otherwise.
Result<Format> detect_format(const std::string& path);
// True when the path names an archive ferry reads (by content, not by name).
bool is_archive(const std::string& path);

struct Member {
  std::string name;         // as stored, '/'-separated
  uint64_t size = 0;        // uncompressed size
  uint32_t mode = 0;        // Unix mode bits when stored (zip: external attributes >> 16), 0 when unknown
  bool regular = true;      // a regular file (not a directory, symlink or device)
  bool symlink = false;
  std::string link_target;  // symlinks: the target as stored
  uint64_t index = 0;       // position in the archive (zip index, or tar ordinal)
};

// What reading members may cost, whatever the archive claims. A member's claimed size allocates nothing: memory
// follows the bytes that actually arrive (in 256 KiB chunks), and a member that inflates to more or fewer bytes
// than it claims is an error. Across every thread of the process, members held in memory at once total at most
// max_in_memory (a member waits for others to be released), except that one member alone may reach
// max_member_size.
struct ReadLimits {
  uint64_t max_member_size = uint64_t{4} << 30;  // larger members are skipped with an error
  uint64_t max_total_size = uint64_t{64} << 30;  // total bytes decompressed for one archive
  uint64_t max_in_memory = uint64_t{1} << 30;    // process-wide bytes of members held at once
};
constexpr size_t kReadChunk = size_t{1} << 18;  // the unit members are read in
constexpr size_t kHeadBytes = 64;                // what a HeadFilter sees

// Lists every member, in archive order.
Result<std::vector<Member>> list_members(const std::string& path);

// Decides whether a regular member is read (by name, size, mode); unread members cost no decompression for zip.
using MemberFilter = std::function<bool(const Member&)>;
// Receives each accepted regular member with its whole content. Returning an error stops the walk. The bytes
// count against ReadLimits::max_in_memory until it returns: a visitor must not read members itself.
using MemberVisitor = std::function<Status(const Member&, std::vector<uint8_t>&& bytes)>;
// Decides from a member's first kHeadBytes (fewer when it is shorter) whether the rest is read at all: `check`
// reads only members that start like an ELF file.
using HeadFilter = std::function<bool(const uint8_t* head, size_t n)>;

// Reads members in archive order. Members over the size limit are reported through `skipped` (may be null)
// and not read. Errors: the archive cannot be opened, or is corrupt (naming the member).
Status for_each_member(const std::string& path, const MemberFilter& filter, const MemberVisitor& visit,
                       const ReadLimits& limits = {}, std::vector<Error>* skipped = nullptr,
                       const HeadFilter& head_filter = {});

// Reads one member by name.
Result<std::vector<uint8_t>> read_member(const std::string& path, const std::string& name,
                                         const ReadLimits& limits = {});

// True for names a safe extractor must refuse: absolute, containing a `..` component, or a backslash-rooted
// or drive-letter path.
bool is_unsafe_member_name(const std::string& name);

// "archive.whl!pkg/_ext.so": how reports name a member.
std::string member_display_path(const std::string& archive_path, const std::string& member_name);

}  // namespace ferry::archive
