// Rendering of `ferry check` results: human text, JSON (schema "ferry.check/1"), SARIF 2.1.0 (GitHub code
// scanning), JUnit XML (CI test reports), GitHub workflow annotations and a Markdown job summary.
// The data comes from policy::run_check; renderers never decide pass/fail themselves.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "policy/check.hpp"
#include "report/inspect_report.hpp"

namespace ferry::report {

struct CheckTextOptions {
  bool hints = true;       // older versions, cause and fix under each offending symbol
  bool quiet = false;      // only failing files and the summary
};

std::string check_to_text(const policy::CheckReport& r, const TextStyle& style, const CheckTextOptions& opts = {});
nlohmann::json check_to_json(const policy::CheckReport& r);
// One entry of check_to_json's "files" array (also one --json-lines line's body).
nlohmann::json check_file_to_json(const policy::FileReport& f);
nlohmann::json check_to_sarif(const policy::CheckReport& r);
std::string check_to_junit(const policy::CheckReport& r);
std::string check_to_github(const policy::CheckReport& r);
std::string check_to_markdown(const policy::CheckReport& r);

// `ferry check --list-targets`: every target (built-in and from --policy files), for one architecture or all.
std::string targets_to_text(const std::vector<const policy::Target*>& targets, const TextStyle& style);
nlohmann::json targets_to_json(const std::vector<const policy::Target*>& targets);

}  // namespace ferry::report
