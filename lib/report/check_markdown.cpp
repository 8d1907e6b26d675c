// Markdown for a CI job summary (`ferry check --markdown >> $GITHUB_STEP_SUMMARY`): a verdict table, then the
// offending symbols of each failing file with their fixes.
#include "report/check_common.hpp"
#include "report/check_report.hpp"

namespace ferry::report {
namespace {

std::string cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

}  // namespace

std::string check_to_markdown(const policy::CheckReport& r) {
  size_t failed = 0;
  for (const auto& f : r.files) failed += !f.passed();
  std::string targets;
  for (const auto& t : r.targets) targets += (targets.empty() ? "" : ", ") + std::string("`") + t + "`";
  std::string out = "## ferry check" + (targets.empty() ? std::string() : ": " + targets) + "\n\n";
  out += (failed || !r.errors.empty() ? ":x: " : ":white_check_mark: ") + std::to_string(r.files.size()) +
         " file(s) checked, " + std::to_string(failed) + " failed" +
         (r.errors.empty() ? "" : ", " + std::to_string(r.errors.size()) + " input error(s)") + ".\n\n";
  out += "| file | oldest target | best manylinux | result |\n|---|---|---|---|\n";
  for (const auto& f : r.files) {
    std::string result;
    for (const auto& v : f.verdicts) {
      if (r.targets.empty()) continue;
      result += (result.empty() ? "" : "<br>") + std::string(v.pass ? "pass " : "**FAIL** ") + v.tag +
                (v.pass ? "" : " (" + std::to_string(count_errors(v)) + ")");
    }
    if (r.targets.empty()) result = "overview";
    out += "| `" + cell(f.path) + "` | " + cell(f.oldest_target.empty() ? "none" : f.oldest_target) + " | " +
           cell(f.best_manylinux.empty() ? "linux" : f.best_manylinux) + " | " + result + " |\n";
  }
  for (const auto& f : r.files) {
    if (f.passed()) continue;
    out += "\n### `" + f.path + "`\n\n";
    for (const auto& v : f.verdicts) {
      if (v.pass) continue;
      out += "**" + v.tag + "**\n\n";
      for (const auto& i : v.issues) {
        if (i.severity != policy::Severity::error) continue;
        out += "- " + i.message + "\n";
        std::string h = hint_text(i.hint);
        if (!h.empty()) out += "  - " + h + "\n";
      }
      out += "\n";
    }
  }
  for (const auto& e : r.errors) out += "\n- :warning: " + e.describe() + "\n";
  return out;
}

}  // namespace ferry::report
