// libFuzzer harness for the ELF reader: any bytes must give a result or an error, never a crash or hang.
// sources: lib/support/*.cpp lib/elf/*.cpp
// seeds: elf
#include <cstdint>

#include "elf/elf_info.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = ferry::elf::read_elf(ferry::ByteView(data, size), "fuzz");
  if (r.ok()) {
    volatile size_t n = r->needed.size() + r->dynamic_symbols.size();
    (void)n;
  }
  return 0;
}
