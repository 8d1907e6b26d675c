// libFuzzer harness for the tar reader (libarchive: plain, gzip, xz, zstd, bzip2): listing, and reading members
// in bounded chunks with and without the ELF head filter `check` uses. No crash, hang or leak on any input;
// errors always carry a message.
// sources: lib/support/*.cpp lib/archive/*.cpp
// libs: -larchive -lz
// seeds: check
// runs: 60000
#include <cstdint>
#include <cstdlib>
#include <string>

#include "archive/archive.hpp"
#include "memory_file.hpp"
#include "support/file.hpp"

using ferry::fuzz::need_message;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ferry::fuzz::MemoryFile file("fuzz.tar", data, size);
  if (!file.ok()) return 0;
  const std::string path = file.path();
  if (auto l = ferry::archive::list_members(path); !l) need_message(l.error());
  ferry::archive::ReadLimits limits;
  limits.max_member_size = 16 << 20;
  limits.max_total_size = 64 << 20;
  limits.max_in_memory = 16 << 20;
  std::vector<ferry::Error> skipped;
  auto visit = [](const ferry::archive::Member& m, std::vector<uint8_t>&& b) -> ferry::Status {
    if (b.size() != m.size) std::abort();  // the reader promises whole members only
    return {};
  };
  if (auto st = ferry::archive::for_each_member(path, {}, visit, limits, &skipped); !st) need_message(st.error());
  auto elf_only = [](const uint8_t* h, size_t n) { return ferry::sniff(ferry::ByteView(h, n)) == ferry::FileKind::elf; };
  if (auto st = ferry::archive::for_each_member(path, {}, visit, limits, &skipped, elf_only); !st)
    need_message(st.error());
  for (auto& e : skipped) need_message(e);
  return 0;
}
