// Parses /etc/ld.so.cache in the old ("ld.so-1.7.0"), new ("glibc-ld.so.cache1.1") and combined layouts, and
// reads ld.so.conf with its include globs. Layouts follow glibc sysdeps/generic/dl-cache.h and elf/cache.c;
// the lookup follows elf/dl-cache.c (search_cache): hwcaps subdirectories by priority, then the plain entry.
#include "resolve/ld_cache.hpp"

#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <sstream>

#include "elf/elf_info.hpp"
#include "resolve/root_fs.hpp"
#include "support/bytes.hpp"
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

// Strings are views into the cache; many entries may name one string (hostile caches do), so each offset is
// scanned for its NUL once. The bytes of distinct strings are bounded by what the file could honestly hold
// (twice its size plus 1 MiB): overlapping strings (every offset inside one long run) cannot make the scans, the
// index's hashing or anything else grow faster than the file.
class StringTable {
public:
  StringTable(ByteView v, uint64_t budget) : v_(v), budget_(budget) {}
  Result<std::string_view> at(uint64_t off, const std::string& what) {
    if (auto it = seen_.find(off); it != seen_.end()) return it->second;
    FERRY_TRY(s, v_.read_cstring(off, what));
    if (s.size() + 1 > budget_)
      return make_error(ErrorCode::format, what + ": the cache's strings add up to more than the file could hold "
                                                  "(overlapping strings)", v_.base() + off);
    budget_ -= s.size() + 1;
    seen_.emplace(off, s);
    return s;
  }

private:
  ByteView v_;
  uint64_t budget_;
  std::unordered_map<uint64_t, std::string_view> seen_;
};

uint64_t string_budget(ByteView v) { return 2 * v.size() + (1u << 20); }

Status check_count(ByteView v, uint32_t nlibs, uint64_t at, const char* what) {
  if (nlibs <= kMaxLdCacheEntries) return {};
  return make_error(ErrorCode::format, std::string(what) + " claims " + std::to_string(nlibs) +
                                           " entries, more than the " + std::to_string(kMaxLdCacheEntries) +
                                           " ferry accepts", v.base() + at);
}

Status parse_new(ByteView v, Endian e, LdCache& out) {
  if (!v.in_bounds(0, kNewHeader)) return v.out_of_bounds(0, kNewHeader, "new cache header");
  FERRY_TRY(nlibs, v.read_uint<uint32_t>(20, e, "new cache header nlibs"));
  FERRY_TRY(ext_off, v.read_uint<uint32_t>(32, e, "new cache header extension_offset"));
  FERRY_CHECK(check_count(v, nlibs, 20, "new cache header"));
  auto table = checked_mul(nlibs, kNewEntry);
  if (!table || !v.in_bounds(kNewHeader, *table))
    return v.out_of_bounds(kNewHeader, table.value_or(UINT64_MAX), "new cache entry table (" + std::to_string(nlibs) + " entries)");
  StringTable strings(v, string_budget(v));
  // glibc-hwcaps subdirectory names, indexed by the low 32 bits of an entry's hwcap.
  std::vector<std::string_view> hwcaps;
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
        if (!v.in_bounds(*off, *size)) return v.out_of_bounds(*off, *size, "glibc-hwcaps string offsets");
        for (uint32_t k = 0; k + 4 <= *size; k += 4) {
          FERRY_TRY(str, v.read_uint<uint32_t>(uint64_t(*off) + k, e, "glibc-hwcaps string offset"));
          FERRY_TRY(name, strings.at(str, "glibc-hwcaps subdirectory name"));
          hwcaps.push_back(name);
        }
      }
    }
  }
  out.entries.clear();
  out.entries.reserve(nlibs);
  for (uint32_t i = 0; i < nlibs; ++i) {
    uint64_t o = kNewHeader + uint64_t(i) * kNewEntry;
    LdCacheEntry ent;
    ent.flags = static_cast<int32_t>(*v.find_uint<uint32_t>(o, e));
    uint32_t key = *v.find_uint<uint32_t>(o + 4, e), value = *v.find_uint<uint32_t>(o + 8, e);
    ent.osversion = *v.find_uint<uint32_t>(o + 12, e);
    ent.hwcap = *v.find_uint<uint64_t>(o + 16, e);
    FERRY_TRY(k, strings.at(key, "cache entry #" + std::to_string(i) + " key"));
    FERRY_TRY(val, strings.at(value, "cache entry #" + std::to_string(i) + " value"));
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
    out.entries.push_back(ent);
  }
  out.new_format = true;
  return {};
}

Endian new_endian(ByteView header) {
  // cache_file_new.flags (offset 28): 2 little endian, 3 big endian; 0 and 1 (older ldconfig) mean the host's.
  return header.data()[28] == 3 ? Endian::big : Endian::little;
}

}  // namespace

std::optional<int32_t> LdCache::default_flags(uint16_t machine, int bits) {
  switch (machine) {
    case elf::em::x86_64: return bits == 64 ? (kFlagElfLibc6 | kFlagX8664Lib64) : (kFlagElfLibc6 | kFlagX8664LibX32);
    case elf::em::intel386: return kFlagElfLibc6;
    case elf::em::aarch64: return kFlagElfLibc6 | kFlagAarch64Lib64;
    case elf::em::arm: return kFlagElfLibc6 | kFlagArmLibhf;  // hard float, Debian armhf
    case elf::em::ppc64: return kFlagElfLibc6 | kFlagPowerpcLib64;
    case elf::em::s390: return bits == 64 ? (kFlagElfLibc6 | kFlagS390Lib64) : kFlagElfLibc6;
    case elf::em::riscv: return kFlagElfLibc6 | kFlagRiscvFloatAbiDouble;  // lp64d
    case elf::em::ppc: return kFlagElfLibc6;
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
  if (const LdCacheEntry* e = find(name, flags, hwcaps_levels)) return std::string(e->value);
  return std::nullopt;
}

void LdCache::build_index() {
  index.clear();
  // Entries naming the same string share its bytes: each distinct string is hashed once, found by address after.
  std::unordered_map<const char*, std::vector<uint32_t>*> by_address;
  for (size_t i = 0; i < entries.size(); ++i) {
    auto& slot = by_address[entries[i].key.data()];
    if (!slot) slot = &index[entries[i].key];
    slot->push_back(static_cast<uint32_t>(i));
  }
}

namespace {
Result<LdCache> parse_ld_cache_unindexed(ByteView v, const std::string& path);

Error too_large(uint64_t size, const std::string& path) {
  return make_error(ErrorCode::format, "ld.so.cache is " + std::to_string(size) + " bytes, more than the " +
                                           std::to_string(kMaxLdCacheBytes) + " ferry accepts")
      .with_path(path);
}

Result<LdCache> parse_owned(ByteView v, std::shared_ptr<const void> storage, const std::string& path) {
  auto c = parse_ld_cache_unindexed(v, path);
  if (!c) return c;
  c->storage = std::move(storage);
  c->build_index();
  return c;
}
}  // namespace

Result<LdCache> parse_ld_cache(ByteView v, const std::string& path) {
  if (v.size() > kMaxLdCacheBytes) return too_large(v.size(), path);
  auto copy = std::make_shared<std::vector<uint8_t>>(v.data(), v.data() + v.size());
  return parse_owned(ByteView(copy->data(), copy->size()), copy, path);
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
    if (Status st = check_count(v, nlibs, 12, "old cache header"); !st) return st.error().with_path(path);
    auto table = checked_mul(nlibs, kOldEntry);
    if (!table || !v.in_bounds(kOldHeader, *table))
      return v.out_of_bounds(kOldHeader, table.value_or(UINT64_MAX), "old cache entry table (" + std::to_string(nlibs) + " entries)").with_path(path);
    uint64_t strings = kOldHeader + *table;
    uint64_t new_off = align_up(strings, 8);  // ALIGN_CACHE
    if (has(new_off, kNewMagic)) {
      auto sub = v.find_sub(new_off, v.size() - new_off);
      if (!sub->in_bounds(0, kNewHeader)) return sub->out_of_bounds(0, kNewHeader, "new cache header").with_path(path);
      Status st = parse_new(*sub, new_endian(*sub), out);
      if (!st) return st.error().with_path(path);
      return out;
    }
    StringTable sv(*v.find_sub(strings, v.size() - strings), string_budget(v));
    out.entries.reserve(nlibs);
    for (uint32_t i = 0; i < nlibs; ++i) {
      uint64_t o = kOldHeader + uint64_t(i) * kOldEntry;
      LdCacheEntry ent;
      ent.flags = static_cast<int32_t>(*v.find_uint<uint32_t>(o, Endian::little));
      auto k = sv.at(*v.find_uint<uint32_t>(o + 4, Endian::little), "old cache entry #" + std::to_string(i) + " key");
      auto val = sv.at(*v.find_uint<uint32_t>(o + 8, Endian::little), "old cache entry #" + std::to_string(i) + " value");
      if (!k) return k.error().with_path(path);
      if (!val) return val.error().with_path(path);
      ent.key = *k;
      ent.value = *val;
      out.entries.push_back(ent);
    }
    return out;
  }
  if (has(0, kNewMagic)) {
    if (!v.in_bounds(0, kNewHeader)) return v.out_of_bounds(0, kNewHeader, "new cache header").with_path(path);
    Status st = parse_new(v, new_endian(v), out);
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
  if (m->size() > kMaxLdCacheBytes) return too_large(m->size(), host_path);
  auto owned = std::make_shared<MappedFile>(std::move(m.value()));
  return parse_owned(owned->view(), owned, host_path);
}

namespace {

std::string trim(std::string_view s) {
  size_t a = s.find_first_not_of(" \t\r"), b = s.find_last_not_of(" \t\r");
  return a == std::string_view::npos ? std::string() : std::string(s.substr(a, b - a + 1));
}

bool starts_with_word(const std::string& line, const char* word) {
  size_t n = std::strlen(word);
  return line.starts_with(word) && line.size() > n && (line[n] == ' ' || line[n] == '\t');
}

}  // namespace

std::vector<ConfItem> parse_ld_so_conf_text(std::string_view text) {
  std::vector<ConfItem> items;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view raw = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (auto h = raw.find('#'); h != std::string_view::npos) raw = raw.substr(0, h);
    std::string line = trim(raw);
    if (line.empty()) continue;
    if (starts_with_word(line, "include")) {
      std::istringstream words(line.substr(8));
      std::string pattern;
      while (words >> pattern) items.push_back({true, pattern});
      continue;
    }
    if (starts_with_word(line, "hwcap")) continue;
    // ldconfig accepts "dir=TYPE" and separators of space, tab, comma, colon.
    for (char& c : line)
      if (c == ',' || c == ':' || c == '\t') c = ' ';
    std::istringstream words(line);
    std::string dir;
    while (words >> dir) {
      if (auto eq = dir.find('='); eq != std::string::npos) dir.resize(eq);
      while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
      if (!dir.empty()) items.push_back({false, dir});
    }
  }
  return items;
}

namespace {

struct ConfWalk {
  const RootFs& fs;
  LdSoConf& out;
  std::set<std::string> seen_dirs{};
  std::set<std::pair<uint64_t, uint64_t>> seen_files{};  // (dev, ino): a file included twice is read once
  std::vector<std::pair<uint64_t, uint64_t>> stack{};     // files being read, outermost first
  std::set<std::pair<uint64_t, uint64_t>> warned_loops{};
  size_t files_read = 0;
  bool limit_warned = false;

  void read(const std::string& conf, int depth, const std::string& from) {
    if (depth > kMaxConfDepth) {
      out.warnings.push_back(conf + ": not read: includes nest deeper than " + std::to_string(kMaxConfDepth));
      return;
    }
    auto host = fs.host_path(conf);
    if (!host) return;  // absent: ldconfig says nothing either
    struct stat st;
    if (::stat(host->c_str(), &st) != 0) return;
    if (!S_ISREG(st.st_mode)) {
      out.warnings.push_back(conf + ": not read: " +
                             (S_ISFIFO(st.st_mode) ? "a FIFO, not a regular file" : "not a regular file"));
      return;
    }
    std::pair<uint64_t, uint64_t> id{uint64_t(st.st_dev), uint64_t(st.st_ino)};
    if (!seen_files.insert(id).second) {
      // Read already: a repeat is harmless; a file that includes itself (directly or not) is a loop, said once.
      if (std::find(stack.begin(), stack.end(), id) != stack.end() && warned_loops.insert(id).second)
        out.warnings.push_back(conf + ": include loop (" + from + " includes it while it is being read); each "
                               "file is read once");
      return;
    }
    if (files_read >= kMaxConfFiles) {
      if (!limit_warned) out.warnings.push_back(conf + ": not read: more than " + std::to_string(kMaxConfFiles) +
                                                " ld.so.conf files included; the rest are ignored");
      limit_warned = true;
      return;
    }
    ++files_read;
    stack.push_back(id);
    read_lines(conf, *host, depth);
    stack.pop_back();
  }

  void read_lines(const std::string& conf, const std::string& host, int depth) {
    auto bytes = read_file(host, kMaxConfBytes);
    if (!bytes) {
      out.warnings.push_back(conf + ": not read: " + bytes.error().message);
      return;
    }
    auto items = parse_ld_so_conf_text(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
    for (auto& item : items) {
      if (!item.include) {
        if (seen_dirs.insert(item.value).second) out.dirs.push_back(item.value);
        continue;
      }
      std::string pattern = item.value;
      if (pattern[0] != '/') pattern = join_path(dirname_of(conf), pattern);
      pattern = normalize_path(pattern);  // "/../../*" must not glob outside the root
      glob_t g{};
      std::string host_pattern = fs.sysroot() + pattern;
      if (::glob(host_pattern.c_str(), 0, nullptr, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i)
          read(std::string(g.gl_pathv[i]).substr(fs.sysroot().size()), depth + 1, conf);
      }
      ::globfree(&g);
    }
  }
};

}  // namespace

LdSoConf read_ld_so_conf_checked(const std::string& sysroot, const std::string& conf_path) {
  RootFs fs(sysroot);
  LdSoConf out;
  ConfWalk walk{fs, out};
  walk.read(conf_path, 0, "");
  return out;
}

std::vector<std::string> read_ld_so_conf(const std::string& sysroot, const std::string& conf_path) {
  return read_ld_so_conf_checked(sysroot, conf_path).dirs;
}

}  // namespace ferry::resolve
