// `--json-lines` renderers: each line wraps the per-file object of the command's --json report, so the two
// formats never drift apart, and adds what a line needs to stand alone (schema, file, run-wide settings).
#include "report/json_lines.hpp"

#include "report/check_report.hpp"
#include "report/encoding.hpp"

namespace ferry::report {

using nlohmann::json;

json json_line(const std::string& schema, const std::string& file, json body) {
  json j = body.is_object() ? std::move(body) : json::object();
  j["schema"] = schema;
  j["file"] = file;
  return j;
}

json error_line(const std::string& schema, const std::string& file, const Error& e) {
  return json_line(schema, file, {{"error", {{"code", to_string(e.code)}, {"message", e.describe()}}}});
}

json inspect_line(const InspectItem& item) {
  if (item.binary) return json_line("ferry.inspect/1", item.path, to_json(*item.binary));
  return error_line("ferry.inspect/1", item.path, item.error ? *item.error : Error{});
}

json deps_line(const DepsResult& r, const resolve::ResolveOptions& opts) {
  json j = r.tree ? json_line("ferry.deps/1", r.file, deps_tree_to_json(*r.tree))
                  : error_line("ferry.deps/1", r.file, r.error ? *r.error : Error{});
  if (!j.contains("loader")) j["loader"] = opts.profile.name;  // a tree names the loader that resolved it
  j["sysroot"] = opts.sysroot.empty() ? "/" : opts.sysroot;
  j["ld_library_path"] = opts.ld_library_path ? json(*opts.ld_library_path) : json(nullptr);
  j["secure"] = opts.secure;
  return j;
}

json check_line(const policy::FileReport& f, const policy::InputReport& in, const std::vector<std::string>& targets) {
  json j = json_line("ferry.check/1", f.path, check_file_to_json(f));
  j["targets"] = targets;
  if (in.kind != "file" && in.kind != "directory")
    j["archive"] = {{"kind", in.kind},
                    {"best_manylinux", in.best_manylinux.empty() ? json(nullptr) : json(in.best_manylinux)},
                    {"best_musllinux", in.best_musllinux.empty() ? json(nullptr) : json(in.best_musllinux)}};
  return j;
}

// schema and file first, so `head` and `grep` show what a line is about (the rest in nlohmann's key order).
std::string dump_line(json j) {
  if (!j.is_object() || !j.contains("schema") || !j.contains("file")) return dump_json(std::move(j)) + "\n";
  std::string out = "{\"schema\":" + dump_json(j["schema"]) + ",\"file\":" + dump_json(j["file"]);
  j.erase("schema");
  j.erase("file");
  std::string rest = dump_json(std::move(j));
  out += rest.size() > 2 ? "," + rest.substr(1) : std::string("}");
  return out + "\n";
}

}  // namespace ferry::report
