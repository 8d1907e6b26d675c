// libFuzzer harness for the Mach-O writers of macOS repair: on every file the reader accepts, rewrite_macho
// renames each dependency (longer, then shorter), sets the id and drops every LC_RPATH, so slices are edited and
// re-signed; edit_commands and sign_adhoc also run on the raw slices, unguarded by the reader. No crash, hang or
// leak; errors carry a message; every rewritten file reads back and each re-signed slice's page hashes match.
// sources: lib/support/*.cpp lib/macho/*.cpp
// libs: -lLIEF
// seeds: macho macos_wheel
// cflags: -D_GLIBCXX_ASSERTIONS
#include <cstdint>
#include <cstdlib>

#include "macho/codesign.hpp"
#include "macho/edit_commands.hpp"
#include "macho/macho_info.hpp"
#include "macho/rewrite.hpp"

namespace {

void require_message(const ferry::Error& e) {
  if (e.message.empty()) std::abort();
}

// Every page hash of every signed slice of `file` matches (rewrite_macho promises it).
void require_signed(const std::vector<uint8_t>& file, const std::vector<std::string>& resigned) {
  auto mf = ferry::macho::read_macho(ferry::ByteView(file.data(), file.size()), "fuzz-out", false);
  if (!mf) std::abort();
  for (const auto& s : mf->slices) {
    auto sig = ferry::macho::check_signature(ferry::ByteView(file.data() + s.offset, s.size), s.arch);
    if (!sig) std::abort();
    bool expect = false;
    for (auto& a : resigned) expect = expect || a == s.arch;
    if (expect && !(sig->present && sig->verified && sig->hashes_match)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ferry::ByteView in(data, size);
  auto mf = ferry::macho::read_macho(in, "fuzz", false);
  if (!mf) return require_message(mf.error()), 0;
  for (const char* suffix : {"-0123456789abcdef0123456789abcdef", ""}) {
    ferry::macho::CommandEdits e;
    for (const auto& s : mf->slices) {
      for (const auto& d : s.dependencies) e.dependencies[d.name] = *suffix ? d.name + suffix : "@loader_path/x";
      for (const auto& r : s.rpaths) e.remove_rpaths.insert(r);
    }
    e.id = std::string("/DLC/pkg/.dylibs/") + suffix;
    auto out = ferry::macho::rewrite_macho(in, e, "fuzz.dylib", "fuzz");
    if (!out) {
      require_message(out.error());
      continue;
    }
    if (out->changed) require_signed(out->bytes, out->resigned);
  }
  // The writers on their own, on each raw slice: they must check what they rely on.
  for (const auto& s : mf->slices) {
    if (s.offset + s.size > size) std::abort();
    std::vector<uint8_t> slice(data + s.offset, data + s.offset + s.size);
    ferry::macho::CommandEdits e;
    for (const auto& d : s.dependencies) e.dependencies[d.name] = d.name + "/longer/name";
    auto ed = ferry::macho::edit_commands(slice, e, "fuzz");
    if (!ed) require_message(ed.error());
    auto sg = ferry::macho::sign_adhoc(slice, "fuzz", "fuzz");
    if (!sg) require_message(sg.error());
  }
  return 0;
}
