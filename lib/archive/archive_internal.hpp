// Internal to lib/archive: the per-format readers behind archive.hpp's dispatching functions.
#pragma once

#include "archive/archive.hpp"

namespace ferry::archive {

Result<std::vector<uint8_t>> read_file_head(const std::string& path, size_t n);
bool tar_readable(const std::string& path);
Result<std::vector<Member>> list_zip(const std::string& path);
Result<std::vector<Member>> list_tar(const std::string& path);
Status for_each_zip(const std::string& path, const MemberFilter& filter, const MemberVisitor& visit,
                    const ReadLimits& limits, std::vector<Error>* skipped);
Status for_each_tar(const std::string& path, const MemberFilter& filter, const MemberVisitor& visit,
                    const ReadLimits& limits, std::vector<Error>* skipped);

// Whether a member may be decompressed under `limits` given the bytes already read (`total`, updated when it
// is admitted). A refused member is reported in `skipped` (when given), naming the archive and the member.
bool admit_member(const Member& m, const ReadLimits& limits, uint64_t& total, const std::string& path,
                  std::vector<Error>* skipped);

}  // namespace ferry::archive
