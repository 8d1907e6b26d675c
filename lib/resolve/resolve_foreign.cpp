// Mach-O (dyld) and PE (Windows loader) resolution inside a given root (a wheel, an app bundle, a folder).
// dyld: @executable_path, @loader_path, @rpath through the LC_RPATHs of the loader chain, then the fallback
// dirs by leaf name; /usr/lib and /System/Library live in the shared cache and count as present.
// Windows: the application directory, then the given search dirs; system DLLs and API sets count as present.
#include <algorithm>
#include <cctype>
#include <deque>
#include <functional>
#include <map>
#include <set>

#include "resolve/resolve_internal.hpp"

namespace ferry::resolve {

bool is_macos_system_library(const std::string& path) {
  return path.starts_with("/usr/lib/") || path.starts_with("/System/Library/");
}

// API sets (api-ms-win-*, ext-ms-*) are resolved by Windows itself; the system DLLs are listed per machine.
bool is_windows_system_import(const std::string& raw, uint16_t machine) {
  std::string n = raw;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  return n.starts_with("api-ms-win-") || n.starts_with("ext-ms-") || is_windows_system_dll(machine, n);
}

namespace {

struct ForeignMap {
  std::string path;
  std::shared_ptr<const LoadedObject> obj;
  int loader = -1;
};

// Shared breadth-first walk; `find` resolves one dependency name of maps[loader] into node.
void walk(Resolver::Impl& impl, const std::string& root_path, std::shared_ptr<const LoadedObject> root_obj,
          DependencyTree& tree,
          const std::function<void(const std::string&, int, std::vector<ForeignMap>&, Node&)>& find,
          const std::function<std::string(const std::string&)>& key) {
  std::vector<ForeignMap> maps{{root_path, root_obj, -1}};
  std::map<std::string, int> by_key;
  by_key[key(root_path)] = 0;
  if (root_obj->soname) by_key[key(*root_obj->soname)] = 0;
  std::set<std::string> missing;
  tree.root.name = root_path;
  tree.root.path = root_path;
  tree.root.rule = Rule::root;
  tree.root.object = root_obj;
  tree.load_order.push_back(LoadEntry{root_path, root_path, Rule::root, "", root_obj});
  std::deque<std::pair<Node*, int>> queue{{&tree.root, 0}};
  while (!queue.empty()) {
    auto [node, m] = queue.front();
    queue.pop_front();
    auto needed = maps[m].obj->needed;
    const auto& weak = maps[m].obj->weak_needed;
    node->children.resize(needed.size());
    std::vector<int> fresh(needed.size(), -1);
    for (size_t i = 0; i < needed.size(); ++i) {
      Node& c = node->children[i];
      c.name = needed[i];
      c.weak = std::find(weak.begin(), weak.end(), needed[i]) != weak.end();
      if (auto it = by_key.find(key(needed[i])); it != by_key.end()) {
        c.path = maps[it->second].path;
        c.rule = Rule::already_loaded;
        c.via = maps[it->second].path;
        c.already_loaded = true;
        c.object = maps[it->second].obj;
        continue;
      }
      find(needed[i], m, maps, c);
      if (c.system) continue;
      if (!c.path) {
        c.rule = Rule::not_found;
        if (!c.weak && missing.insert(c.name).second) tree.missing.push_back(c.name);
        continue;
      }
      if (auto it = by_key.find(key(*c.path)); it != by_key.end()) {
        c.already_loaded = true;
        by_key[key(needed[i])] = it->second;
        continue;
      }
      maps.push_back(ForeignMap{*c.path, c.object, m});
      int idx = static_cast<int>(maps.size() - 1);
      by_key[key(needed[i])] = idx;
      by_key[key(*c.path)] = idx;
      if (c.object && c.object->soname) by_key.emplace(key(*c.object->soname), idx);
      tree.load_order.push_back(LoadEntry{c.name, *c.path, c.rule, c.via, c.object});
      fresh[i] = idx;
    }
    for (size_t i = 0; i < needed.size(); ++i)
      if (fresh[i] >= 0) queue.emplace_back(&node->children[i], fresh[i]);
  }
}

bool try_path(Resolver::Impl& impl, const std::string& path, Rule rule, const std::string& via, Node& node,
              const std::string& format) {
  std::string p = normalize_path(path);
  Attempt a{p, rule, via, ""};
  const Probe& pr = impl.probe(p);
  bool ok = false;
  if (pr.exists) {
    const ParsedEntry& e = impl.load(p, pr);
    if (e.error) {
      a.note = e.error->message;
    } else if (e.object->format != format) {
      a.note = "not a " + format + " file";
    } else {
      node.path = p;
      node.object = e.object;
      node.rule = rule;
      node.via = via;
      ok = true;
    }
  }
  node.tried.push_back(a);
  return ok;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

void resolve_macho(Resolver::Impl& impl, const ResolveOptions& opts, const std::string& root_path,
                   std::shared_ptr<const LoadedObject> root_obj, DependencyTree& tree) {
  std::string exe_dir = dirname_of(opts.executable_path.value_or(root_path));
  auto subst = [&](const std::string& s, const std::string& loader_dir) -> std::optional<std::string> {
    if (s.starts_with("@executable_path/")) return exe_dir + s.substr(16);
    if (s.starts_with("@loader_path/")) return loader_dir + s.substr(12);
    if (s == "@executable_path") return exe_dir;
    if (s == "@loader_path") return loader_dir;
    if (!s.empty() && s[0] == '@') return std::nullopt;
    return s;
  };
  auto find = [&](const std::string& name, int loader, std::vector<ForeignMap>& maps, Node& node) {
    const std::string loader_dir = dirname_of(maps[loader].path);
    if (name.starts_with("@rpath/")) {
      std::string rest = name.substr(7);
      for (int l = loader; l >= 0; l = maps[l].loader) {
        for (auto& r : maps[l].obj->rpaths) {
          auto dir = subst(r, dirname_of(maps[l].path));
          if (!dir) continue;
          if (try_path(impl, *dir + "/" + rest, Rule::macho_rpath, maps[l].path, node, "macho")) return;
        }
      }
    } else if (name.starts_with("@loader_path/")) {
      if (try_path(impl, loader_dir + name.substr(12), Rule::loader_path, maps[loader].path, node, "macho")) return;
    } else if (name.starts_with("@executable_path/")) {
      if (try_path(impl, exe_dir + name.substr(16), Rule::executable_path, "", node, "macho")) return;
    } else if (is_macos_system_library(name)) {
      node.system = true;
      node.path = name;
      node.rule = Rule::system;
      return;
    } else if (!name.empty() && name[0] == '/') {
      if (try_path(impl, name, Rule::direct_path, "", node, "macho")) return;
    }
    // DYLD_FALLBACK_LIBRARY_PATH behaviour for the given search dirs: the leaf name in each.
    for (auto& d : opts.extra_dirs)
      if (try_path(impl, join_path(d, basename_of(name)), Rule::search_dir, "", node, "macho")) return;
  };
  walk(impl, root_path, std::move(root_obj), tree, find, [](const std::string& s) { return s; });
}

void resolve_pe(Resolver::Impl& impl, const ResolveOptions& opts, const std::string& root_path,
                std::shared_ptr<const LoadedObject> root_obj, DependencyTree& tree) {
  std::string app_dir = dirname_of(root_path);
  const uint16_t machine = root_obj->pe_machine;  // one architecture per run
  auto find = [&](const std::string& name, int, std::vector<ForeignMap>&, Node& node) {
    if (is_windows_system_import(name, machine)) {
      node.system = true;
      node.rule = Rule::system;
      return;
    }
    // Windows file names are case-insensitive: look for the name as written, then lower case.
    std::vector<std::string> spellings{name};
    if (lower(name) != name) spellings.push_back(lower(name));
    for (auto& n : spellings)
      if (try_path(impl, join_path(app_dir, n), Rule::app_dir, "", node, "pe")) return;
    for (auto& d : opts.extra_dirs)
      for (auto& n : spellings)
        if (try_path(impl, join_path(d, n), Rule::search_dir, "", node, "pe")) return;
  };
  walk(impl, root_path, std::move(root_obj), tree, find, [](const std::string& s) { return lower(basename_of(s)); });
}

}  // namespace ferry::resolve
