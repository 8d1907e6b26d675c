// Machine-readable renderers for `ferry deps`: JSON (schema "ferry.deps/1") and Graphviz dot.
#include <functional>
#include <map>
#include <set>

#include "report/deps_report.hpp"

namespace ferry::report {

using resolve::Node;

namespace {

nlohmann::json node_json(const Node& n) {
  nlohmann::json j;
  j["name"] = n.name;
  j["path"] = n.path ? nlohmann::json(*n.path) : nlohmann::json(nullptr);
  j["rule"] = resolve::to_string(n.rule);
  if (!n.via.empty()) j["via"] = n.via;
  j["why"] = n.why();
  j["already_loaded"] = n.already_loaded;
  if (n.system) j["system"] = true;
  if (n.weak) j["weak"] = true;
  if (!n.error.empty()) j["error"] = n.error;
  if (!n.tried.empty() && !n.already_loaded) {
    nlohmann::json tried = nlohmann::json::array();
    for (auto& a : n.tried) {
      nlohmann::json t{{"path", a.path}, {"rule", resolve::to_string(a.rule)}};
      if (!a.via.empty()) t["via"] = a.via;
      if (!a.note.empty()) t["note"] = a.note;
      tried.push_back(t);
    }
    j["tried"] = tried;
  }
  if (auto* e = n.elf()) {
    if (e->soname) j["soname"] = *e->soname;
    j["class"] = e->bits == 64 ? "ELF64" : "ELF32";
    j["machine"] = e->machine_name;
  }
  nlohmann::json kids = nlohmann::json::array();
  for (auto& c : n.children) kids.push_back(node_json(c));
  j["children"] = kids;
  return j;
}

}  // namespace

nlohmann::json deps_tree_to_json(const resolve::DependencyTree& tree) {
  nlohmann::json j;
  j["file"] = tree.root.name;
  j["loader"] = tree.loader;
  j["complete"] = tree.complete();
  j["missing"] = tree.missing;
  nlohmann::json order = nlohmann::json::array();
  for (auto& e : tree.load_order)
    order.push_back({{"name", e.name}, {"path", e.path}, {"rule", resolve::to_string(e.rule)}});
  j["load_order"] = order;
  j["tree"] = node_json(tree.root);
  return j;
}

nlohmann::json deps_to_json(const std::vector<DepsResult>& results, const resolve::ResolveOptions& opts) {
  nlohmann::json j;
  j["schema"] = "ferry.deps/1";
  j["loader"] = opts.profile.name;
  j["sysroot"] = opts.sysroot.empty() ? "/" : opts.sysroot;
  j["ld_library_path"] = opts.ld_library_path ? nlohmann::json(*opts.ld_library_path) : nlohmann::json(nullptr);
  j["secure"] = opts.secure;
  nlohmann::json files = nlohmann::json::array();
  for (auto& r : results) {
    if (r.tree) {
      files.push_back(deps_tree_to_json(*r.tree));
    } else {
      files.push_back({{"file", r.file}, {"error", r.error ? r.error->describe() : "unknown error"}});
    }
  }
  j["files"] = files;
  return j;
}

std::string deps_to_dot(const std::vector<DepsResult>& results) {
  auto quote = [](const std::string& s) {
    std::string q = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') q += '\\';
      q += c;
    }
    return q + "\"";
  };
  std::string out = "digraph deps {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n";
  std::set<std::string> nodes, edges;
  for (auto& r : results) {
    if (!r.tree) continue;
    std::function<void(const Node&, const std::string&)> walk = [&](const Node& n, const std::string& id) {
      for (auto& c : n.children) {
        std::string cid = c.path ? *c.path : "missing:" + c.name;
        if (nodes.insert(cid).second) {
          std::string attrs = "label=" + quote(c.path ? resolve::basename_of(*c.path) : c.name + "\\nnot found");
          if (!c.path && !c.system) attrs += ", color=red, fontcolor=red";
          if (c.system) attrs += ", style=dashed";
          out += "  " + quote(cid) + " [" + attrs + "];\n";
        }
        std::string e = quote(id) + " -> " + quote(cid);
        if (edges.insert(e).second) out += "  " + e + " [label=" + quote(resolve::to_string(c.rule)) + "];\n";
        if (!c.already_loaded) walk(c, cid);
      }
    };
    std::string rid = *r.tree->root.path;
    if (nodes.insert(rid).second) out += "  " + quote(rid) + " [label=" + quote(resolve::basename_of(rid)) + ", penwidth=2];\n";
    walk(r.tree->root, rid);
  }
  out += "}\n";
  return out;
}

}  // namespace ferry::report
