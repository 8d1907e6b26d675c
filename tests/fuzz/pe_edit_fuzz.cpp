// libFuzzer harness for the PE import renamer: every DLL name a decodable image imports is renamed to a longer
// one (forcing section slack or a new section); no crash, hang or leak, errors carry a message, and whatever
// rename_imports returns is a PE ferry's reader accepts.
// sources: lib/support/*.cpp lib/pe/*.cpp
// libs: -lLIEF
// seeds: pe winwheel
// runs: 60000
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <map>

#include "pe/edit_imports.hpp"
#include "pe/pe_info.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ferry::ByteView in(data, size);
  auto info = ferry::pe::read_pe(in, "fuzz");
  if (!info) return 0;
  std::map<std::string, std::string> renames;
  for (auto* v : {&info->imports, &info->delay_imports})
    for (auto& d : *v) {
      std::string lower = d.name;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      renames[lower] = d.name + "-0123456789abcdef0123456789abcdef.dll";
    }
  ferry::pe::ImportEditReport rep;
  auto out = ferry::pe::rename_imports(in, renames, rep);
  if (!out) {
    if (out.error().message.empty()) std::abort();
    return 0;
  }
  if (!ferry::pe::read_pe(ferry::ByteView(out->data(), out->size()), "fuzz-out")) std::abort();
  return 0;
}
