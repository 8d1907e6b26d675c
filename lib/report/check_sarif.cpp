// SARIF 2.1.0 for GitHub code scanning (`ferry check --sarif`): one rule per issue kind, one result per issue,
// located at the file (archive members at their archive, the member named in the message and properties).
// Spec: OASIS SARIF 2.1.0 (sarifLog, run, tool.driver.rules, result.locations[].physicalLocation).
#include <cctype>
#include <cstring>
#include <map>

#include "report/check_common.hpp"
#include "report/check_report.hpp"

namespace ferry::report {

using nlohmann::json;

namespace {

const char* rule_description(policy::IssueKind k) {
  switch (k) {
    case policy::IssueKind::symbol_version: return "A symbol requires a version newer than the target provides";
    case policy::IssueKind::missing_version: return "The library in the sysroot does not define a required version";
    case policy::IssueKind::external_library: return "A needed library is not provided by the target and not shipped";
    case policy::IssueKind::missing_library: return "A needed library is not found in the sysroot";
    case policy::IssueKind::blacklisted_symbol: return "A symbol the target's policy forbids is imported";
    case policy::IssueKind::loader_feature: return "The target's loader or kernel does not support a feature the file uses";
    case policy::IssueKind::kernel: return "The file asks for a newer kernel than the target runs";
    case policy::IssueKind::isa_level: return "The file needs a newer x86-64 ISA level than the target promises";
    case policy::IssueKind::libc_family: return "The file is linked against another C library than the target's";
    case policy::IssueKind::architecture: return "The file is built for another architecture than the target";
    case policy::IssueKind::cxx11_abi: return "The file uses the new libstdc++ ABI (std::__cxx11) where the old one is required";
    case policy::IssueKind::python_version: return "The extension module is built for another Python version than the target's";
  }
  return "";
}

// Relative paths as URIs: percent-encode what RFC 3986 does not allow unescaped in a path.
std::string to_uri(const std::string& path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || std::strchr("-._~/!$&'()*+,;=:@", c)) out += static_cast<char>(c);
    else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

json check_to_sarif(const policy::CheckReport& r) {
  using K = policy::IssueKind;
  json rules = json::array();
  std::map<std::string, size_t> rule_index;
  for (K k : {K::symbol_version, K::missing_version, K::external_library, K::missing_library, K::blacklisted_symbol,
              K::loader_feature, K::kernel, K::isa_level, K::libc_family, K::architecture}) {
    rule_index[policy::to_string(k)] = rules.size();
    rules.push_back({{"id", policy::to_string(k)},
                     {"name", policy::to_string(k)},
                     {"shortDescription", {{"text", rule_description(k)}}}});
  }
  rule_index["input-error"] = rules.size();
  rules.push_back({{"id", "input-error"},
                   {"name", "input-error"},
                   {"shortDescription", {{"text", "An input could not be read or is not a valid ELF file or archive"}}}});
  json results = json::array();
  for (const auto& f : r.files)
    for (const auto& v : f.verdicts)
      for (const auto& i : v.issues) {
        std::string id = policy::to_string(i.kind);
        json props = {{"target", v.tag}, {"file", f.path}};
        if (!i.symbol.empty()) props["symbol"] = i.symbol;
        if (!i.library.empty()) props["library"] = i.library;
        if (!i.version.empty()) props["version"] = i.version;
        if (!i.hint.remedy.empty()) props["fix"] = i.hint.remedy;
        results.push_back(
            {{"ruleId", id},
             {"ruleIndex", rule_index[id]},
             {"level", i.severity == policy::Severity::error ? "error" : "warning"},
             {"message", {{"text", f.path + ": " + v.tag + ": " + issue_line(i, true)}}},
             {"locations", json::array({{{"physicalLocation", {{"artifactLocation", {{"uri", to_uri(artifact_of(f.path))}}}}}}})},
             {"properties", props}});
      }
  for (const auto& e : r.errors)
    results.push_back({{"ruleId", "input-error"},
                       {"ruleIndex", rule_index["input-error"]},
                       {"level", "error"},
                       {"message", {{"text", e.describe()}}},
                       {"locations", json::array({{{"physicalLocation", {{"artifactLocation", {{"uri", to_uri(artifact_of(e.path.empty() ? "." : e.path))}}}}}}})}});
  json driver = {{"name", "ferry"},
                 {"version", FERRY_VERSION},
                 {"rules", rules}};
  return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
          {"version", "2.1.0"},
          {"runs", json::array({{{"tool", {{"driver", driver}}}, {"results", results}}})}};
}

}  // namespace ferry::report
