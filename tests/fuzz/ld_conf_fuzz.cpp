// libFuzzer harness for ld.so.conf: the line parser on any bytes (directories and include patterns in order,
// never a crash), and the whole reader on a root whose ld.so.conf and ld.so.conf.d/x.conf hold the input, so its
// include globs, loops, depth and file limits run for real: it always ends, within the file limit.
// sources: lib/support/*.cpp lib/resolve/ld_cache.cpp lib/resolve/root_fs.cpp
// libs:
// seeds:
// seed-files: /etc/ld.so.conf /etc/ld.so.conf.d/*.conf
// runs: 40000
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "resolve/ld_cache.hpp"

namespace {

std::string root_dir;

void remove_root() {
  if (!root_dir.empty()) (void)std::system(("rm -rf " + root_dir).c_str());
}

std::string make_root() {
  char tmpl[] = "/tmp/ferry-ldconf-fuzz-XXXXXX";
  if (!::mkdtemp(tmpl)) std::abort();
  root_dir = tmpl;
  std::atexit(remove_root);
  if (std::system(("mkdir -p " + root_dir + "/etc/ld.so.conf.d").c_str()) != 0) std::abort();
  return root_dir;
}

void put(const std::string& path, const uint8_t* data, size_t size) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size) std::fwrite(data, 1, size, f);
  std::fclose(f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ferry::resolve;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& item : parse_ld_so_conf_text(text)) {
    if (item.value.empty()) std::abort();
    if (!item.include && item.value.find_first_of(" \t,:=\n") != std::string::npos) std::abort();
  }
  static const std::string root = make_root();
  put(root + "/etc/ld.so.conf", data, size);
  put(root + "/etc/ld.so.conf.d/x.conf", data, size);
  auto conf = read_ld_so_conf_checked(root, "/etc/ld.so.conf");
  if (conf.warnings.size() > kMaxConfFiles + 8) std::abort();
  return 0;
}
