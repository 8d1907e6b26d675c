// `ferry bundle --detect -- CMD ARGS`: what a traced run of the command opened, as files to bundle. The tracing
// itself (ptrace over every process and thread the command starts, as strace, CDE and sharun's strace mode do)
// is the caller's OpenTracer (tools/ferry/process.cpp); here: the command is required, a failed start names it,
// and only absolute paths that were regular files when opened are kept, once each, sorted. Dlopen'ed plugins,
// gconv and NSS modules and interpreter data (Python's stdlib) are found this way.
#include <cstring>
#include <set>

#include "bundle/bundle.hpp"

namespace ferry::bundle {

Result<DetectResult> detect_files(const std::vector<std::string>& cmd, const OpenTracer& trace) {
  if (cmd.empty()) return make_error(ErrorCode::usage, "--detect needs a command after --");
  FERRY_TRY(run, trace(cmd));
  if (run.exec_errno != 0)
    return make_error(ErrorCode::not_found, "--detect: cannot run " + cmd[0] + ": " + std::strerror(run.exec_errno));
  std::set<std::string> files;
  for (const auto& o : run.opened)
    if (o.regular && o.path.starts_with('/')) files.insert(o.path);
  DetectResult result;
  result.exit_code = run.exit_code;
  result.files.assign(files.begin(), files.end());
  return result;
}

}  // namespace ferry::bundle
