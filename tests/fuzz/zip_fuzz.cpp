// libFuzzer harness for the wheel (zip) readers: ferry's zip reader through ZipReader (listing, name normalisation, the safety
// checks, streamed hashing of every member), ferry's own central-directory parser (zip_raw) with its one-pass
// member check (deflate.cpp: whole and streaming inflate) and lib/archive's
// in-memory member reader. No crash, hang or leak on any input; errors always carry a message.
// sources: lib/support/*.cpp lib/archive/*.cpp lib/wheel/zip_read.cpp lib/wheel/zip_raw.cpp lib/wheel/deflate.cpp lib/wheel/deflate_walk.cpp lib/wheel/deflate_reuse.cpp
// libs: -larchive -ldeflate -lz -lisal -DFERRY_HAVE_ISAL
// seeds: wheel
#include <cstdint>
#include <cstdlib>
#include <string>

#include "archive/archive.hpp"
#include "memory_file.hpp"
#include "wheel/deflate.hpp"
#include "wheel/wheel_zip.hpp"
#include "wheel/zip_raw.hpp"

using ferry::fuzz::need_message;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ferry::fuzz::MemoryFile file("fuzz.whl", data, size);
  if (!file.ok()) return 0;
  const std::string path = file.path();
  if (auto raw = ferry::wheel::read_central_directory(path); !raw) {
    need_message(raw.error());
  } else {
    // repair's one-pass check of every member (CRC-32, size, SHA-256): whole-buffer inflate up to 64 MiB, the
    // streaming inflater above that (a claimed size of 64-128 MiB reaches it without a slow bomb).
    for (const auto& r : *raw)
      if (r.size <= (uint64_t{128} << 20))
        if (auto d = ferry::wheel::digest_member(file.fd(), r, 4, {}, path); !d) need_message(d.error());
  }
  if (auto z = ferry::wheel::ZipReader::open(path)) {
    if (auto st = ferry::wheel::check_members(z->members(), path); !st) need_message(st.error());
    for (const auto& m : z->members()) {
      if (m.is_dir) continue;
      std::vector<uint8_t> head;
      if (auto h = z->hash(m, &head, 64); !h) need_message(h.error());
      if (m.is_symlink)
        if (auto t = z->read(m, 4096)) (void)ferry::wheel::check_symlink_target(m.name, std::string(t->begin(), t->end()), path);
    }
  } else {
    need_message(z.error());
  }
  ferry::archive::ReadLimits limits;
  limits.max_member_size = 16 << 20;
  limits.max_in_memory = 16 << 20;
  auto st = ferry::archive::for_each_member(
      path, {}, [](const ferry::archive::Member&, std::vector<uint8_t>&&) -> ferry::Status { return {}; }, limits);
  if (!st) need_message(st.error());
  return 0;
}
