// Reads many binaries in parallel and hands them back in a stable order, a bounded window at a time, so memory
// does not grow with the number of files. Used by `ferry inspect` and by every command that walks inputs.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "binary/binary.hpp"

namespace ferry {

struct InspectItem {
  std::string path;
  std::optional<Binary> binary;
  std::optional<Error> error;
};

struct InspectOptions {
  unsigned jobs = 0;      // 0 = all cores
  size_t window = 256;    // files decoded ahead of the consumer
  bool symbols = true;    // decode ELF dynamic symbols
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
