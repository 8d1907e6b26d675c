// Static constructors that the static ferry runs on first use instead of at start-up: the build moves a
// library object's .init_array into the section `ferry_deferred_init` (tools/static/defer_lief_init.sh; LIEF's
// PE ordinal tables, 5 million instructions at every start). Elsewhere the section does not exist and this does
// nothing.
#pragma once

namespace ferry {

// Runs every constructor in `ferry_deferred_init`, once per process (thread-safe). Call it before the first use
// of a library whose constructors may have been deferred (LIEF: lib/pe and lib/macho's lief_check.cpp).
void run_deferred_constructors();

}  // namespace ferry
