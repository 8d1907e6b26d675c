// Reads many binaries in parallel and hands them back in a stable order, a bounded window at a time, so memory
// does not grow with the number of files. Used by `ferry inspect` and by every command that walks inputs.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "binary/binary.hpp"
#include "support/shard.hpp"

namespace ferry {

struct InspectItem {
  std::string path;
  std::optional<Binary> binary;
  std::optional<Error> error;
  std::string rendered;  // output of InspectOptions::render, when given
};

struct InspectOptions {
  unsigned jobs = 0;      // 0 = all cores
  size_t window = 256;    // files decoded ahead of the consumer
  bool symbols = true;    // decode ELF dynamic symbols
  Shard shard;            // --shard: only the files of this share of the expanded list
  // Runs on the worker threads right after decoding; when given, the decoded binary is dropped afterwards so
  // only the rendered text waits for its turn (rendering is as costly as decoding and parallelises as well).
  std::function<std::string(const InspectItem&)> render;
};

struct InspectSummary {
  size_t files = 0;     // binaries read (successfully or not)
  size_t skipped = 0;   // files in walked directories that are not binaries
  size_t errors = 0;
};

// Explicit file arguments that are not binaries are errors; files found by walking directories that are not
// binaries are skipped silently (counted). `consume` may render; it runs on the calling thread, in order.
InspectSummary inspect_paths(const std::vector<std::string>& paths, const InspectOptions& opts,
                             const std::function<void(InspectItem&)>& consume);

}  // namespace ferry
