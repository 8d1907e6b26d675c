// Small helpers shared by the unit tests that compare ferry with an external tool's output.
#pragma once

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace ferry::test {

// Built fixtures: $FERRY_FIXTURES, or <build>/fixtures next to <build>/bin/ferry when only $FERRY reached the test
// (catch_discover_tests keeps only the first entry of a list-valued ENVIRONMENT property).
inline std::string fixtures_root() {
  if (const char* root = std::getenv("FERRY_FIXTURES")) return root;
  const char* ferry = std::getenv("FERRY");
  REQUIRE(ferry != nullptr);
  return std::filesystem::path(ferry).parent_path().parent_path().string() + "/fixtures";
}

// The standard output of a shell command (the oracle tool), whole.
inline std::string run_command(const std::string& cmd) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  REQUIRE(f != nullptr);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  pclose(f);
  return out;
}

}  // namespace ferry::test
