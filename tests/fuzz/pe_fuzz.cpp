// libFuzzer harness for the PE reader (checked reader, then LIEF on a copy of what it accepted): no crash, hang
// or leak on any input, and errors always carry a message.
// sources: lib/support/*.cpp lib/pe/*.cpp
// libs: -lLIEF
// seeds: pe
#include <cstdint>
#include <cstdlib>

#include "pe/pe_info.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = ferry::pe::read_pe(ferry::ByteView(data, size), "fuzz");
  if (!r && r.error().message.empty()) std::abort();
  return 0;
}
