// Pieces shared by the bundle writers (not public API).
#pragma once

#include <string>
#include <vector>

#include "bundle/bundle.hpp"
#include "support/parallel.hpp"

namespace ferry::bundle {

// One archive or directory entry: a directory (derived from file paths) or a planned file.
struct OrderedItem {
  std::string path;
  bool directory = false;
  const BundleFile* file = nullptr;
};
// Every directory and file of the plan sorted by path (so hard-link targets, the smallest path of each content,
// come before their links).
std::vector<OrderedItem> archive_order(const BundlePlan& plan);

inline unsigned default_jobs_for_archive() { return 2; }  // fixed: zstd output must not depend on the machine

// Refuses an output path that is one of the bundle's inputs (a program or any file it copies): writing the
// archive there would replace the input (`bundle -o prog.sh ./prog.sh`).
Status check_output_is_not_an_input(const BundlePlan& plan, const std::string& out_path);

Result<std::vector<uint8_t>> build_tar(const BundlePlan& plan, OutputKind kind, unsigned jobs, int64_t mtime);

}  // namespace ferry::bundle
