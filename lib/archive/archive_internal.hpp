// Internal to lib/archive: the per-format readers behind archive.hpp's dispatching functions.
#pragma once

#include "archive/archive.hpp"

namespace ferry::archive {

Result<std::vector<uint8_t>> read_file_head(const std::string& path, size_t n);
bool tar_readable(const std::string& path);
Result<std::vector<Member>> list_zip(const std::string& path);
Result<std::vector<Member>> list_tar(const std::string& path);
Status for_each_zip(const std::string& path, const MemberFilter& filter, const MemberVisitor& visit,
                    const ReadLimits& limits, std::vector<Error>* skipped, const HeadFilter& head);
Status for_each_tar(const std::string& path, const MemberFilter& filter, const MemberVisitor& visit,
                    const ReadLimits& limits, std::vector<Error>* skipped, const HeadFilter& head);

// Reads one member's data through `read` (bytes read into the buffer, 0 at the end, < 0 on error, then `why`
// says what went wrong) in kReadChunk pieces. nullopt: `head` refused its first bytes. The bytes are held against
// the process-wide budget of ReadLimits::max_in_memory until the visitor returns; `visit` is called here.
using ChunkReader = std::function<int64_t(uint8_t* buf, size_t n)>;
Status read_and_visit(const Member& m, const ReadLimits& limits, const HeadFilter& head, const ChunkReader& read,
                      const std::function<std::string()>& why, const std::string& path, const MemberVisitor& visit);

// Whether a member may be decompressed under `limits` given the bytes already read (`total`, updated when it
// is admitted). A refused member is reported in `skipped` (when given), naming the archive and the member.
bool admit_member(const Member& m, const ReadLimits& limits, uint64_t& total, const std::string& path,
                  std::vector<Error>* skipped);

}  // namespace ferry::archive
