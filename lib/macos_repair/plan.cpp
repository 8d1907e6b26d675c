// plan_repair: from the resolved edges, which libraries are grafted and under which member, and the load-command
// edits of every file that changes (references to grafts -> @loader_path, graft ids -> /DLC/..., build-machine
// LC_RPATHs dropped). Missing libraries fail here unless --ignore-missing-dependencies.
#include <algorithm>
#include <filesystem>

#include "macos_repair/internal.hpp"

namespace ferry::macos {

namespace fs = std::filesystem;

namespace {

// delocate's choice: <package>/<lib_sdir> for the top-level package named like the distribution, else the
// first package, else <distribution><lib_sdir> at the root.
std::string choose_lib_dir(const LoadedWheel& w, const std::string& lib_sdir) {
  std::set<std::string> packages;
  for (auto& m : w.zip.members()) {
    size_t s = m.name.find('/');
    if (s != std::string::npos && m.name.substr(s + 1) == "__init__.py") packages.insert(m.name.substr(0, s));
  }
  for (auto& p : packages)
    if (p == w.name.distribution) return p + "/" + lib_sdir;
  if (!packages.empty()) return *packages.begin() + "/" + lib_sdir;
  return w.name.distribution + lib_sdir;
}

// The member a disk path stands for: a wheel member, or a graft.
std::string member_of(const std::string& path, const LoadedWheel& w, const Plan& p) {
  if (path.starts_with(w.root + "/")) return path.substr(w.root.size() + 1);
  auto g = p.graft_member.find(path);
  return g == p.graft_member.end() ? "" : g->second;
}

std::string loader_relative(const std::string& from_member, const std::string& to_member) {
  std::string from_dir = fs::path(from_member).parent_path().string();
  std::string rel = fs::path(to_member).lexically_relative(from_dir.empty() ? "." : from_dir).string();
  return "@loader_path/" + rel;
}

const macho::MachOFile* file_at(const std::string& path, const LoadedWheel& w, const Graph& g) {
  if (auto e = g.external.find(path); e != g.external.end()) return &e->second.file;
  for (auto& b : w.binaries)
    if (b.disk_path == path) return &b.file;
  return nullptr;
}

Status assign_grafts(const LoadedWheel& w, const Graph& g, const Options& o, Plan& p) {
  p.lib_dir = choose_lib_dir(w, o.lib_sdir);
  std::map<std::string, std::string> by_leaf;
  std::vector<std::string> missing;
  for (auto& e : g.edges) {
    if (e.disposition == "missing")
      missing.push_back(e.name + " (needed by " + (e.from.starts_with(w.root + "/") ? e.from.substr(w.root.size() + 1) : e.from) + ")");
    if (e.disposition != "graft" || p.graft_member.count(e.to)) continue;
    std::string lf = fs::path(e.to).filename().string();
    if (by_leaf.count(lf))
      return make_error(ErrorCode::policy, "two different libraries would be grafted as " + lf + ": " +
                                               by_leaf[lf] + " and " + e.to).with_path(w.path);
    by_leaf[lf] = e.to;
    p.graft_member[e.to] = p.lib_dir + "/" + lf;
  }
  if (!missing.empty() && !o.ignore_missing) {
    std::string msg = "cannot find " + std::to_string(missing.size()) +
                      " librar" + (missing.size() == 1 ? "y" : "ies") + " (use --lib-path or DYLD_LIBRARY_PATH, or "
                      "--ignore-missing-dependencies):";
    for (auto& m : missing) msg += "\n  " + m;
    return make_error(ErrorCode::policy, msg).with_path(w.path);
  }
  return {};
}

}  // namespace

Result<Plan> plan_repair(const LoadedWheel& w, const Graph& g, const Options& o) {
  Plan p;
  FERRY_CHECK(assign_grafts(w, g, o, p));
  std::map<std::string, Library> libs;  // by name + path
  for (auto& e : g.edges) {
    std::string from = member_of(e.from, w, p);
    Library& l = libs[e.name + "\n" + e.to];
    l.name = e.name, l.path = e.to, l.disposition = e.disposition;
    if (std::find(l.needed_by.begin(), l.needed_by.end(), from) == l.needed_by.end()) l.needed_by.push_back(from);
    if (e.disposition != "graft") continue;
    l.grafted_as = p.graft_member[e.to];
    p.edits[e.from].dependencies[e.name] = loader_relative(from, l.grafted_as);
  }
  for (auto& [path, member] : p.graft_member) p.edits[path].id = "/DLC/" + member;
  if (o.sanitize_rpaths)
    for (auto& [path, ed] : p.edits)
      if (auto* f = file_at(path, w, g))
        for (auto& s : f->slices)
          for (auto& r : s.rpaths)
            if (!r.starts_with("@")) ed.remove_rpaths.insert(r);
  for (auto& [k, l] : libs) p.libraries.push_back(l);
  return p;
}

Status check_archs(const LoadedWheel& w, const Graph& g, const Plan& p, const std::string& require) {
  std::vector<std::string> need;
  if (require == "universal2") need = {"x86_64", "arm64"};
  else if (require == "intel") need = {"i386", "x86_64"};
  else
    for (size_t s = 0, e; s <= require.size(); s = e + 1) {
      e = require.find(',', s);
      if (e == std::string::npos) e = require.size();
      if (e > s) need.push_back(require.substr(s, e - s));
    }
  std::vector<std::string> bad;
  auto check = [&](const std::string& member, const macho::MachOFile& f) {
    for (auto& a : need)
      if (std::none_of(f.slices.begin(), f.slices.end(), [&](const macho::Slice& s) { return s.arch == a; }))
        bad.push_back(member + " lacks " + a);
  };
  for (auto& b : w.binaries) check(b.member, b.file);
  for (auto& [path, b] : g.external) check(p.graft_member.count(path) ? path : path, b.file);
  if (bad.empty()) return {};
  std::string msg = "--require-archs " + require + ": " + std::to_string(bad.size()) + " file(s) lack an architecture:";
  for (auto& l : bad) msg += "\n  " + l;
  return make_error(ErrorCode::policy, msg).with_path(w.path);
}

}  // namespace ferry::macos
