// The ELF writer on arbitrary bytes: reading, planning, applying and verifying a fixed mix of edits (growth,
// in place, version tables, symbol renames with rebuilt hash tables, DT_DEBUG, EI_OSABI) never crashes, hangs
// or leaks; every output it accepts re-reads with the same edits giving identical bytes (idempotence).
// sources: lib/support/*.cpp lib/elf/*.cpp lib/patch/*.cpp
// seeds: patch elf
// runs: 60000
#include <cstddef>
#include <cstdint>

#include "patch/patch.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ferry;
  using namespace ferry::patch;
  ByteView in(data, size);
  (void)read_summary(in, "fuzz");
  Edits e;
  switch (size % 6) {
    case 0: e.set_rpath = "/opt/fuzz/a/long/enough/search/path"; break;
    case 1: e.replace_needed = {{"libc.so.6", "libc-renamed.so.6"}}; e.soname = "libfuzz.so.1"; break;
    case 2: e.add_needed = {"libextra.so"}; e.remove_needed = {"libm.so.6"}; break;
    case 3: e.interpreter = "/lib/ld-fuzz.so"; e.clear_symbol_version = {"puts"}; e.no_default_lib = true; break;
    case 4:  // hash tables rebuilt, symbols reordered, relocations remapped
      e.rename_dynamic_symbols = {{"foo_value", "foo_value_renamed"}, {"foo_name", "fn"}, {"puts", "puts_fuzz"},
                                  {"__cxa_finalize", "cxa_fin"}};
      break;
    default: e.add_debug_tag = true; e.os_abi = 9; break;
  }
  auto out = patch_image(in, e, "fuzz");
  if (out.ok()) {
    auto again = patch_image(ByteView(out->data(), out->size()), e, "fuzz");
    if (again.ok() && *again != *out) __builtin_trap();
  }
  return 0;
}
