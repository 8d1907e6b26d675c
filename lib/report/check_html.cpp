// The page of `ferry check --html`: markup for the matrix (so the verdicts read without script), and the
// graphs as embedded JSON that the page's script (check_html_assets.cpp) draws as SVG for the selected file.
// Input strings reach the page only through html() or embedded_json(); nothing from the inputs is ever markup.
#include <algorithm>

#include "report/check_common.hpp"
#include "report/check_html.hpp"
#include "report/encoding.hpp"
#include "support/hash.hpp"

namespace ferry::report {

// The page's stylesheet and script (check_html_assets.cpp).
extern const char* const check_html_css;
extern const char* const check_html_js;

namespace {

// Text and attribute values: & < > " ' escaped; bytes that are not UTF-8 and control characters as \xHH.
std::string html(const std::string& s) { return xml_escape(s); }

// JSON inside <script type="application/json">: "</script>" or "<!--" in a name must not end or change the
// element, so < > & are written as \u escapes (the same string to JSON.parse).
std::string embedded_json(const nlohmann::json& j) {
  std::string raw = dump_json(j);
  std::string out;
  out.reserve(raw.size());
  for (char c : raw) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

std::string base64(const Sha256& d) {
  static const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < d.size(); i += 3) {
    uint32_t v = uint32_t(d[i]) << 16 | (i + 1 < d.size() ? uint32_t(d[i + 1]) << 8 : 0) |
                 (i + 2 < d.size() ? uint32_t(d[i + 2]) : 0);
    out += abc[(v >> 18) & 63];
    out += abc[(v >> 12) & 63];
    out += i + 1 < d.size() ? abc[(v >> 6) & 63] : '=';
    out += i + 2 < d.size() ? abc[v & 63] : '=';
  }
  return out;
}

// Columns of the matrix: the targets as given, or (an overview) every target some file was checked against.
std::vector<std::string> columns_of(const policy::CheckReport& r) {
  if (!r.targets.empty()) return r.targets;
  std::vector<std::string> cols;
  for (const auto& f : r.files)
    for (const auto& v : f.verdicts)
      if (std::find(cols.begin(), cols.end(), v.target) == cols.end()) cols.push_back(v.target);
  return cols;
}

const policy::TargetVerdict* verdict_for(const policy::CheckReport& r, const policy::FileReport& f, size_t col,
                                         const std::string& name) {
  if (!r.targets.empty()) return col < f.verdicts.size() ? &f.verdicts[col] : nullptr;
  for (const auto& v : f.verdicts)
    if (v.target == name) return &v;
  return nullptr;
}

// What an issue is about, in a few words: the symbol and version, the library, or the feature.
std::string culprit(const policy::Issue& i) {
  if (!i.symbol.empty()) return i.symbol + (i.version.empty() ? "" : "@" + i.version);
  if (!i.version.empty()) return i.version;
  if (!i.library.empty()) return i.library;
  if (!i.feature.empty()) return i.feature;
  return policy::to_string(i.kind);
}

std::string issue_item(const policy::Issue& i) {
  std::string out = "<li class=\"" + std::string(policy::to_string(i.severity)) + "\"><span class=\"msg\">" +
                    html(i.message) + "</span>";
  const auto& h = i.hint;
  if (!h.older_versions.empty()) {
    std::string v;
    for (const auto& o : h.older_versions) v += (v.empty() ? "" : ", ") + o;
    out += "<div class=\"hint\"><b>older versions:</b> " + html(v) + "</div>";
  }
  if (!h.cause.empty()) out += "<div class=\"hint\"><b>cause:</b> " + html(h.cause) + "</div>";
  if (!h.remedy.empty()) out += "<div class=\"hint fix\"><b>fix:</b> " + html(h.remedy) + "</div>";
  return out + "</li>";
}

std::string cell(const policy::TargetVerdict* v) {
  if (!v) return "<td class=\"cell none\" data-verdict=\"none\">&ndash;</td>";
  size_t errors = count_errors(*v), warnings = v->issues.size() - errors;
  std::string cls = v->pass ? (warnings ? "pass warn" : "pass") : "fail";
  std::string out = "<td class=\"cell " + cls + "\" data-verdict=\"" + (v->pass ? "pass" : "fail") +
                    "\" data-tag=\"" + html(v->tag) + "\" title=\"" + html(v->tag) + "\">";
  if (v->issues.empty()) return out + "<span class=\"verdict\">pass</span></td>";
  // The summary names the first culprit, so a closed cell already says which symbol or library says no.
  const policy::Issue& first = v->issues.front();
  std::string summary = std::string(v->pass ? "pass" : "FAIL") + "</span> <span class=\"culprit\">" +
                        html(culprit(first)) + "</span>";
  if (v->issues.size() > 1) summary += " <span class=\"more\">+" + std::to_string(v->issues.size() - 1) + "</span>";
  out += "<details><summary><span class=\"verdict\">" + summary + "</summary><ul class=\"issues\">";
  for (const auto& i : v->issues) out += issue_item(i);
  return out + "</ul></details></td>";
}

// A file's name under its input's heading: an archive member's name, or the path inside the directory.
std::string name_in_input(const std::string& path, const policy::InputReport& in) {
  for (const char* sep : {"!", "/"}) {
    std::string prefix = in.input + sep;
    if (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0) return path.substr(prefix.size());
  }
  return path;
}

std::string file_row(const policy::CheckReport& r, const policy::InputReport& in, size_t k,
                     const std::vector<std::string>& cols) {
  const auto& f = r.files[k];
  std::string id = std::to_string(k);
  std::string out = "<tr class=\"file " + std::string(f.passed() ? "ok" : "bad") + "\" id=\"file-" + id +
                    "\" data-file=\"" + id + "\" data-path=\"" + html(f.path) +
                    "\"><th scope=\"row\" class=\"path\">" + html(name_in_input(f.path, in));
  if (f.unsafe_name) out += " <span class=\"tagline\">unsafe member name</span>";
  out += "<div class=\"meta\">" + html(f.arch) + " " + html(f.kind) +
         (f.soname ? ", soname " + html(*f.soname) : std::string()) + "</div></th>";
  out += "<td class=\"oldest\" title=\"" + html(f.oldest_target_description) + "\">" +
         html(f.oldest_target.empty() ? "none" : f.oldest_target) + "</td>";
  out += "<td class=\"best\">" + html(f.best_manylinux.empty() ? "linux" : f.best_manylinux) + "</td>";
  for (size_t c = 0; c < cols.size(); ++c) out += cell(verdict_for(r, f, c, cols[c]));
  return out + "</tr>\n";
}

std::string matrix(const policy::CheckReport& r) {
  auto cols = columns_of(r);
  std::string out = "<table id=\"matrix\"><thead><tr><th>file</th><th>oldest target</th><th>best manylinux</th>";
  for (const auto& c : cols) out += "<th class=\"target\">" + html(c) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& in : r.inputs) {
    if (in.file_count == 0) continue;
    if (in.kind == "file") {  // a file given by name is its own heading
      out += file_row(r, in, in.first_file, cols);
      continue;
    }
    out += "<tr class=\"input\"><th colspan=\"" + std::to_string(cols.size() + 3) + "\">" + html(in.input) +
           " <span class=\"meta\">" + html(in.kind);
    if (!in.best_manylinux.empty()) out += ", best tag " + html(in.best_manylinux);
    if (!in.best_musllinux.empty()) out += ", " + html(in.best_musllinux);
    out += ", " + std::to_string(in.file_count) + " ELF file(s)</span></th></tr>\n";
    for (size_t k = in.first_file; k < in.first_file + in.file_count; ++k) out += file_row(r, in, k, cols);
  }
  return out + "</tbody></table>\n";
}

nlohmann::json graphs_json(const policy::CheckReport& r, const std::vector<FileGraph>& graphs) {
  nlohmann::json files = nlohmann::json::array();
  for (size_t k = 0; k < r.files.size(); ++k) {
    nlohmann::json nodes = nlohmann::json::array(), edges = nlohmann::json::array();
    nlohmann::json g = {{"source", ""}, {"note", ""}};
    if (k < graphs.size()) {
      for (const auto& n : graphs[k].nodes)
        nodes.push_back({{"l", n.label}, {"p", n.path}, {"w", n.why}, {"k", n.kind}, {"i", n.issues}});
      for (const auto& [a, b] : graphs[k].edges) edges.push_back({a, b});
      g = {{"source", graphs[k].source}, {"note", graphs[k].note}};
    }
    g["nodes"] = nodes;
    g["edges"] = edges;
    nlohmann::json needs = nlohmann::json::array();  // the highest version required per namespace
    for (const auto& q : r.files[k].requirements.highest) needs.push_back(q.version + " (" + q.library + ")");
    files.push_back({{"path", r.files[k].path}, {"pass", r.files[k].passed()}, {"needs", needs}, {"graph", g}});
  }
  size_t first = 0;  // the page opens on the first failing file
  while (first < r.files.size() && r.files[first].passed()) ++first;
  return {{"files", files}, {"first", first < r.files.size() ? first : 0}};
}

std::string summary(const policy::CheckReport& r) {
  size_t failed = 0;
  for (const auto& f : r.files) failed += !f.passed();
  bool bad = failed || !r.errors.empty();
  std::string targets;
  for (const auto& t : r.targets) targets += (targets.empty() ? "" : ", ") + t;
  std::string out;
  if (targets.empty()) {  // an overview gates nothing (exit 0): every built-in target, no pass/fail count
    out = "<p id=\"summary\" class=\"" + std::string(r.errors.empty() ? "ok" : "bad") + "\">" +
          std::to_string(r.files.size()) + " file(s) shown against every built-in target of their architecture "
          "(an overview: no target given)";
  } else {
    out = "<p id=\"summary\" class=\"" + std::string(bad ? "bad" : "ok") + "\">" + std::to_string(r.files.size()) +
          " file(s) checked against " + html(targets) + ": " + std::to_string(r.files.size() - failed) +
          " passed, " + std::to_string(failed) + " failed";
  }
  if (!r.errors.empty()) out += ", " + std::to_string(r.errors.size()) + " input error(s)";
  out += ".</p>\n";
  if (!r.errors.empty()) {
    out += "<ul id=\"errors\">";
    for (const auto& e : r.errors) out += "<li>" + html(e.describe()) + "</li>";
    out += "</ul>\n";
  }
  return out;
}

}  // namespace

std::string check_to_html(const policy::CheckReport& r, const std::vector<FileGraph>& graphs, const HtmlOptions& opts) {
  std::string js = check_html_js;
  std::string script_hash = base64(sha256(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(js.data()), js.size())));
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      // Nothing may be fetched; the only script that runs is the one below (its hash), whatever a name contains.
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
      "script-src 'sha256-" + script_hash + "'; img-src data:; base-uri 'none'; form-action 'none'\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" + html(opts.title) +
      "</title>\n<style>" + std::string(check_html_css) + "</style>\n</head>\n<body>\n<header><h1>" +
      html(opts.title) + "</h1>\n" + summary(r) + "</header>\n<main>\n<section id=\"matrix-section\">\n" + matrix(r) +
      "<p class=\"help\">Click a file to draw its dependency graph; open a cell for every offending symbol or "
      "library and its fix.</p>\n</section>\n"
      "<section id=\"graph-section\"><h2>Dependencies of <span id=\"sel-name\"></span></h2>\n"
      "<p id=\"graph-note\" class=\"meta\"></p>\n<p id=\"sel-needs\" class=\"meta\"></p>\n<div id=\"graph\"><noscript>The graph is drawn by the page's "
      "script.</noscript></div>\n<ul class=\"legend\"><li class=\"kind-root\">file checked</li>"
      "<li class=\"kind-found\">found by the loader</li><li class=\"kind-shipped\">shipped alongside</li>"
      "<li class=\"kind-system\">from the system</li><li class=\"kind-offending\">named by an error</li>"
      "<li class=\"kind-missing\">not found</li></ul>\n</section>\n</main>\n<footer>ferry " + html(opts.version);
  if (!r.hint_sources.empty()) {
    std::string src;
    for (const auto& s : r.hint_sources) src += (src.empty() ? "" : ", ") + s;
    out += " &middot; older symbol versions learned from " + html(src);
  }
  out += "</footer>\n<script type=\"application/json\" id=\"ferry-data\">" + embedded_json(graphs_json(r, graphs)) +
         "</script>\n<script>" + js + "</script>\n</body></html>\n";
  return out;
}

}  // namespace ferry::report
