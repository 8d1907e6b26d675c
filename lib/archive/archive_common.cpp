// Format detection, member naming and the unsafe-name rule shared by the zip and tar readers.
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "archive/archive.hpp"
#include "archive/archive_internal.hpp"
#include "support/file.hpp"

namespace ferry::archive {

namespace {

// Bytes of members held in memory by every thread of the process (ReadLimits::max_in_memory).
class MemoryBudget {
public:
  // Waits until `n` more bytes fit under `cap`, or nothing else is held (one member alone may exceed `cap`).
  void acquire(uint64_t n, uint64_t cap) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return used_ == 0 || used_ + n <= cap; });
    used_ += n;
  }
  void release(uint64_t n) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      used_ -= n;
    }
    cv_.notify_all();
  }

private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t used_ = 0;
};

MemoryBudget& budget() {
  static MemoryBudget b;
  return b;
}

struct Held {
  uint64_t n;
  ~Held() { budget().release(n); }
};

Error bad_size(const Member& m, uint64_t got, const std::string& path, const std::string& why) {
  return make_error(ErrorCode::format, "member " + m.name + ": " +
                                           (got > m.size ? "more data than the " + std::to_string(m.size) +
                                                               " bytes it claims"
                                                         : "truncated data (" + std::to_string(got) + " of the " +
                                                               std::to_string(m.size) + " bytes it claims)") +
                                           (why.empty() ? "" : ": " + why))
      .with_path(path);
}

Error read_failed(const Member& m, uint64_t got, const std::string& path, const std::string& why) {
  return make_error(ErrorCode::format, "member " + m.name + ": " + (why.empty() ? "cannot read" : why) + " after " +
                                           std::to_string(got) + " of the " + std::to_string(m.size) +
                                           " bytes it claims")
      .with_path(path);
}

}  // namespace

Status read_and_visit(const Member& m, const ReadLimits& limits, const HeadFilter& head, const ChunkReader& read,
                      const std::function<std::string()>& why, const std::string& path, const MemberVisitor& visit) {
  std::vector<uint8_t> bytes;
  // The head first: most members are refused on it and cost nothing more.
  size_t want_head = static_cast<size_t>(std::min<uint64_t>(m.size, kHeadBytes));
  bytes.resize(want_head);
  size_t got_head = 0;
  while (got_head < want_head) {
    int64_t n = read(bytes.data() + got_head, want_head - got_head);
    if (n < 0) return read_failed(m, got_head, path, why());
    if (n == 0) break;
    got_head += static_cast<size_t>(n);
  }
  bytes.resize(got_head);
  if (head && !head(bytes.data(), bytes.size())) return {};
  // The claim is accounted for (the bytes are not allocated until they arrive), clamped to what one member may be.
  uint64_t claim = std::min(m.size, limits.max_member_size);
  budget().acquire(claim, limits.max_in_memory);
  Held held{claim};
  std::vector<uint8_t> chunk(static_cast<size_t>(std::min<uint64_t>(kReadChunk, std::max<uint64_t>(m.size, 1))));
  uint64_t got = got_head;
  if (got == want_head) {
    for (;;) {
      int64_t n = read(chunk.data(), chunk.size());
      if (n < 0) return read_failed(m, got, path, why());
      if (n == 0) break;
      got += static_cast<uint64_t>(n);
      if (got > m.size) return bad_size(m, got, path, "");
      bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + n);
    }
  }
  if (got != m.size) return bad_size(m, got, path, why());
  return visit(m, std::move(bytes));
}

Result<Format> detect_format(const std::string& path) {
  auto head = read_file_head(path, 512);
  if (!head) return head.error();
  FileKind kind = sniff(ByteView(head->data(), head->size()));
  if (kind == FileKind::zip) return Format::zip;
  if (kind == FileKind::elf || kind == FileKind::macho || kind == FileKind::macho_fat || kind == FileKind::pe)
    return make_error(ErrorCode::unsupported, "not an archive").with_path(path);
  // tar, possibly compressed: let libarchive read the first header (cheap: one block).
  if (tar_readable(path)) return Format::tar;
  return make_error(ErrorCode::unsupported, "not a zip or tar archive").with_path(path);
}

bool is_archive(const std::string& path) { return detect_format(path).ok(); }

bool is_unsafe_member_name(const std::string& name) {
  if (name.empty()) return true;
  if (name[0] == '/' || name[0] == '\\') return true;
  if (name.size() >= 2 && name[1] == ':') return true;  // C:...
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find_first_of("/\\", start);
    if (end == std::string::npos) end = name.size();
    if (name.compare(start, end - start, "..") == 0 && end - start == 2) return true;
    start = end + 1;
  }
  return false;
}

std::string member_display_path(const std::string& archive_path, const std::string& member_name) {
  return archive_path + "!" + member_name;
}

Result<std::vector<uint8_t>> read_member(const std::string& path, const std::string& name, const ReadLimits& limits) {
  std::optional<std::vector<uint8_t>> found;
  auto st = for_each_member(
      path, [&](const Member& m) { return !found && m.name == name; },
      [&](const Member&, std::vector<uint8_t>&& bytes) -> Status {
        found = std::move(bytes);
        return {};
      },
      limits);
  if (!st) return st.error();
  if (!found) return make_error(ErrorCode::not_found, "no member named " + name).with_path(path);
  return std::move(*found);
}

Result<std::vector<Member>> list_members(const std::string& path) {
  FERRY_TRY(fmt, detect_format(path));
  return fmt == Format::zip ? list_zip(path) : list_tar(path);
}

Status for_each_member(const std::string& path, const MemberFilter& filter, const MemberVisitor& visit,
                       const ReadLimits& limits, std::vector<Error>* skipped, const HeadFilter& head) {
  FERRY_TRY(fmt, detect_format(path));
  return fmt == Format::zip ? for_each_zip(path, filter, visit, limits, skipped, head)
                            : for_each_tar(path, filter, visit, limits, skipped, head);
}

bool admit_member(const Member& m, const ReadLimits& limits, uint64_t& total, const std::string& path,
                  std::vector<Error>* skipped) {
  if (m.size > limits.max_member_size || total + m.size > limits.max_total_size) {
    if (skipped)
      skipped->push_back(make_error(ErrorCode::unsupported, "member " + m.name + " is larger than the " +
                                                                std::to_string(limits.max_member_size) +
                                                                "-byte limit; not read")
                             .with_path(path));
    return false;
  }
  total += m.size;
  return true;
}

}  // namespace ferry::archive
