// Path lookup inside another root, resolving symlinks against the root as a chrooted process would see them.
#include "resolve/root_fs.hpp"
#include "support/text.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <vector>

namespace ferry::resolve {

namespace {

// The non-empty components: "//" and a leading or trailing '/' name nothing to walk.
std::vector<std::string> split_components(const std::string& path) {
  std::vector<std::string> out = split_path(path);
  std::erase(out, std::string());
  return out;
}

}  // namespace

std::string dirname_of(const std::string& path) {
  size_t p = path.rfind('/');
  if (p == std::string::npos) return ".";
  if (p == 0) return "/";
  return path.substr(0, p);
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

std::string normalize_path(const std::string& path) {
  bool absolute = !path.empty() && path[0] == '/';
  std::vector<std::string> parts;
  for (auto& c : split_components(path)) {
    if (c == ".") continue;
    if (c == "..") {
      if (!parts.empty() && parts.back() != "..") parts.pop_back();
      else if (!absolute) parts.push_back(c);
      continue;
    }
    parts.push_back(c);
  }
  std::string out = absolute ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += "/";
    out += parts[i];
  }
  if (out.empty()) out = ".";
  return out;
}

RootFs::RootFs(std::string sysroot) : root_(std::move(sysroot)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  if (root_ == "/") root_.clear();
}

std::optional<std::string> RootFs::real_path(const std::string& path) const {
  if (is_host()) {
    char buf[PATH_MAX];
    if (!::realpath(path.c_str(), buf)) return std::nullopt;
    return std::string(buf);
  }
  // Walk component by component; a symlink's target is spliced in front of the remaining components.
  std::vector<std::string> todo = split_components(path);
  std::reverse(todo.begin(), todo.end());
  std::vector<std::string> done;
  int links = 0;
  while (!todo.empty()) {
    std::string c = std::move(todo.back());
    todo.pop_back();
    if (c == ".") continue;
    if (c == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    std::string rel;
    for (auto& d : done) rel += "/" + d;
    rel += "/" + c;
    std::string host = root_ + rel;
    struct stat st;
    if (::lstat(host.c_str(), &st) != 0) return std::nullopt;
    if (S_ISLNK(st.st_mode)) {
      if (++links > 40) return std::nullopt;
      char buf[PATH_MAX];
      ssize_t n = ::readlink(host.c_str(), buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      std::string target(buf, static_cast<size_t>(n));
      if (target[0] == '/') done.clear();
      auto parts = split_components(target);
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.push_back(*it);
      continue;
    }
    done.push_back(c);
  }
  std::string out;
  for (auto& d : done) out += "/" + d;
  return out.empty() ? std::string("/") : out;
}

std::optional<std::string> RootFs::host_path(const std::string& path) const {
  if (is_host()) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return path;
  }
  auto real = real_path(path);
  if (!real) return std::nullopt;
  return root_ + *real;
}

bool RootFs::is_dir(const std::string& path) const {
  auto host = host_path(path);
  struct stat st;
  return host && ::stat(host->c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::optional<FileId> RootFs::file_id(const std::string& path) const {
  auto host = host_path(path);
  struct stat st;
  if (!host || ::stat(host->c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return FileId{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
}

}  // namespace ferry::resolve
