// Text renderers for `ferry deps`: the Unicode tree (├── └── │), the flat load-order list, and --why.
#include <functional>
#include <string_view>

#include "report/deps_report.hpp"

namespace ferry::report {

using resolve::Node;
using resolve::Rule;

namespace {

std::string attempt_line(const resolve::Attempt& a) {
  std::string s = a.path + "  (" + resolve::describe_rule(a.rule, a.via) + ")";
  if (!a.note.empty()) s += " [" + a.note + "]";
  return s;
}

// Appends text, wrapped in an SGR colour code on a terminal (the same escapes as bold()/dim()/...): the tree is
// built in one buffer, since a run over a whole /usr prints megabytes of it.
void paint(std::string& out, const char* sgr, std::string_view text, const TextStyle& st) {
  if (!st.color) {
    out.append(text);
    return;
  }
  out += "\x1b[";
  out += sgr;
  out += 'm';
  out.append(text);
  out += "\x1b[0m";
}

void append_label(std::string& out, const Node& n, const TextStyle& st) {
  if (n.system) {
    out += n.name;
    out += ' ';
    paint(out, "2", "[system]", st);
    return;
  }
  if (!n.path) {
    out += red(bold(n.name, st), st) + " " + red("not found", st);
    if (n.weak) out += " " + dim("(weak)", st);
    if (!n.error.empty()) out += " " + red("(" + n.error + ")", st);
    return;
  }
  paint(out, n.already_loaded ? "2" : "1", n.name, st);
  if (*n.path != n.name) {
    out += " => ";
    if (n.already_loaded) paint(out, "2", *n.path, st);
    else out += *n.path;
  }
  std::string why = "[" + n.why();
  if (n.already_loaded && n.rule != Rule::already_loaded && n.rule != Rule::interpreter)
    why += ", same file as " + (n.object ? n.object->path : std::string("an object")) + ", already loaded";
  why += ']';
  out += ' ';
  paint(out, n.rule == Rule::rpath || n.rule == Rule::runpath || n.rule == Rule::ld_library_path ? "33" : "2", why, st);
}

}  // namespace

std::string deps_to_text(const resolve::DependencyTree& tree, const TextStyle& st, const DepsTextOptions& opts) {
  std::string out = bold(tree.root.name, st);
  if (!tree.root.error.empty()) out += " " + red("(" + tree.root.error + ")", st);
  out += "\n";
  std::string prefix;  // grows and shrinks with the depth: one buffer for the whole walk
  std::function<void(const Node&)> walk = [&](const Node& n) {
    for (size_t i = 0; i < n.children.size(); ++i) {
      const Node& c = n.children[i];
      bool last = i + 1 == n.children.size();
      out += prefix;
      out += last ? "└── " : "├── ";
      append_label(out, c, st);
      out += '\n';
      const size_t depth = prefix.size();
      prefix += last ? "    " : "│   ";
      if (!c.path && !c.system && opts.show_tried) {
        if (c.tried.empty()) out += prefix + dim("  (nothing to search)", st) + "\n";
        for (auto& a : c.tried) out += prefix + dim("  tried " + attempt_line(a), st) + "\n";
      }
      walk(c);
      prefix.resize(depth);
    }
  };
  walk(tree.root);
  return out;
}

std::string deps_to_list(const resolve::DependencyTree& tree, const TextStyle& st) {
  std::string out;
  for (size_t i = 1; i < tree.load_order.size(); ++i) {
    auto& e = tree.load_order[i];
    out += e.name == e.path ? e.path : e.name + " => " + e.path;
    out += "\n";
  }
  for (auto& m : tree.missing) out += red(m + " => not found", st) + "\n";
  return out;
}

std::string deps_why(const resolve::DependencyTree& tree, const std::string& name, const TextStyle& st) {
  std::string out;
  // The chain of loaders from the root to each occurrence, so the reader sees who asked for it.
  std::function<void(const Node&, std::vector<const Node*>&)> walk = [&](const Node& n, std::vector<const Node*>& chain) {
    chain.push_back(&n);
    for (auto& c : n.children) {
      bool match = c.name == name || resolve::basename_of(c.name) == name ||
                   (c.path && (*c.path == name || resolve::basename_of(*c.path) == name));
      if (match) {
        out += bold(c.name, st) + "\n";
        out += "  needed by: ";
        for (size_t i = 0; i < chain.size(); ++i) out += (i ? " -> " : "") + (chain[i]->path ? *chain[i]->path : chain[i]->name);
        out += "\n";
        if (c.system) {
          out += "  system library, treated as present\n";
        } else if (c.path) {
          out += "  resolved: " + green(*c.path, st) + "\n";
          out += "  rule: " + c.why() + "\n";
          if (c.already_loaded && c.rule != Rule::already_loaded && c.rule != Rule::interpreter)
            out += "  the same file was already loaded, so the loader reused it\n";
        } else {
          out += "  resolved: " + red("not found", st) + "\n";
          if (!c.error.empty()) out += "  error: " + c.error + "\n";
        }
        if (!c.tried.empty()) {
          out += "  search order:\n";
          for (size_t i = 0; i < c.tried.size(); ++i)
            out += "    " + std::to_string(i + 1) + ". " + attempt_line(c.tried[i]) + "\n";
        }
      }
      walk(c, chain);
    }
    chain.pop_back();
  };
  std::vector<const Node*> chain;
  walk(tree.root, chain);
  return out;
}

namespace {

// `body` with each line tab-indented under "FILE:".
std::string under_file_name(const std::string& file, const std::string& body) {
  std::string out;
  out.reserve(file.size() + 2 + body.size() + body.size() / 16);
  out += file;
  out += ":\n";
  for (size_t s = 0; s < body.size();) {
    size_t e = body.find('\n', s);
    e = e == std::string::npos ? body.size() : e + 1;
    out += '\t';
    out.append(body, s, e - s);
    s = e;
  }
  return out;
}

}  // namespace

std::string deps_file_text(const std::string& file, const resolve::DependencyTree& tree, DepsTextMode mode,
                           const std::string& why, bool several, const TextStyle& style,
                           const DepsTextOptions& opts) {
  switch (mode) {
    case DepsTextMode::why: {
      std::string w = deps_why(tree, why, style);
      if (w.empty()) return w;
      return (several ? bold(file + ":", style) + "\n" : "") + w;
    }
    case DepsTextMode::list: {
      std::string body = deps_to_list(tree, style);
      return several ? under_file_name(file, body) : body;
    }
    case DepsTextMode::tree: break;
  }
  return deps_to_text(tree, style, opts);
}

}  // namespace ferry::report
