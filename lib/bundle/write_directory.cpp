// Writes a bundle plan as a directory tree: built in a temporary sibling directory and renamed into place, so a
// failed run leaves nothing half-written. Duplicate contents become hard links, as in the archives.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "bundle/bundle.hpp"
#include "bundle/bundle_internal.hpp"
#include "support/file.hpp"

namespace fs = std::filesystem;

namespace ferry::bundle {

std::vector<OrderedItem> archive_order(const BundlePlan& plan) {
  std::set<std::string> dirs;
  for (const auto& f : plan.files) {
    for (size_t slash = f.path.find('/'); slash != std::string::npos; slash = f.path.find('/', slash + 1))
      dirs.insert(f.path.substr(0, slash));
  }
  std::vector<OrderedItem> items;
  for (const auto& d : dirs) items.push_back({d, true, nullptr});
  for (const auto& f : plan.files) items.push_back({f.path, false, &f});
  std::stable_sort(items.begin(), items.end(), [](const OrderedItem& a, const OrderedItem& b) { return a.path < b.path; });
  return items;
}

namespace {

Status write_bytes(const std::string& path, ByteView bytes, uint32_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return make_error(ErrorCode::io, std::string("cannot create: ") + strerror(errno)).with_path(path);
  uint64_t off = 0;
  while (off < bytes.size()) {
    ssize_t w = ::write(fd, bytes.data() + off, std::min<uint64_t>(bytes.size() - off, 1 << 24));
    if (w < 0) {
      ::close(fd);
      return make_error(ErrorCode::io, std::string("cannot write: ") + strerror(errno)).with_path(path);
    }
    off += static_cast<uint64_t>(w);
  }
  ::fchmod(fd, mode);
  if (::close(fd) != 0) return make_error(ErrorCode::io, "cannot close").with_path(path);
  return {};
}

Status materialize(const BundlePlan& plan, const std::string& root) {
  for (const auto& item : archive_order(plan)) {
    std::string dest = root + "/" + item.path;
    if (item.directory) {
      if (::mkdir(dest.c_str(), 0755) != 0 && errno != EEXIST)
        return make_error(ErrorCode::io, std::string("cannot create directory: ") + strerror(errno)).with_path(dest);
      continue;
    }
    const BundleFile& f = *item.file;
    if (!f.symlink.empty()) {
      if (::symlink(f.symlink.c_str(), dest.c_str()) != 0)
        return make_error(ErrorCode::io, std::string("cannot create symlink: ") + strerror(errno)).with_path(dest);
      continue;
    }
    if (!f.link_to.empty()) {
      std::string target = root + "/" + f.link_to;
      if (::link(target.c_str(), dest.c_str()) != 0)
        return make_error(ErrorCode::io, std::string("cannot create hard link: ") + strerror(errno)).with_path(dest);
      continue;
    }
    if (f.content) {
      FERRY_CHECK(write_bytes(dest, ByteView(f.content->data(), f.content->size()), f.mode));
    } else {
      FERRY_TRY(m, MappedFile::open(f.origin));
      FERRY_CHECK(write_bytes(dest, m.view(), f.mode));
    }
  }
  return {};
}

}  // namespace

Status write_directory(const BundlePlan& plan, const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !(fs::is_directory(dir, ec) && fs::is_empty(dir, ec)))
    return make_error(ErrorCode::usage, "output exists and is not an empty directory").with_path(dir);
  fs::path target = fs::absolute(dir, ec);
  fs::path parent = target.parent_path();
  fs::create_directories(parent, ec);
  std::string tmpl = (parent / ("." + target.filename().string() + ".ferry-XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data()))
    return make_error(ErrorCode::io, std::string("cannot create a temporary directory: ") + strerror(errno))
        .with_path(parent.string());
  std::string tmp(buf.data());
  ::chmod(tmp.c_str(), 0755);
  auto st = materialize(plan, tmp);
  if (st) {
    if (fs::exists(target, ec)) fs::remove(target, ec);  // an empty directory
    fs::rename(tmp, target, ec);
    if (ec) st = make_error(ErrorCode::io, "cannot rename into place: " + ec.message()).with_path(dir);
  }
  if (!st) fs::remove_all(tmp, ec);
  return st;
}

}  // namespace ferry::bundle
