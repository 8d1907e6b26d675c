// Scratch directories of show/repair that a killed run cannot leave behind for good: each is named after the
// process that made it (PREFIX-<pid>-XXXXXX), and making one removes the same-prefix siblings of processes that
// no longer exist (owned by the same user). Signal handlers are not used: a SIGKILL runs none.
#pragma once

#include <string>

#include "support/result.hpp"

namespace ferry::wheel {

// Creates `dir`/PREFIX-<pid>-XXXXXX (mode 0700) after sweeping stale ones there; returns its path.
Result<std::string> make_scratch_dir(const std::string& dir, const std::string& prefix);

// Removes `dir`/PREFIX-<pid>-* whose process is gone and whose owner is this user; returns how many.
size_t remove_stale_scratch(const std::string& dir, const std::string& prefix);

}  // namespace ferry::wheel
