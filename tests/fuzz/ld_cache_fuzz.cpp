// libFuzzer harness for the ld.so.cache parser (old, new and combined layouts, glibc-hwcaps extension): any bytes
// give a cache or an error naming the structure, never a crash, hang or read outside the input; an accepted
// cache's keys and values are views inside its own copy of the bytes, and lookups answer with one of them.
// sources: lib/support/*.cpp lib/resolve/ld_cache.cpp lib/resolve/root_fs.cpp
// libs:
// seeds: resolve
// seed-files: /etc/ld.so.cache
// runs: 20000
#include <cstdint>
#include <cstdlib>
#include <string>

#include "resolve/ld_cache.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ferry::resolve;
  auto c = parse_ld_cache(ferry::ByteView(data, size), "fuzz");
  if (!c) {
    if (c.error().message.empty()) std::abort();
    return 0;
  }
  auto* ours = static_cast<const std::vector<uint8_t>*>(c->storage.get());
  const char* lo = reinterpret_cast<const char*>(ours->data());
  const char* hi = lo + ours->size();
  size_t looked_up = 0;
  for (const auto& e : c->entries) {
    if (e.key.data() < lo || e.key.data() + e.key.size() >= hi) std::abort();    // the NUL is inside too
    if (e.value.data() < lo || e.value.data() + e.value.size() >= hi) std::abort();
    // A few lookups per input: each costs the entries sharing its key, and inputs may give every entry one key.
    if (++looked_up > 64) continue;
    auto found = c->lookup(std::string(e.key), e.flags, {"x86-64-v3", "x86-64-v2"});
    if (!found && !e.hwcaps_subdir && e.hwcap == 0) std::abort();  // a plain entry is always found by its key
  }
  (void)c->lookup("libc.so.6", 0x0303, {});
  return 0;
}
