// Parses /etc/ld.so.cache in the old ("ld.so-1.7.0"), new ("glibc-ld.so.cache1.1") and combined layouts, and
// reads ld.so.conf with its include globs. Layouts follow glibc sysdeps/generic/dl-cache.h and elf/cache.c;
// the lookup follows elf/dl-cache.c (search_cache): hwcaps subdirectories by priority, then the plain entry.
#include "resolve/ld_cache.hpp"

#include <glob.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "resolve/root_fs.hpp"
#include "support/file.hpp"

namespace ferry::resolve {

namespace {

constexpr char kOldMagic[] = "ld.so-1.7.0";           // 11 bytes, then nlibs at offset 12
constexpr char kNewMagic[] = "glibc-ld.so.cache1.1";  // 20 bytes
constexpr uint64_t kOldHeader = 16;                   // sizeof(struct cache_file)
constexpr uint64_t kOldEntry = 12;                    // sizeof(struct file_entry)
constexpr uint64_t kNewHeader = 48;                   // sizeof(struct cache_file_new)
constexpr uint64_t kNewEntry = 24;                    // sizeof(struct file_entry_new)
constexpr uint32_t kExtensionMagic = 0xeaa42174;
constexpr uint32_t kTagGlibcHwcaps = 1;
constexpr uint64_t kHwcapExtension = 1ULL << 62;  // DL_CACHE_HWCAP_EXTENSION

Status parse_new(ByteView v, Endian e, LdCache& out) {
  FERRY_TRY(nlibs, v.read_uint<uint32_t>(20, e, "new cache header nlibs"));
  FERRY_TRY(ext_off, v.read_uint<uint32_t>(32, e, "new cache header extension_offset"));
  auto table = checked_mul(nlibs, kNewEntry);
  if (!table || !v.in_bounds(kNewHeader, *table))
    return v.out_of_bounds(kNewHeader, table.value_or(UINT64_MAX), "new cache entry table (" + std::to_string(nlibs) + " entries)");
  // glibc-hwcaps subdirectory names, indexed by the low 32 bits of an entry's hwcap.
  std::vector<std::string> hwcaps;
  if (ext_off != 0) {
    auto magic = v.find_uint<uint32_t>(ext_off, e);
    auto count = v.find_uint<uint32_t>(uint64_t(ext_off) + 4, e);
    if (magic && *magic == kExtensionMagic && count) {
      for (uint32_t i = 0; i < *count && i < 64; ++i) {
        uint64_t s = uint64_t(ext_off) + 8 + uint64_t(i) * 16;
        auto tag = v.find_uint<uint32_t>(s, e);
        auto off = v.find_uint<uint32_t>(s + 8, e);
        auto size = v.find_uint<uint32_t>(s + 12, e);
        if (!tag || !off || !size) return v.out_of_bounds(s, 16, "cache extension section #" + std::to_string(i));
        if (*tag != kTagGlibcHwcaps) continue;
        for (uint32_t k = 0; k + 4 <= *size; k += 4) {
          FERRY_TRY(str, v.read_uint<uint32_t>(uint64_t(*off) + k, e, "glibc-hwcaps string offset"));
          FERRY_TRY(name, v.read_cstring(str, "glibc-hwcaps subdirectory name"));
          hwcaps.emplace_back(name);
        }
      }
    }
  }
  out.entries.clear();
  for (uint32_t i = 0; i < nlibs; ++i) {
    uint64_t o = kNewHeader + uint64_t(i) * kNewEntry;
    LdCacheEntry ent;
    ent.flags = static_cast<int32_t>(*v.find_uint<uint32_t>(o, e));
    uint32_t key = *v.find_uint<uint32_t>(o + 4, e), value = *v.find_uint<uint32_t>(o + 8, e);
    ent.osversion = *v.find_uint<uint32_t>(o + 12, e);
    ent.hwcap = *v.find_uint<uint64_t>(o + 16, e);
    FERRY_TRY(k, v.read_cstring(key, "cache entry #" + std::to_string(i) + " key"));
    FERRY_TRY(val, v.read_cstring(value, "cache entry #" + std::to_string(i) + " value"));
    ent.key = k;
    ent.value = val;
    if ((ent.hwcap >> 32) == (kHwcapExtension >> 32)) {
      uint32_t idx = static_cast<uint32_t>(ent.hwcap);
      if (idx >= hwcaps.size())
        return make_error(ErrorCode::format, "cache entry #" + std::to_string(i) + ": glibc-hwcaps index " +
                                                 std::to_string(idx) + " is past the " + std::to_string(hwcaps.size()) +
                                                 " subdirectories", v.base() + o + 16);
      ent.hwcaps_subdir = hwcaps[idx];
    }
    out.entries.push_back(std::move(ent));
  }
  out.new_format = true;
  return {};
}

}  // namespace

std::optional<int32_t> LdCache::default_flags(uint16_t machine, int bits) {
  switch (machine) {
    case 62: return bits == 64 ? (kFlagElfLibc6 | kFlagX8664Lib64) : (kFlagElfLibc6 | kFlagX8664LibX32);
    case 3: return kFlagElfLibc6;                              // EM_386
    case 183: return kFlagElfLibc6 | kFlagAarch64Lib64;        // EM_AARCH64
    case 40: return kFlagElfLibc6 | kFlagArmLibhf;             // EM_ARM (hard float, Debian armhf)
    case 21: return kFlagElfLibc6 | kFlagPowerpcLib64;         // EM_PPC64
    case 22: return bits == 64 ? (kFlagElfLibc6 | kFlagS390Lib64) : kFlagElfLibc6;
    case 243: return kFlagElfLibc6 | kFlagRiscvFloatAbiDouble; // EM_RISCV lp64d
    case 20: return kFlagElfLibc6;                             // EM_PPC
    default: return std::nullopt;
  }
}

const LdCacheEntry* LdCache::find(const std::string& name, int32_t flags,
                                  const std::vector<std::string>& hwcaps_levels) const {
  const LdCacheEntry* best = nullptr;
  size_t best_priority = SIZE_MAX;
  const LdCacheEntry* plain = nullptr;
  auto consider = [&](const LdCacheEntry& e) {
    if (e.key != name) return;
    if (e.flags != flags && e.flags != kFlagElf) return;  // _dl_cache_check_flags
    if (e.hwcaps_subdir) {
      auto it = std::find(hwcaps_levels.begin(), hwcaps_levels.end(), *e.hwcaps_subdir);
      if (it == hwcaps_levels.end()) return;  // not supported by this CPU
      size_t prio = static_cast<size_t>(it - hwcaps_levels.begin());
      if (prio < best_priority) best = &e, best_priority = prio;
      return;
    }
    if (e.hwcap != 0) return;  // legacy hwcap-specific entries: not used on x86-64 since 2.26
    if (!plain) plain = &e;
  };
  if (index.empty()) {
    for (const auto& e : entries) consider(e);
  } else if (auto it = index.find(name); it != index.end()) {
    for (uint32_t i : it->second) consider(entries[i]);
  }
  return best ? best : plain;
}

std::optional<std::string> LdCache::lookup(const std::string& name, int32_t flags,
                                           const std::vector<std::string>& hwcaps_levels) const {
  if (const LdCacheEntry* e = find(name, flags, hwcaps_levels)) return e->value;
  return std::nullopt;
}

void LdCache::build_index() {
  index.clear();
  for (size_t i = 0; i < entries.size(); ++i) index[entries[i].key].push_back(static_cast<uint32_t>(i));
}

namespace {
Result<LdCache> parse_ld_cache_unindexed(ByteView v, const std::string& path);
}

Result<LdCache> parse_ld_cache(ByteView v, const std::string& path) {
  auto c = parse_ld_cache_unindexed(v, path);
  if (c) c->build_index();
  return c;
}

namespace {

Result<LdCache> parse_ld_cache_unindexed(ByteView v, const std::string& path) {
  LdCache out;
  out.path = path;
  auto has = [&](uint64_t off, const char* magic) {
    size_t n = std::strlen(magic);
    return v.in_bounds(off, n) && std::memcmp(v.data() + off, magic, n) == 0;
  };
  if (has(0, kOldMagic)) {
    out.old_format = true;
    FERRY_TRY(nlibs, v.read_uint<uint32_t>(12, Endian::little, "old cache header nlibs"));
    auto table = checked_mul(nlibs, kOldEntry);
    if (!table || !v.in_bounds(kOldHeader, *table))
      return v.out_of_bounds(kOldHeader, table.value_or(UINT64_MAX), "old cache entry table (" + std::to_string(nlibs) + " entries)").with_path(path);
    uint64_t strings = kOldHeader + *table;
    uint64_t new_off = (strings + 7) & ~uint64_t(7);  // ALIGN_CACHE
    if (has(new_off, kNewMagic)) {
      auto sub = v.find_sub(new_off, v.size() - new_off);
      uint8_t endian_flag = v.data()[new_off + 28];
      Status st = parse_new(*sub, endian_flag == 3 ? Endian::big : Endian::little, out);
      if (!st) return st.error().with_path(path);
      return out;
    }
    auto sv = *v.find_sub(strings, v.size() - strings);
    for (uint32_t i = 0; i < nlibs; ++i) {
      uint64_t o = kOldHeader + uint64_t(i) * kOldEntry;
      LdCacheEntry ent;
      ent.flags = static_cast<int32_t>(*v.find_uint<uint32_t>(o, Endian::little));
      auto k = sv.read_cstring(*v.find_uint<uint32_t>(o + 4, Endian::little), "old cache entry #" + std::to_string(i) + " key");
      auto val = sv.read_cstring(*v.find_uint<uint32_t>(o + 8, Endian::little), "old cache entry #" + std::to_string(i) + " value");
      if (!k) return k.error().with_path(path);
      if (!val) return val.error().with_path(path);
      ent.key = *k;
      ent.value = *val;
      out.entries.push_back(std::move(ent));
    }
    return out;
  }
  if (has(0, kNewMagic)) {
    if (!v.in_bounds(0, kNewHeader)) return v.out_of_bounds(0, kNewHeader, "new cache header").with_path(path);
    uint8_t endian_flag = v.data()[28];
    Status st = parse_new(v, endian_flag == 3 ? Endian::big : Endian::little, out);
    if (!st) return st.error().with_path(path);
    return out;
  }
  return make_error(ErrorCode::format, "not an ld.so.cache: no \"ld.so-1.7.0\" or \"glibc-ld.so.cache1.1\" magic at offset 0x0")
      .with_path(path);
}

}  // namespace

Result<LdCache> read_ld_cache(const std::string& host_path) {
  auto m = MappedFile::open(host_path);
  if (!m) return m.error();
  return parse_ld_cache(m->view(), host_path);
}

namespace {

void read_conf_file(const RootFs& fs, const std::string& conf, int depth, std::vector<std::string>& out,
                    std::set<std::string>& seen) {
  if (depth > 16) return;
  auto host = fs.host_path(conf);
  if (!host) return;
  std::ifstream in(*host);
  std::string line;
  while (std::getline(in, line)) {
    if (auto h = line.find('#'); h != std::string::npos) line.resize(h);
    auto trim = [](std::string s) {
      size_t a = s.find_first_not_of(" \t\r"), b = s.find_last_not_of(" \t\r");
      return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
    };
    line = trim(line);
    if (line.empty()) continue;
    if (line.rfind("include", 0) == 0 && line.size() > 7 && (line[7] == ' ' || line[7] == '\t')) {
      std::istringstream words(line.substr(8));
      std::string pattern;
      while (words >> pattern) {
        if (pattern[0] != '/') pattern = join_path(dirname_of(conf), pattern);
        glob_t g{};
        std::string host_pattern = fs.sysroot() + pattern;
        if (::glob(host_pattern.c_str(), 0, nullptr, &g) == 0) {
          for (size_t i = 0; i < g.gl_pathc; ++i)
            read_conf_file(fs, std::string(g.gl_pathv[i]).substr(fs.sysroot().size()), depth + 1, out, seen);
        }
        ::globfree(&g);
      }
      continue;
    }
    if (line.rfind("hwcap", 0) == 0 && line.size() > 5 && (line[5] == ' ' || line[5] == '\t')) continue;
    // ldconfig accepts "dir=TYPE" and separators of space, tab, comma, colon.
    for (char& c : line)
      if (c == ',' || c == ':' || c == '\t') c = ' ';
    std::istringstream words(line);
    std::string dir;
    while (words >> dir) {
      if (auto eq = dir.find('='); eq != std::string::npos) dir.resize(eq);
      while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
      if (seen.insert(dir).second) out.push_back(dir);
    }
  }
}

}  // namespace

std::vector<std::string> read_ld_so_conf(const std::string& sysroot, const std::string& conf_path) {
  RootFs fs(sysroot);
  std::vector<std::string> out;
  std::set<std::string> seen;
  read_conf_file(fs, conf_path, 0, out, seen);
  return out;
}

}  // namespace ferry::resolve
