// Same-length string edits that seal bundled glibc files to the bundle. Follows what go-appimage does to the
// bundled ld.so (path strings patched in place) and glibc's sources for where the strings are used:
// elf/dl-cache.c (LD_SO_CACHE), elf/rtld.c (/etc/ld.so.preload), elf/dl-load.c (SYSTEM_DIRS), iconv/gconv_conf.c
// (GCONV_PATH, GCONV_DIR), iconv/gconv_cache.c (GCONV_MODULES_CACHE), locale/findlocale.c (LOCPATH).
// Same length and whole C strings only: no offset, size or other string moves, so no layout is touched.
#include <algorithm>
#include <cstring>

#include "bundle/bundle.hpp"

namespace ferry::bundle {

std::string sealed_path(size_t length, bool trailing_slash) {
  static const char kStem[] = "/\x01" "ferry-sealed-nonexistent-";
  std::string s;
  size_t body = trailing_slash ? length - 1 : length;
  for (size_t i = 0; s.size() < body; ++i) s += i < sizeof(kStem) - 1 ? kStem[i] : 'x';
  if (trailing_slash) s += '/';
  return s;
}

Result<size_t> rename_cstring(std::vector<uint8_t>& image, const std::string& from, const std::string& to,
                              const std::string& path_for_errors) {
  if (from.size() != to.size() || from.empty())
    return make_error(ErrorCode::usage, "cannot rename \"" + from + "\": the new string has a different length")
        .with_path(path_for_errors);
  size_t count = 0;
  const size_t n = from.size();
  // memmem finds candidates fast (libc is 2 MB and a dozen strings are sealed); whole strings only.
  uint8_t* const begin = image.data();
  uint8_t* const end = begin + image.size();
  uint8_t* at = begin;
  while (at + n < end) {
    void* hit = ::memmem(at, static_cast<size_t>(end - at), from.data(), n);
    if (!hit) break;
    uint8_t* p = static_cast<uint8_t*>(hit);
    if (p > begin && p[-1] == 0 && p + n < end && p[n] == 0) {
      std::memcpy(p, to.data(), n);
      ++count;
    }
    at = p + 1;
  }
  if (count == 0)
    return make_error(ErrorCode::unsupported, "string \"" + from + "\" not found (not a glibc file ferry knows)")
        .with_path(path_for_errors);
  return count;
}

namespace {
Status rename_all(std::vector<uint8_t>& image, const std::vector<std::string>& strings, bool dirs,
                  const std::string& path, std::vector<std::string>* edits, bool required) {
  for (const auto& from : strings) {
    bool slash = dirs && !from.empty() && from.back() == '/';
    auto r = rename_cstring(image, from, sealed_path(from.size(), slash), path);
    if (!r) {
      if (required) return r.error();
      continue;
    }
    if (edits) edits->push_back("sealed " + from);
  }
  return {};
}
}  // namespace

Status seal_loader(std::vector<uint8_t>& image, const std::string& path, std::vector<std::string>* edits) {
  // The cache is required: a loader without it is not glibc's, and sealing would be an illusion.
  FERRY_CHECK(rename_all(image, {"/etc/ld.so.cache"}, false, path, edits, true));
  FERRY_CHECK(rename_all(image, {"/etc/ld.so.preload"}, false, path, edits, false));
  // Debian/Ubuntu multiarch dirs, then the plain and lib64 ones other distributions build in.
  return rename_all(image,
                    {"/lib/x86_64-linux-gnu/", "/usr/lib/x86_64-linux-gnu/", "/lib/", "/usr/lib/", "/lib64/",
                     "/usr/lib64/", "/lib/i386-linux-gnu/", "/usr/lib/i386-linux-gnu/", "/lib32/", "/usr/lib32/",
                     "/lib/aarch64-linux-gnu/", "/usr/lib/aarch64-linux-gnu/"},
                    true, path, edits, false);
}

Result<size_t> rename_python_home(std::vector<uint8_t>& image, const std::string& path,
                                  std::vector<std::string>* edits) {
  // 3.11+: Modules/getpath.c calls getenv(key + 4) for the key "ENV_PYTHONHOME" and getpath.py (frozen, marshal
  // data in the same file) reads the global of that name: every occurrence is renamed, so both stay in step.
  static const std::string kKey = "ENV_PYTHONHOME", kNewKey = "ENV_FERRYPHOME";
  size_t count = 0;
  for (auto it = image.begin();;) {
    it = std::search(it, image.end(), kKey.begin(), kKey.end());
    if (it == image.end()) break;
    std::copy(kNewKey.begin(), kNewKey.end(), it);
    ++count;
  }
  // Up to 3.10: getenv("PYTHONHOME") in Python/initconfig.c.
  auto old = rename_cstring(image, "PYTHONHOME", "FERRYPHOME", path);
  if (old) count += old.value();
  if (count == 0)
    return make_error(ErrorCode::unsupported, "PYTHONHOME is not read as ferry knows (no ENV_PYTHONHOME, no "
                                              "PYTHONHOME string)").with_path(path);
  if (edits) edits->push_back("PYTHONHOME read as FERRYPHOME");
  return count;
}

Status seal_strings(std::vector<uint8_t>& image, const std::vector<std::string>& strings, const std::string& path,
                    std::vector<std::string>* edits) {
  return rename_all(image, strings, false, path, edits, false);
}

Status rename_libc_environment(std::vector<uint8_t>& image, const std::string& path,
                               std::vector<std::string>* edits) {
  FERRY_TRY(g, rename_cstring(image, "GCONV_PATH", "FERRYGCONV", path));
  (void)g;
  if (edits) edits->push_back("GCONV_PATH read as FERRYGCONV");
  FERRY_TRY(l, rename_cstring(image, "LOCPATH", "FERRYLC", path));
  (void)l;
  if (edits) edits->push_back("LOCPATH read as FERRYLC");
  // Without FERRYGCONV (a program started directly, not through its launcher) iconv uses only glibc's built-in
  // conversions instead of loading the host's modules, which belong to another glibc.
  for (const char* dir : {"/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache", "/usr/lib/x86_64-linux-gnu/gconv",
                          "/usr/lib64/gconv/gconv-modules.cache", "/usr/lib64/gconv",
                          "/usr/lib32/gconv/gconv-modules.cache", "/usr/lib32/gconv",
                          "/usr/lib/i386-linux-gnu/gconv/gconv-modules.cache", "/usr/lib/i386-linux-gnu/gconv"}) {
    auto r = rename_cstring(image, dir, sealed_path(std::strlen(dir), false), path);
    if (r && edits) edits->push_back(std::string("sealed ") + dir);
  }
  return {};
}

}  // namespace ferry::bundle
