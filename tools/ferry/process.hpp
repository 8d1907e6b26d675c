// The processes the library asks for and does not start itself (issue 12, "effects at the edge"): bundle
// --verify's runs under LD_DEBUG and bundle --detect's ptrace'd run. The CLI passes these to lib/bundle; the
// unit tests drive the same library code with fakes.
#pragma once

#include <string>
#include <vector>

#include "bundle/bundle.hpp"

namespace ferry::cli {

// bundle::ProgramRunner: fork, stdio on /dev/null, the request's environment on top of ours, execv (an exec
// that fails exits 127, as a shell's does), wait.
Result<int> run_quiet(const bundle::RunRequest& request);

// bundle::OpenTracer: runs `cmd` (found on PATH) under ptrace, following forks, vforks, clones and execs, and
// reports the target of every descriptor a successful open/openat/openat2 returned. Linux >= 5.3
// (PTRACE_GET_SYSCALL_INFO); x86-64 syscall numbers.
Result<bundle::TracedRun> trace_opens(const std::vector<std::string>& cmd);

}  // namespace ferry::cli
