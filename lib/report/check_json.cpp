// JSON for `ferry check --json`, schema "ferry.check/1": every file, its requirements, and per target the
// verdict with every issue and fix hint. Field names are stable; new fields may be added.
#include "report/check_common.hpp"
#include "report/check_report.hpp"

namespace ferry::report {

using nlohmann::json;

static json issue_json(const policy::Issue& i) {
  json j = {{"kind", policy::to_string(i.kind)}, {"severity", policy::to_string(i.severity)}, {"message", i.message}};
  if (!i.library.empty()) j["library"] = i.library;
  if (!i.symbol.empty()) j["symbol"] = i.symbol;
  if (!i.version.empty()) j["version"] = i.version;
  if (!i.feature.empty()) j["feature"] = i.feature;
  if (!i.hint.older_versions.empty() || !i.hint.cause.empty() || !i.hint.remedy.empty())
    j["hint"] = {{"older_versions", i.hint.older_versions}, {"cause", i.hint.cause}, {"remedy", i.hint.remedy}};
  return j;
}

json check_file_to_json(const policy::FileReport& f) {
  json req = json::object();
  for (const auto& q : f.requirements.highest) req[q.ns] = {{"version", q.version}, {"library", q.library}};
  json verdicts = json::array();
  for (const auto& v : f.verdicts) {
    json issues = json::array();
    for (const auto& i : v.issues) issues.push_back(issue_json(i));
    verdicts.push_back({{"target", v.target}, {"tag", v.tag}, {"pass", v.pass}, {"issues", issues}});
  }
  json jf = {{"path", f.path},
             {"input", f.input},
             {"arch", f.arch},
             {"kind", f.kind},
             {"pass", f.passed()},
             {"requirements", req},
             {"oldest_target", f.oldest_target.empty() ? json(nullptr) : json(f.oldest_target)},
             {"best_manylinux", f.best_manylinux.empty() ? json(nullptr) : json(f.best_manylinux)},
             {"verdicts", verdicts}};
  if (f.soname) jf["soname"] = *f.soname;
  if (f.unsafe_name) jf["unsafe_member_name"] = true;
  return jf;
}

json check_to_json(const policy::CheckReport& r) {
  json files = json::array();
  for (const auto& f : r.files) files.push_back(check_file_to_json(f));
  json inputs = json::array();
  for (const auto& in : r.inputs)
    inputs.push_back({{"input", in.input},
                      {"kind", in.kind},
                      {"files", in.file_count},
                      {"best_manylinux", in.best_manylinux.empty() ? json(nullptr) : json(in.best_manylinux)},
                      {"best_musllinux", in.best_musllinux.empty() ? json(nullptr) : json(in.best_musllinux)}});
  json errors = json::array();
  for (const auto& e : r.errors)
    errors.push_back({{"path", e.path}, {"code", to_string(e.code)}, {"message", e.describe()}});
  return {{"schema", "ferry.check/1"}, {"targets", r.targets},  {"pass", r.all_passed() && r.errors.empty()},
          {"inputs", inputs},          {"files", files},         {"errors", errors},
          {"hint_sources", r.hint_sources}};
}

json targets_to_json(const std::vector<const policy::Target*>& targets) {
  json out = json::array();
  for (const auto* t : targets) {
    json versions = json::object();
    for (const auto& [ns, rule] : t->versions) {
      json jr = {{"exact", rule.exact}};
      if (rule.ceiling) jr["ceiling"] = rule.ceiling->str();
      if (rule.exact) jr["allowed"] = std::vector<std::string>(rule.allowed.begin(), rule.allowed.end());
      if (!rule.special.empty()) jr["special"] = std::vector<std::string>(rule.special.begin(), rule.special.end());
      versions[ns] = jr;
    }
    out.push_back({{"name", t->name},
                   {"tag", t->tag()},
                   {"aliases", t->aliases},
                   {"description", t->description},
                   {"family", policy::to_string(t->family)},
                   {"arch", t->arch},
                   {"libc", t->libc == policy::Libc::glibc ? "glibc" : "musl"},
                   {"libc_version", t->libc_version.str()},
                   {"kernel", t->kernel.str()},
                   {"priority", t->priority},
                   {"versions", versions},
                   {"lib_whitelist", t->lib_whitelist},
                   {"blacklist", t->blacklist},
                   {"x86_isa_level", t->max_x86_isa_level}});
    if (t->old_cxx_abi) out.back()["old_cxx_abi"] = true;
    if (!t->python.empty()) out.back()["python"] = t->python;
  }
  return {{"schema", "ferry.targets/1"}, {"targets", out}};
}

}  // namespace ferry::report
