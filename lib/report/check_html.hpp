// `ferry check --html`: one self-contained page (inline CSS and JS, no network) that CI can keep as an artifact.
// A matrix of files x targets with each cell's offending symbols and fixes (from policy::run_check), and the
// dependency graph of a selected file drawn as SVG by the page's script from embedded JSON. Graphs of files on
// disk come from the loader model (lib/resolve); archive members' from their DT_NEEDED and the archive's members.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "policy/check.hpp"
#include "resolve/resolve.hpp"

namespace ferry::report {

// One library in a file's dependency graph.
struct GraphNode {
  std::string label;  // soname or DT_NEEDED name; the file's own path for the root
  std::string path;   // where it was found ("" when missing or outside this machine's view)
  std::string why;    // "RPATH of ...", "ld.so.cache", "shipped in the wheel", "not found", ...
  // root, found, shipped (another member of the same archive or directory), system (assumed present, not
  // read), missing, or offending (named by an error of one of the file's verdicts)
  std::string kind;
  std::vector<std::string> issues;  // "manylinux_2_12_x86_64: memcpy@GLIBC_2.14 ..." for offending nodes
};

struct FileGraph {
  std::vector<GraphNode> nodes;                  // nodes[0] is the file itself
  std::vector<std::pair<size_t, size_t>> edges;  // needer -> needed, by index into nodes
  std::string source;  // "loader" (resolved like ld.so on this machine or --sysroot) or "archive"
  std::string note;    // why a graph is partial ("" when complete)
};

// One graph per CheckReport::files entry, in the same order. Files on disk are resolved with `opts` (the loader
// model of `ferry deps`); archive members are linked to the members that provide what they need.
std::vector<FileGraph> dependency_graphs(const policy::CheckReport& r, const resolve::ResolveOptions& opts);

struct HtmlOptions {
  std::string title = "ferry check";
  std::string version;  // ferry's version, shown in the footer
};

// The page. Every string from the inputs (file names, symbol and library names) is HTML-escaped in the markup
// and \u003c-escaped in the embedded JSON; a Content-Security-Policy allows only the page's own script (by hash)
// and inline styles, and no network at all.
std::string check_to_html(const policy::CheckReport& r, const std::vector<FileGraph>& graphs, const HtmlOptions& opts = {});

}  // namespace ferry::report
