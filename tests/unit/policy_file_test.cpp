// Custom policy files: ferry's format, auditwheel's format, and errors naming the bad field.
#include <catch2/catch.hpp>

#include "policy/policy.hpp"
#include "policy_test_elf.hpp"

using namespace ferry;
using namespace ferry::policy;

TEST_CASE("a ferry policy file defines ceilings, allowances, whitelist and architectures") {
  // One target with two architectures; GLIBCXX capped at 3.4.19; CXXABI_TM_1 allowed explicitly.
  auto r = parse_policy_json(R"({"schema": "ferry.policy/1", "targets": [{
      "name": "fleet", "aliases": ["our-fleet"], "arch": ["x86_64", "aarch64"], "libc_version": "2.17",
      "kernel": "4.19", "ceilings": {"GLIBC": "2.17", "GLIBCXX": "3.4.19"}, "allowed": {"CXXABI": ["TM_1"]},
      "whitelist": ["libc.so.6"], "blacklist": {"libc.so.6": ["gets"]}}]})",
                             "fleet.json");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 2);
  const Target& t = (*r)[0];
  CHECK(t.name == "fleet");
  CHECK(t.family == Family::custom);
  CHECK(t.arch == "x86_64");
  CHECK((*r)[1].arch == "aarch64");
  CHECK(t.kernel.str() == "4.19");
  CHECK(t.versions.at("GLIBCXX").allows("3.4.19"));
  CHECK_FALSE(t.versions.at("GLIBCXX").allows("3.4.20"));
  CHECK(t.versions.at("CXXABI").allows("TM_1"));
  CHECK_FALSE(t.versions.at("CXXABI").allows("1.3"));  // no ceiling given for CXXABI: only the allowance

  ferry::test::PolicyElf e;
  e.import("libc.so.6", "GLIBC_2.17", "clock_gettime").needed("libm.so.6");
  auto v = evaluate(e.info, t);
  CHECK_FALSE(v.pass);  // libm.so.6 is not on this whitelist
  REQUIRE(v.issues.size() == 1);
  CHECK(v.issues[0].kind == IssueKind::external_library);
}

TEST_CASE("an auditwheel policy list is read as is, one target per architecture") {
  // The same JSON users already have for auditwheel works with --policy.
  auto r = parse_policy_json(R"([{"name": "linux", "aliases": [], "priority": 0, "symbol_versions": {},
      "lib_whitelist": [], "blacklist": {}},
      {"name": "manylinux_2_99", "aliases": ["future"], "priority": 10,
       "symbol_versions": {"x86_64": {"GLIBC": ["2.2.5", "2.99"]}}, "lib_whitelist": ["libc.so.6"],
       "blacklist": {}}])",
                             "aw.json");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].libc_version.str() == "2.99");
  CHECK((*r)[0].versions.at("GLIBC").allows("2.99"));
  CHECK_FALSE((*r)[0].versions.at("GLIBC").allows("2.98"));
}

TEST_CASE("bad policy files are errors naming the file and the field") {
  // Each malformed case gets its own readable message.
  auto not_json = parse_policy_json("{", "p.json");
  REQUIRE_FALSE(not_json.ok());
  CHECK(not_json.error().describe() == "p.json: policy file: not valid JSON");
  auto no_name = parse_policy_json(R"({"targets": [{"libc_version": "2.17"}]})", "p.json");
  REQUIRE_FALSE(no_name.ok());
  CHECK(no_name.error().message == "policy file: targets[0]: missing \"name\"");
  auto bad_ver = parse_policy_json(R"({"targets": [{"name": "x", "libc_version": "two"}]})", "p.json");
  REQUIRE_FALSE(bad_ver.ok());
  CHECK(bad_ver.error().message == "policy file: targets[0] (x): \"libc_version\" is not a dotted version: two");
  auto bad_type = parse_policy_json(R"({"targets": [{"name": "x", "libc_version": "2.17", "x86_isa_level": "v3"}]})",
                                    "p.json");
  REQUIRE_FALSE(bad_type.ok());
  CHECK_THAT(bad_type.error().message, Catch::StartsWith("policy file: wrong value type"));
  // A priority too large for an int (nlohmann reads it as a float) is refused, not converted (policy_file_fuzz).
  for (const char* pr : {"3.3e38", "333333333333333333333333333333380", "4294967296", "-4294967296", "1.5", "\"1\""}) {
    auto bad_priority = parse_policy_json(std::string(R"([{"name": "manylinux_2_17", "priority": )") + pr +
                                              R"(, "symbol_versions": {"x86_64": {"GLIBC": ["2.17"]}}}])",
                                          "p.json");
    REQUIRE_FALSE(bad_priority.ok());
    CHECK_THAT(bad_priority.error().message, Catch::Contains("\"priority\" must be an integer"));
  }
  auto missing = read_policy_file("/nonexistent/policy.json");
  REQUIRE_FALSE(missing.ok());
}
