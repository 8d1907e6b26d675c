// Looking up paths inside another root (an extracted image, a debootstrap root, a cross sysroot) the way a
// process chrooted there would: absolute symlinks are resolved against the root, `..` never leaves it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "support/text.hpp"

namespace ferry::resolve {

struct FileId {
  uint64_t dev = 0, ino = 0;
  bool operator==(const FileId&) const = default;
};

class RootFs {
public:
  explicit RootFs(std::string sysroot = "");  // "" or "/" = this machine
  const std::string& sysroot() const { return root_; }
  bool is_host() const { return root_.empty(); }
  // Host path of `path` (absolute, inside the root) with every symlink resolved inside the root;
  // nullopt when a component does not exist or a symlink loops.
  std::optional<std::string> host_path(const std::string& path) const;
  // The same path resolved inside the root (what realpath(3) would give a chrooted process).
  std::optional<std::string> real_path(const std::string& path) const;
  bool is_dir(const std::string& path) const;
  // Identity of a regular file (after symlinks); nullopt when absent or not a regular file.
  std::optional<FileId> file_id(const std::string& path) const;

private:
  std::string root_;
};

// Lexical helpers for loader paths.
std::string dirname_of(const std::string& path);  // "/a/b/c" -> "/a/b"; "c" -> "."
using ferry::basename_of;  // support/text.hpp
std::string join_path(const std::string& dir, const std::string& name);
std::string normalize_path(const std::string& path);  // collapses "//", "/./", "a/../"

}  // namespace ferry::resolve
