// libFuzzer harness for `ferry check --policy FILE` (lib/policy/policy_file.cpp): ferry's own form and
// auditwheel's policy list, on any bytes: a list of targets or an error naming the file, never a crash or an
// exception; an error names the file it is about.
// sources: lib/support/*.cpp lib/policy/policy_file.cpp lib/policy/version.cpp lib/policy/builtin_*.cpp lib/elf/*.cpp
// seeds:
#include <cstdint>
#include <cstdlib>
#include <string>

#include "policy/policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = ferry::policy::parse_policy_json(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
  if (!r) {
    if (r.error().message.empty() || r.error().path != "fuzz.json") std::abort();
    return 0;
  }
  for (const auto& t : *r) (void)t.tag();
  return 0;
}
