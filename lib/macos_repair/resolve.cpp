// resolve_dependencies: every install name of every Mach-O member (and, transitively, of the libraries found
// outside the wheel) resolved as dyld does: @loader_path, @executable_path, @rpath through the LC_RPATHs of the
// file and of the files that load it, then --lib-path/DYLD_LIBRARY_PATH by leaf name, the path itself, and
// DYLD_FALLBACK_LIBRARY_PATH. /usr/lib and /System stay with the system.
#include <deque>
#include <filesystem>

#include "macos_repair/internal.hpp"
#include "support/file.hpp"

namespace ferry::macos {

namespace fs = std::filesystem;

namespace {

std::string dir_of(const std::string& p) { return fs::path(p).parent_path().string(); }
std::string leaf(const std::string& p) { return fs::path(p).filename().string(); }

// Paths under the wheel's root are looked up among its members (the wheel is not extracted).
bool exists_file(const std::string& p, const LoadedWheel& w) {
  std::error_code ec;
  std::string n = fs::path(p).lexically_normal().string();
  if (n.starts_with(w.root + "/")) return w.members.count(n.substr(w.root.size() + 1)) > 0;
  return !p.empty() && fs::is_regular_file(p, ec);
}

std::string real(const std::string& p, const LoadedWheel& w) {
  std::string n = fs::path(p).lexically_normal().string();
  if (n.starts_with(w.root + "/")) return n;
  std::error_code ec;
  auto r = fs::canonical(p, ec);
  return ec ? p : r.string();
}

// `@loader_path/` and `@executable_path/` substituted in an rpath or install name; nullopt when unknown.
std::optional<std::string> expand(const std::string& s, const std::string& loader, const Options& o) {
  if (s.starts_with("@loader_path")) return dir_of(loader) + s.substr(12);
  if (s.starts_with("@executable_path")) {
    if (!o.executable_path) return std::nullopt;
    return dir_of(*o.executable_path) + s.substr(16);
  }
  return s;
}

std::string find_library(const std::string& name, const std::string& loader, const std::vector<std::string>& rpaths,
                         const Options& o, const LoadedWheel& w) {
  std::vector<std::string> tries;
  for (auto& d : o.lib_path) tries.push_back(d + "/" + leaf(name));  // DYLD_LIBRARY_PATH: by leaf name, first
  if (name.starts_with("@rpath/")) {
    for (auto& r : rpaths) tries.push_back(r + "/" + name.substr(7));
  } else if (auto e = expand(name, loader, o)) {
    tries.push_back(*e);
  }
  for (auto& d : o.fallback_path) tries.push_back(d + "/" + leaf(name));
  for (auto& t : tries)
    if (exists_file(t, w)) return real(t, w);
  return {};
}

bool is_system(const std::string& name) { return name.starts_with("/usr/lib/") || name.starts_with("/System/"); }

bool excluded(const std::string& name, const std::string& path, const Options& o) {
  for (auto& x : o.exclude)
    if (name.find(x) != std::string::npos || (!path.empty() && path.find(x) != std::string::npos) ||
        wheel::glob_match(x, leaf(name)))
      return true;
  return false;
}

struct Work {
  std::string path;                  // disk path of the loading file
  const macho::MachOFile* file;
  std::vector<std::string> inherited;  // expanded rpaths of the files that load it
};

}  // namespace

Result<Graph> resolve_dependencies(const LoadedWheel& w, const Options& o) {
  Graph g;
  std::deque<Work> todo;
  for (auto& b : w.binaries) todo.push_back({b.disk_path, &b.file, {}});
  std::set<std::string> seen;
  while (!todo.empty()) {
    Work k = todo.front();
    todo.pop_front();
    std::vector<std::string> rpaths;
    for (auto& s : k.file->slices)
      for (auto& r : s.rpaths)
        if (auto e = expand(r, k.path, o)) rpaths.push_back(*e);
    rpaths.insert(rpaths.end(), k.inherited.begin(), k.inherited.end());
    std::set<std::string> names;
    for (auto& s : k.file->slices)
      for (auto& d : s.dependencies) names.insert(d.name);
    for (auto& n : names) {
      Edge e{k.path, n, "", ""};
      if (is_system(n)) e.disposition = "system";
      else {
        e.to = find_library(n, k.path, rpaths, o, w);
        e.disposition = excluded(n, e.to, o) ? "excluded"
                        : e.to.empty()       ? "missing"
                        : e.to.starts_with(w.root + "/") ? "in-wheel"
                                                         : "graft";
      }
      if (e.disposition == "graft" && !g.external.count(e.to)) {
        // Read once: the bytes are kept for the rewrite pass.
        FERRY_TRY(b, read_file(e.to));
        auto bytes = std::make_shared<const std::vector<uint8_t>>(std::move(b));
        FERRY_TRY(f, macho::read_macho(ByteView(bytes->data(), bytes->size()), e.to, false));
        g.external[e.to] = Binary{"", e.to, std::move(f), bytes};
      }
      if (e.disposition == "graft" && seen.insert(e.to + "\n" + k.path).second)
        todo.push_back({e.to, &g.external[e.to].file, rpaths});
      g.edges.push_back(std::move(e));
    }
  }
  return g;
}

}  // namespace ferry::macos
