// libFuzzer harness for wheel metadata: RECORD (CSV) parsing and the line writer's round trip, WHEEL headers and
// the Tag rewrite, wheel file names, member-name normalisation and the walk order. No crash, hang or leak on any
// input; a RECORD line ferry writes parses back to the same fields.
// sources: lib/support/*.cpp lib/wheel/wheel_metadata.cpp lib/wheel/wheel_name.cpp lib/wheel/zip_read.cpp lib/wheel/deflate.cpp lib/wheel/deflate_walk.cpp lib/archive/zip_directory.cpp
// libs: -ldeflate -lz
// seeds: none
// (text formats no fixture folder holds: tests/fuzz/seeds/wheel_metadata_fuzz has a RECORD, a WHEEL, a name)
#include <cstdint>
#include <cstdlib>
#include <string>

#include "wheel/wheel_metadata.hpp"
#include "wheel/wheel_name.hpp"
#include "wheel/wheel_zip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  using namespace ferry::wheel;
  if (auto rec = parse_record(text, "fuzz/RECORD")) {
    for (const auto& e : *rec) {
      auto back = parse_record(record_line(e.path, e.hash, e.size), "fuzz/RECORD");
      if (!back || back->size() != 1 || (*back)[0].path != e.path || (*back)[0].hash != e.hash ||
          (*back)[0].size != e.size)
        std::abort();
      (void)normalize_member_name(e.path);
    }
  } else if (rec.error().message.empty()) {
    std::abort();
  }
  (void)parse_headers(text);
  auto tags = wheel_tags(text);
  (void)rewrite_wheel_tags(text, {"manylinux_2_17_x86_64", "manylinux2014_x86_64"}, {"linux_x86_64"}, true);
  std::string first = text.substr(0, text.find('\n'));
  if (auto n = parse_wheel_name(first)) (void)repaired_tags(*n, {"manylinux_2_17_x86_64"}, {"linux_x86_64"});
  if (size >= 2) {
    std::string a = text.substr(0, size / 2), b = text.substr(size / 2);
    if (walk_order_less(a, b) && walk_order_less(b, a)) std::abort();
  }
  return 0;
}
