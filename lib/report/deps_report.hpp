// Rendering of `ferry deps` results: Unicode tree (libtree's layout, colour per TextStyle), flat load-order
// list, JSON (schema "ferry.deps/1"), Graphviz dot, and the `--why NAME` explanation.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "report/inspect_report.hpp"
#include "resolve/resolve.hpp"

namespace ferry::report {

struct DepsTextOptions {
  bool show_tried = true;       // list every directory tried under a missing library
  bool expand_repeats = false;  // expand already-loaded libraries again (libtree -a); default prints them once
};

// One result per file given on the command line; `error` set when the file could not be read.
struct DepsResult {
  std::string file;
  std::optional<resolve::DependencyTree> tree;
  std::optional<Error> error;
};

std::string deps_to_text(const resolve::DependencyTree& tree, const TextStyle& style, const DepsTextOptions& opts = {});
// Flat, de-duplicated, load order: "name => path" per line (ldd's shape), "name => not found" for missing ones.
std::string deps_to_list(const resolve::DependencyTree& tree, const TextStyle& style);
nlohmann::json deps_tree_to_json(const resolve::DependencyTree& tree);
// {"schema": "ferry.deps/1", "loader": ..., "sysroot": ..., "files": [...]}
nlohmann::json deps_to_json(const std::vector<DepsResult>& results, const resolve::ResolveOptions& opts);
std::string deps_to_dot(const std::vector<DepsResult>& results);
// Every place `name` is requested in the tree: the path found, the rule and every directory tried in order.
// Empty when the tree does not mention `name`.
std::string deps_why(const resolve::DependencyTree& tree, const std::string& name, const TextStyle& style);

// What `ferry deps` prints for one file: its tree, its --list, or its --why NAME explanation.
enum class DepsTextMode { tree, list, why };
// One file's text in `mode`; "" when --why's library is not in the tree. With `several` files, --list's lines
// are tab-indented under "FILE:" and --why's text is headed by the file name.
std::string deps_file_text(const std::string& file, const resolve::DependencyTree& tree, DepsTextMode mode,
                           const std::string& why, bool several, const TextStyle& style,
                           const DepsTextOptions& opts);

}  // namespace ferry::report
