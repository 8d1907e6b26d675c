// libFuzzer harness for the Mach-O reader (checked reader, then LIEF on what it accepted): no crash, hang or leak
// on any input, and every accepted file has at least one slice.
// sources: lib/support/*.cpp lib/macho/*.cpp
// libs: -lLIEF
// seeds: macho
// cflags: -D_GLIBCXX_ASSERTIONS
#include <cstdint>
#include <cstdlib>

#include "macho/macho_info.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = ferry::macho::read_macho(ferry::ByteView(data, size), "fuzz");
  if (r && r->slices.empty()) std::abort();
  if (!r && r.error().message.empty()) std::abort();
  return 0;
}
