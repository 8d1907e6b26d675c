// JUnit XML for CI test reports (`ferry check --junit`): one <testsuite> per target, one <testcase> per file,
// a <failure> listing the errors when it fails (warnings go to <system-out>). Follows the de-facto schema
// Jenkins / GitLab / GitHub test reporters read (testsuites > testsuite > testcase > failure).
#include <algorithm>

#include "report/check_common.hpp"
#include "report/check_report.hpp"

namespace ferry::report {

std::string check_to_junit(const policy::CheckReport& r) {
  // In overview mode (no target) every built-in target is a suite; errors reading inputs are one more suite.
  std::vector<std::string> suites;
  for (const auto& f : r.files)
    for (const auto& v : f.verdicts)
      if (std::find(suites.begin(), suites.end(), v.tag) == suites.end()) suites.push_back(v.tag);
  size_t total = 0, failures = 0;
  std::string body;
  for (const auto& tag : suites) {
    size_t tests = 0, fails = 0;
    std::string cases;
    for (const auto& f : r.files)
      for (const auto& v : f.verdicts) {
        if (v.tag != tag) continue;
        ++tests;
        cases += "    <testcase classname=\"" + xml_escape("ferry.check." + tag) + "\" name=\"" + xml_escape(f.path) +
                 "\"";
        std::string errors, warnings;
        for (const auto& i : v.issues)
          (i.severity == policy::Severity::error ? errors : warnings) += issue_line(i, true) + "\n";
        if (errors.empty() && warnings.empty()) {
          cases += "/>\n";
          continue;
        }
        cases += ">\n";
        if (!v.pass) {
          ++fails;
          cases += "      <failure type=\"compatibility\" message=\"" +
                   xml_escape(std::to_string(count_errors(v)) + " problem(s) on " + tag) + "\">" + xml_escape(errors) +
                   "</failure>\n";
        }
        if (!warnings.empty()) cases += "      <system-out>" + xml_escape(warnings) + "</system-out>\n";
        cases += "    </testcase>\n";
      }
    total += tests;
    failures += fails;
    body += "  <testsuite name=\"" + xml_escape(tag) + "\" tests=\"" + std::to_string(tests) + "\" failures=\"" +
            std::to_string(fails) + "\" errors=\"0\" skipped=\"0\">\n" + cases + "  </testsuite>\n";
  }
  if (!r.errors.empty()) {
    body += "  <testsuite name=\"inputs\" tests=\"" + std::to_string(r.errors.size()) + "\" failures=\"0\" errors=\"" +
            std::to_string(r.errors.size()) + "\" skipped=\"0\">\n";
    for (const auto& e : r.errors)
      body += "    <testcase classname=\"ferry.check.inputs\" name=\"" + xml_escape(e.path) +
              "\">\n      <error type=\"input\" message=\"" + xml_escape(e.describe()) + "\"/>\n    </testcase>\n";
    body += "  </testsuite>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"ferry check\" tests=\"" +
         std::to_string(total + r.errors.size()) + "\" failures=\"" + std::to_string(failures) + "\" errors=\"" +
         std::to_string(r.errors.size()) + "\">\n" + body + "</testsuites>\n";
}

}  // namespace ferry::report
