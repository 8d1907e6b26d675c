// /etc/ld.so.cache (both the old "ld.so-1.7.0" and the new "glibc-ld.so.cache1.1" formats) and ld.so.conf
// with include globs. Spec: glibc elf/cache.c (save_cache), elf/dl-cache.c (_dl_load_cache_lookup),
// sysdeps/generic/dl-cache.h (file_entry, file_entry_new, cache_extension_tag_glibc_hwcaps), elf/ldconfig.c.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "support/bytes.hpp"
#include "support/result.hpp"

namespace ferry::resolve {

// Flags of a cache entry (dl-cache.h): the low byte is the type, the next the ABI.
constexpr int32_t kFlagTypeMask = 0x00ff;
constexpr int32_t kFlagElf = 0x0001;
constexpr int32_t kFlagElfLibc6 = 0x0003;
constexpr int32_t kFlagRequiredMask = 0xff00;
constexpr int32_t kFlagSparcLib64 = 0x0100;
constexpr int32_t kFlagIa64Lib64 = 0x0200;
constexpr int32_t kFlagX8664Lib64 = 0x0300;
constexpr int32_t kFlagS390Lib64 = 0x0400;
constexpr int32_t kFlagPowerpcLib64 = 0x0500;
constexpr int32_t kFlagMipsLib32Nan2008 = 0x0600;
constexpr int32_t kFlagX8664LibX32 = 0x0800;
constexpr int32_t kFlagArmLibhf = 0x0900;
constexpr int32_t kFlagAarch64Lib64 = 0x0a00;
constexpr int32_t kFlagArmLibsf = 0x0b00;
constexpr int32_t kFlagMipsLib32 = 0x0c00;
constexpr int32_t kFlagMips64Libn64 = 0x0d00;
constexpr int32_t kFlagRiscvFloatAbiDouble = 0x1000;

// Bounds on what a cache may cost, whatever it claims: glibc's own caches are a few hundred KB. Keys and values
// are views into the cache's bytes (never copies), so memory is the file plus a fixed cost per entry.
constexpr uint64_t kMaxLdCacheBytes = 64ull << 20;
constexpr uint32_t kMaxLdCacheEntries = 1u << 20;

struct LdCacheEntry {
  std::string_view key;    // soname, e.g. libc.so.6 (a view into LdCache's bytes)
  std::string_view value;  // path, e.g. /lib/x86_64-linux-gnu/libc.so.6
  int32_t flags = 0;
  uint32_t osversion = 0;
  uint64_t hwcap = 0;
  std::optional<std::string_view> hwcaps_subdir;  // new format glibc-hwcaps extension: "x86-64-v3"
};

struct LdCache {
  std::string path;
  std::shared_ptr<const void> storage;  // owns the bytes every view points into (a mapping or a copy)
  bool old_format = false;  // an "ld.so-1.7.0" section was present
  bool new_format = false;  // a "glibc-ld.so.cache1.1" section was present
  std::vector<LdCacheEntry> entries;  // in file order (ldconfig sorts them: most specific first)
  // key -> indices into entries, in file order; built by the parsers (lookup scans `entries` when empty).
  std::unordered_map<std::string_view, std::vector<uint32_t>> index;
  void build_index();

  // The cache flags the loader uses for objects of this class/machine (_DL_CACHE_DEFAULT_ID), nullopt if unknown.
  static std::optional<int32_t> default_flags(uint16_t machine, int bits);
  // glibc's lookup: first entry with this key and matching flags, preferring supported glibc-hwcaps
  // subdirectories in `hwcaps_levels` order; entries for other hwcaps subdirectories are skipped.
  std::optional<std::string> lookup(const std::string& name, int32_t flags,
                                    const std::vector<std::string>& hwcaps_levels) const;
  // The entry lookup() answers with; nullptr when none.
  const LdCacheEntry* find(const std::string& name, int32_t flags, const std::vector<std::string>& hwcaps_levels) const;
};

// Parses a copy of `bytes` (refused past kMaxLdCacheBytes); read_ld_cache maps the file and keeps the mapping.
Result<LdCache> parse_ld_cache(ByteView bytes, const std::string& path);
Result<LdCache> read_ld_cache(const std::string& host_path);

// Directories listed by ld.so.conf, following `include` globs (relative to the including file's directory)
// and skipping `hwcap` lines, comments and duplicates. All paths are inside `sysroot` ("" = this machine).
// Each file is read once (by identity: include loops end), includes nest at most kMaxConfDepth deep and at
// most kMaxConfFiles files are read; what was cut short, and files that are not regular, become warnings.
constexpr int kMaxConfDepth = 16;
constexpr size_t kMaxConfFiles = 1024;
constexpr uint64_t kMaxConfBytes = 1u << 20;  // per file
struct LdSoConf {
  std::vector<std::string> dirs;
  std::vector<std::string> warnings;  // one line each, naming the file inside the root
};
LdSoConf read_ld_so_conf_checked(const std::string& sysroot, const std::string& conf_path);
std::vector<std::string> read_ld_so_conf(const std::string& sysroot, const std::string& conf_path);
// One file's lines in order: directories, and include patterns (not followed here). Also the fuzzing entry.
struct ConfItem {
  bool include = false;
  std::string value;  // a directory (trailing slashes and "=TYPE" removed) or an include glob as written
};
std::vector<ConfItem> parse_ld_so_conf_text(std::string_view text);

}  // namespace ferry::resolve
