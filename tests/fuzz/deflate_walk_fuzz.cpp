// libFuzzer harness for the deflate block walker (lib/wheel/deflate_walk.cpp), which repair runs over a large
// member's compressed bytes to find where its blocks start. Differential: where zlib's inflate (stopped at every
// block, Z_BLOCK) takes the stream whole, the walker must too, with the same block starts, size and length; on
// anything else it may refuse, but never crash, hang or read past the stream.
// sources: lib/support/*.cpp lib/wheel/deflate_walk.cpp
// libs: -lz
// seeds:
// runs: 12000
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "memory_file.hpp"
#include "wheel/deflate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr uint64_t kMax = uint64_t{4} << 20;
  ferry::fuzz::MemoryFile file("fuzz.deflate", data, size);
  if (!file.ok()) return 0;
  ferry::wheel::DeflateIndex walked;
  auto st = ferry::wheel::walk_deflate_blocks(file.fd(), 0, size, kMax, file.path(), walked);
  if (!st) {
    ferry::fuzz::need_message(st.error());
    if (!walked.points.empty()) std::abort();  // a refused stream leaves no index behind
  }
  // The oracle.
  z_stream z{};
  if (inflateInit2(&z, -15) != Z_OK) return 0;
  std::vector<uint8_t> out(1 << 16);
  std::vector<ferry::wheel::DeflateIndex::Point> points{{0, 0}};
  z.next_in = const_cast<uint8_t*>(data);
  z.avail_in = static_cast<uInt>(size);
  bool whole = false;
  for (;;) {
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    int ret = inflate(&z, Z_BLOCK);
    if (z.total_out > kMax) break;
    if (ret == Z_STREAM_END) {
      whole = true;
      break;
    }
    if (ret != Z_OK) break;
    if ((z.data_type & 128) && !(z.data_type & 64) && z.total_out > 0)
      points.push_back({z.total_out, z.total_in * 8 - static_cast<uint64_t>(z.data_type & 7)});
  }
  if (whole) {
    if (!st) std::abort();
    if (walked.size != z.total_out || walked.comp_size != z.total_in || walked.points.size() != points.size())
      std::abort();
    for (size_t i = 0; i < points.size(); ++i)
      if (walked.points[i].out != points[i].out || walked.points[i].bit != points[i].bit) std::abort();
  }
  inflateEnd(&z);
  return 0;
}
