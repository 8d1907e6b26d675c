// The dependency graphs of `ferry check --html`: for a file on disk, the tree the loader model of `ferry deps`
// builds (lib/resolve), folded into a graph (one node per library); for an archive member, its DT_NEEDED names
// linked to the members of the same archive that provide them, and the rest marked as coming from the system.
// Libraries named by an error of the file's verdicts are marked "offending" with those errors.
#include <map>
#include <set>

#include "report/check_html.hpp"
#include "support/text.hpp"

namespace ferry::report {
namespace {

// Library name -> "tag: message" of every error naming it; "" collects errors naming no library (loader
// features, ABI, Python version), which belong to the file itself. At most `cap` per library.
using IssueMap = std::map<std::string, std::vector<std::string>>;
IssueMap issues_by_library(const policy::FileReport& f, size_t cap = 12) {
  IssueMap m;
  std::map<std::string, size_t> dropped;
  for (const auto& v : f.verdicts)
    for (const auto& i : v.issues) {
      if (i.severity != policy::Severity::error) continue;
      auto& list = m[i.library];
      if (list.size() < cap) list.push_back(v.tag + ": " + i.message);
      else ++dropped[i.library];
    }
  for (const auto& [lib, n] : dropped) m[lib].push_back("... and " + std::to_string(n) + " more");
  return m;
}

// Marks a node offending when an error names it (by the name asked for, or the found file's name).
void attach_issues(GraphNode& n, const IssueMap& issues) {
  for (const std::string& key : {n.label, basename_of(n.path)}) {
    auto it = issues.find(key);
    if (key.empty() || it == issues.end()) continue;
    n.issues = it->second;
    if (n.kind != "root") n.kind = "offending";
    return;
  }
}

// Folds a resolve::Node tree into `g`: one node per found path (or per missing name), an edge per DT_NEEDED.
class TreeFolder {
public:
  TreeFolder(FileGraph& g, const IssueMap& issues, const std::set<std::string>& shipped, const std::string& input)
      : g_(g), issues_(issues), shipped_(shipped), input_(input) {}

  void fold(const resolve::Node& n, size_t parent) {
    for (const auto& c : n.children) {
      std::string key = c.path ? "p:" + *c.path : (c.system ? "s:" : "m:") + c.name;
      auto [it, fresh] = ids_.try_emplace(key, g_.nodes.size());
      if (fresh) g_.nodes.push_back(make_node(c));
      if (edges_.insert({parent, it->second}).second) g_.edges.push_back({parent, it->second});
      if (fresh) fold(c, it->second);
    }
  }

private:
  GraphNode make_node(const resolve::Node& c) const {
    GraphNode n;
    n.label = c.name;
    n.path = c.path.value_or("");
    n.why = c.why();
    if (c.system) n.kind = "system";
    else if (c.path) n.kind = "found";
    else if (shipped_.count(c.name)) {
      // check counts it as shipped; the loader would not find it from here (no RPATH/RUNPATH leads to it).
      n.kind = "shipped";
      n.why = "shipped in " + input_ + ", but the loader does not find it from here";
    } else {
      n.kind = "missing";
      n.why = c.error.empty() ? "not found" : "not found: " + c.error;
    }
    attach_issues(n, issues_);
    return n;
  }

  FileGraph& g_;
  const IssueMap& issues_;
  const std::set<std::string>& shipped_;
  const std::string& input_;
  std::map<std::string, size_t> ids_;
  std::set<std::pair<size_t, size_t>> edges_;
};

GraphNode root_node(const policy::FileReport& f, const IssueMap& issues) {
  GraphNode n;
  n.label = basename_of(f.path.substr(f.path.find('!') == std::string::npos ? 0 : f.path.find('!') + 1));
  n.path = f.path;
  n.kind = "root";
  n.why = "the file checked";
  attach_issues(n, issues);
  if (auto it = issues.find(""); it != issues.end()) n.issues.insert(n.issues.end(), it->second.begin(), it->second.end());
  return n;
}

FileGraph loader_graph(const policy::FileReport& f, resolve::Resolver& resolver, const std::set<std::string>& shipped,
                       const std::string& input) {
  IssueMap issues = issues_by_library(f);
  FileGraph g;
  g.source = "loader";
  g.nodes.push_back(root_node(f, issues));
  auto tree = resolver.resolve(f.path);
  if (!tree) {
    g.note = "not resolved: " + tree.error().describe();
    return g;
  }
  if (!tree->root.error.empty()) g.note = tree->root.error;
  TreeFolder(g, issues, shipped, input).fold(tree->root, 0);
  return g;
}

// An archive's members by the names others need them by: soname and file name.
using Members = std::map<std::string, size_t>;
Members members_of(const policy::CheckReport& r, const policy::InputReport& in) {
  Members m;
  for (size_t k = in.first_file; k < in.first_file + in.file_count; ++k) {
    const auto& f = r.files[k];
    m.emplace(basename_of(f.path), k);
    if (f.soname) m.emplace(*f.soname, k);
  }
  return m;
}

FileGraph archive_graph(const policy::CheckReport& r, size_t file, const Members& members, const std::string& input) {
  const policy::FileReport& f = r.files[file];
  IssueMap issues = issues_by_library(f);
  FileGraph g;
  g.source = "archive";
  g.nodes.push_back(root_node(f, issues));
  std::map<std::string, size_t> ids{{"f:" + std::to_string(file), 0}};
  std::vector<std::pair<size_t, size_t>> queue{{file, 0}};  // (file index, node id), breadth first
  for (size_t q = 0; q < queue.size(); ++q) {
    auto [from, from_id] = queue[q];
    for (const auto& name : r.files[from].needed) {
      auto m = members.find(name);
      if (m != members.end() && m->second == from) continue;  // a member naming itself
      bool shipped = m != members.end() && !policy::is_glibc_library(name);
      std::string key = shipped ? "f:" + std::to_string(m->second) : "s:" + name;
      auto [it, fresh] = ids.try_emplace(key, g.nodes.size());
      if (fresh) {
        GraphNode n;
        n.label = name;
        if (shipped) {
          n.path = r.files[m->second].path;
          n.kind = "shipped";
          n.why = "shipped in " + input;
          queue.push_back({m->second, it->second});
        } else {
          n.kind = "system";
          n.why = "not in " + input + ": the system must provide it";
        }
        attach_issues(n, issues);
        g.nodes.push_back(std::move(n));
      }
      g.edges.push_back({from_id, it->second});
    }
  }
  return g;
}

}  // namespace

std::vector<FileGraph> dependency_graphs(const policy::CheckReport& r, const resolve::ResolveOptions& opts) {
  std::vector<FileGraph> graphs(r.files.size());
  resolve::ResolveOptions ro = opts;
  ro.elf_headers_only = true;  // the tree is all the graph needs
  ro.record_tried = false;
  resolve::Resolver resolver(ro);
  for (const auto& in : r.inputs) {
    if (in.kind == "zip" || in.kind == "tar") {
      Members members = members_of(r, in);
      for (size_t k = in.first_file; k < in.first_file + in.file_count; ++k)
        graphs[k] = archive_graph(r, k, members, in.input);
      continue;
    }
    std::set<std::string> shipped;  // what check counts as shipped alongside: the directory's file names
    if (in.kind == "directory")
      for (size_t k = in.first_file; k < in.first_file + in.file_count; ++k) shipped.insert(basename_of(r.files[k].path));
    for (size_t k = in.first_file; k < in.first_file + in.file_count; ++k)
      graphs[k] = loader_graph(r.files[k], resolver, shipped, in.input);
  }
  return graphs;
}

}  // namespace ferry::report
