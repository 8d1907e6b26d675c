// Scratch directories named after their process, and the sweep of those whose process is gone (scratch.hpp).
#include "wheel/scratch.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

namespace ferry::wheel {

namespace fs = std::filesystem;

size_t remove_stale_scratch(const std::string& dir, const std::string& prefix) {
  size_t removed = 0;
  std::error_code ec;
  std::string lead = prefix + "-";
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string base = it->path().filename().string();
    if (base.compare(0, lead.size(), lead) != 0) continue;
    // PREFIX-<pid>-XXXXXX: digits, then a dash and mkdtemp's six characters.
    size_t dash = base.find('-', lead.size());
    if (dash == std::string::npos || dash == lead.size() || base.size() != dash + 7) continue;
    std::string pid_text = base.substr(lead.size(), dash - lead.size());
    if (pid_text.find_first_not_of("0123456789") != std::string::npos || pid_text.size() > 9) continue;
    pid_t pid = static_cast<pid_t>(std::atol(pid_text.c_str()));
    if (pid <= 0 || pid == ::getpid()) continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to ask about): leave it
    struct stat st;
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) continue;
    std::error_code rec;
    if (fs::remove_all(it->path(), rec) > 0 && !rec) ++removed;
  }
  return removed;
}

Result<std::string> make_scratch_dir(const std::string& dir, const std::string& prefix) {
  remove_stale_scratch(dir, prefix);
  std::string tmpl = dir + "/" + prefix + "-" + std::to_string(::getpid()) + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data()))
    return make_error(ErrorCode::io, std::string("cannot create a scratch directory: ") + std::strerror(errno))
        .with_path(dir);
  return std::string(buf.data());
}

}  // namespace ferry::wheel
