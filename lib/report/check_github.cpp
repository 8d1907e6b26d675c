// GitHub Actions workflow commands (`ferry check --github`): `::error file=...,title=...::message` per issue
// (`::warning` for warnings), escaped as the runner requires (% \r \n in data; also : and , in properties).
#include "report/check_common.hpp"
#include "report/check_report.hpp"

namespace ferry::report {
namespace {

std::string escape_data(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '%') out += "%25";
    else if (c == '\r') out += "%0D";
    else if (c == '\n') out += "%0A";
    else out += c;
  }
  return out;
}

std::string escape_property(const std::string& s) {
  std::string out;
  for (char c : escape_data(s)) {
    if (c == ':') out += "%3A";
    else if (c == ',') out += "%2C";
    else out += c;
  }
  return out;
}

}  // namespace

std::string check_to_github(const policy::CheckReport& r) {
  std::string out;
  for (const auto& f : r.files)
    for (const auto& v : f.verdicts)
      for (const auto& i : v.issues) {
        bool err = i.severity == policy::Severity::error;
        out += std::string(err ? "::error" : "::warning") + " file=" + escape_property(artifact_of(f.path)) +
               ",title=" + escape_property("ferry check " + v.tag) + "::" +
               escape_data(f.path + ": " + issue_line(i, true)) + "\n";
      }
  for (const auto& e : r.errors)
    out += "::error" + (e.path.empty() ? std::string() : " file=" + escape_property(artifact_of(e.path))) +
           ",title=" + escape_property("ferry check") + "::" + escape_data(e.describe()) + "\n";
  return out;
}

}  // namespace ferry::report
