// LIEF made ready once per process for the modules that cross-check with it (lib/macho and lib/pe's
// lief_check.cpp): the constructors the static ferry deferred are run, and LIEF's logger (stderr) is turned off.
// Header-only and not installed: only modules that link LIEF include it.
#pragma once

#include <LIEF/logging.hpp>

#include <mutex>

#include "support/deferred_init.hpp"

namespace ferry {

inline void start_lief_quietly() {
  static std::once_flag once;  // one flag for the whole process: an inline function's statics are shared
  std::call_once(once, [] {
    run_deferred_constructors();  // the static ferry builds LIEF's PE tables here, not at start-up
    LIEF::Logger::disable();
  });
}

}  // namespace ferry
