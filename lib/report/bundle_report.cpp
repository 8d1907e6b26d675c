// Text and JSON of `ferry bundle` results (bundle_report.hpp).
#include "report/bundle_report.hpp"

#include "report/appendf.hpp"

namespace ferry::report {

using nlohmann::json;

namespace {

std::string human_size(uint64_t n) {
  std::string s;
  if (n >= (uint64_t{1} << 20)) appendf(s, "%.1f MiB", static_cast<double>(n) / 1048576.0);
  else if (n >= 1024) appendf(s, "%.1f KiB", static_cast<double>(n) / 1024.0);
  else appendf(s, "%llu B", static_cast<unsigned long long>(n));
  return s;
}

}  // namespace

std::string bundle_to_text(const bundle::BundlePlan& plan, const std::string& output) {
  std::string names, out;
  for (const auto& p : plan.programs) names += (names.empty() ? "" : ", ") + p.name;
  appendf(out, "bundled %s: %zu files, %s, into %s\n", names.c_str(), plan.files.size(),
          human_size(plan.total_size()).c_str(), output.c_str());
  return out;
}

json bundle_to_json(const bundle::BundlePlan& plan, const std::string& output) {
  json j = {{"schema", "ferry.bundle/1"}, {"output", output}, {"files", plan.files.size()},
            {"size", plan.total_size()}, {"warnings", plan.warnings}};
  j["programs"] = json::array();
  for (const auto& p : plan.programs) j["programs"].push_back({{"name", p.name}, {"origin", p.origin}});
  return j;
}

std::string install_to_text(const bundle::InstallReport& r) {
  std::string out;
  appendf(out, "installed %zu program(s) in %s (interpreter %s)\n", r.programs.size(), r.root.c_str(),
          r.loader.c_str());
  return out;
}

json install_to_json(const bundle::InstallReport& r) {
  return {{"schema", "ferry.bundle-install/1"}, {"root", r.root}, {"loader", r.loader}, {"programs", r.programs}};
}

std::string verify_to_text(const bundle::VerifyReport& r) {
  std::string out;
  for (const auto& run : r.runs) {
    appendf(out, "%s: exit %d, %zu objects loaded, %zu from outside the bundle\n", run.program.c_str(), run.exit_code,
            run.loaded.size(), run.outside.size());
    for (const auto& o : run.outside) appendf(out, "  outside: %s\n", o.c_str());
    for (const auto& o : run.allowed) appendf(out, "  allowed host: %s\n", o.c_str());
  }
  out += r.sealed() ? "sealed: nothing was loaded from the host\n" : "NOT sealed: objects above came from the host\n";
  return out;
}

json verify_to_json(const bundle::VerifyReport& r) {
  json j = {{"schema", "ferry.bundle-verify/1"}, {"root", r.root}, {"sealed", r.sealed()}};
  j["runs"] = json::array();
  for (const auto& run : r.runs)
    j["runs"].push_back({{"program", run.program}, {"exit_code", run.exit_code}, {"loaded", run.loaded},
                         {"outside", run.outside}, {"allowed", run.allowed}});
  return j;
}

}  // namespace ferry::report
