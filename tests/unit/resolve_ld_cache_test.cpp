// ld.so.cache parsing (old, new, combined layouts; glibc-hwcaps extension; damage) and ld.so.conf includes.
// The host's own cache is checked against `ldconfig -p`, the independent oracle.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "resolve/ld_cache.hpp"
#include "resolve/root_fs.hpp"

using namespace ferry;
using namespace ferry::resolve;

namespace {

void put32(std::vector<uint8_t>& b, size_t off, uint32_t v) {
  if (b.size() < off + 4) b.resize(off + 4);
  for (int i = 0; i < 4; ++i) b[off + i] = uint8_t(v >> (8 * i));
}
void put64(std::vector<uint8_t>& b, size_t off, uint64_t v) {
  put32(b, off, uint32_t(v));
  put32(b, off + 4, uint32_t(v >> 32));
}
size_t add_string(std::vector<uint8_t>& b, const std::string& s) {
  size_t off = b.size();
  b.insert(b.end(), s.begin(), s.end());
  b.push_back(0);
  return off;
}

auto parse(const std::vector<uint8_t>& b, const std::string& name) {
  return parse_ld_cache(ByteView(b.data(), b.size()), name);
}
// The error parsing the damaged cache `b` as "bad" gives (the test fails if it parses).
Error parse_error(const std::vector<uint8_t>& b) {
  auto c = parse(b, "bad");
  REQUIRE_FALSE(c);
  return c.error();
}

struct E {
  std::string key, value;
  int32_t flags;
  uint64_t hwcap;
};

// A "glibc-ld.so.cache1.1" image; offsets relative to its start. `hwcaps` become the extension's subdirs.
std::vector<uint8_t> new_cache(const std::vector<E>& entries, const std::vector<std::string>& hwcaps = {}) {
  std::vector<uint8_t> b(48 + 24 * entries.size(), 0);
  std::memcpy(b.data(), "glibc-ld.so.cache1.1", 20);
  put32(b, 20, uint32_t(entries.size()));
  b[28] = 2;  // little endian
  for (size_t i = 0; i < entries.size(); ++i) {
    size_t k = add_string(b, entries[i].key), v = add_string(b, entries[i].value);
    size_t o = 48 + 24 * i;
    put32(b, o, uint32_t(entries[i].flags));
    put32(b, o + 4, uint32_t(k));
    put32(b, o + 8, uint32_t(v));
    put64(b, o + 16, entries[i].hwcap);
  }
  if (!hwcaps.empty()) {
    std::vector<size_t> names;
    for (auto& h : hwcaps) names.push_back(add_string(b, h));
    while (b.size() % 4) b.push_back(0);
    size_t table = b.size();
    for (size_t i = 0; i < names.size(); ++i) put32(b, table + 4 * i, uint32_t(names[i]));
    size_t ext = b.size();
    put32(b, ext, 0xeaa42174);
    put32(b, ext + 4, 1);
    put32(b, ext + 8, 1);  // tag glibc_hwcaps
    put32(b, ext + 12, 0);
    put32(b, ext + 16, uint32_t(table));
    put32(b, ext + 20, uint32_t(4 * names.size()));
    put32(b, 32, uint32_t(ext));
  }
  return b;
}

// An "ld.so-1.7.0" image; string offsets relative to the end of the entry table.
std::vector<uint8_t> old_cache(const std::vector<E>& entries) {
  std::vector<uint8_t> b(16 + 12 * entries.size(), 0);
  std::memcpy(b.data(), "ld.so-1.7.0", 11);
  put32(b, 12, uint32_t(entries.size()));
  size_t strings = b.size();
  for (size_t i = 0; i < entries.size(); ++i) {
    size_t k = add_string(b, entries[i].key) - strings, v = add_string(b, entries[i].value) - strings;
    put32(b, 16 + 12 * i, uint32_t(entries[i].flags));
    put32(b, 16 + 12 * i + 4, uint32_t(k));
    put32(b, 16 + 12 * i + 8, uint32_t(v));
  }
  return b;
}

constexpr int32_t kX64 = 0x0303;

}  // namespace

TEST_CASE("the host's ld.so.cache parses to exactly the x86-64 entries ldconfig -p lists", "[resolve]") {
  auto cache = read_ld_cache("/etc/ld.so.cache");
  if (!cache) {
    WARN("no /etc/ld.so.cache: " << cache.error().describe());
    return;
  }
  FILE* p = ::popen("ldconfig -p 2>/dev/null || /sbin/ldconfig -p", "r");
  REQUIRE(p);
  std::multiset<std::string> oracle, ours;
  char line[4096];
  while (std::fgets(line, sizeof line, p)) {
    std::string s(line);
    // "\tlibz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1" (hwcaps entries add ", hwcap: ...")
    auto paren = s.find(" ("), arrow = s.find(") => ");
    if (paren == std::string::npos || arrow == std::string::npos) continue;
    std::string key = s.substr(1, paren - 1), abi = s.substr(paren + 2, arrow - paren - 2);
    std::string value = s.substr(arrow + 5);
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    if (abi.rfind("libc6,x86-64", 0) == 0) oracle.insert(key + " => " + value);
  }
  ::pclose(p);
  for (auto& e : cache->entries)
    if (e.flags == kX64) ours.insert(std::string(e.key) + " => " + std::string(e.value));
  REQUIRE(oracle.size() > 10);
  CHECK(ours == oracle);
  CHECK(cache->new_format);
}

TEST_CASE("new-format cache: lookup matches flags and prefers the best supported glibc-hwcaps entry", "[resolve]") {
  const uint64_t ext = 1ULL << 62;
  auto b = new_cache({{"libx.so.1", "/opt/glibc-hwcaps/x86-64-v4/libx.so.1", kX64, ext | 1},
                      {"libx.so.1", "/opt/glibc-hwcaps/x86-64-v3/libx.so.1", kX64, ext | 0},
                      {"libx.so.1", "/opt/libx.so.1", kX64, 0},
                      {"libx.so.1", "/opt32/libx.so.1", 0x0003, 0}},
                     {"x86-64-v3", "x86-64-v4"});
  auto c = parse(b, "cache");
  REQUIRE(c);
  REQUIRE(c->entries.size() == 4);
  CHECK(c->entries[0].hwcaps_subdir == std::string("x86-64-v4"));
  CHECK(c->lookup("libx.so.1", kX64, {"x86-64-v4", "x86-64-v3", "x86-64-v2"}) ==
        std::string("/opt/glibc-hwcaps/x86-64-v4/libx.so.1"));
  CHECK(c->lookup("libx.so.1", kX64, {"x86-64-v3", "x86-64-v2"}) == std::string("/opt/glibc-hwcaps/x86-64-v3/libx.so.1"));
  CHECK(c->lookup("libx.so.1", kX64, {}) == std::string("/opt/libx.so.1"));
  CHECK(c->lookup("libx.so.1", 0x0003, {}) == std::string("/opt32/libx.so.1"));
  CHECK_FALSE(c->lookup("liby.so.1", kX64, {}));
}

TEST_CASE("old-format cache (ld.so-1.7.0) parses with strings after the entry table", "[resolve]") {
  auto b = old_cache({{"liba.so.1", "/lib/liba.so.1", kX64, 0}, {"libb.so.2", "/usr/lib/libb.so.2", kX64, 0}});
  auto c = parse(b, "old");
  REQUIRE(c);
  CHECK(c->old_format);
  CHECK_FALSE(c->new_format);
  CHECK(c->lookup("libb.so.2", kX64, {}) == std::string("/usr/lib/libb.so.2"));
}

TEST_CASE("combined cache (old header, new section after it) uses the new section, as glibc does", "[resolve]") {
  auto b = old_cache({{"liba.so.1", "/old/liba.so.1", kX64, 0}});
  while (b.size() % 8) b.push_back(0);
  // The new section starts at ALIGN(16 + 12 * nlibs, 8) = 32: the old string table is replaced by it.
  b.resize(32);
  auto n = new_cache({{"liba.so.1", "/new/liba.so.1", kX64, 0}});
  b.insert(b.end(), n.begin(), n.end());
  auto c = parse(b, "combined");
  REQUIRE(c);
  CHECK(c->old_format);
  CHECK(c->new_format);
  CHECK(c->lookup("liba.so.1", kX64, {}) == std::string("/new/liba.so.1"));
}

TEST_CASE("a damaged cache is an error naming the structure and offset, never a crash", "[resolve]") {
  auto b = new_cache({{"liba.so.1", "/lib/liba.so.1", kX64, 0}});
  SECTION("entry table larger than the file") {
    put32(b, 20, 1000000);
    auto e = parse_error(b);
    CHECK(e.message.find("new cache entry table (1000000 entries)") != std::string::npos);
    CHECK(e.path == "bad");
  }
  SECTION("string offset past the end") {
    put32(b, 48 + 4, 0x7fffffff);
    CHECK(parse_error(b).message.find("cache entry #0 key") != std::string::npos);
  }
  SECTION("hwcaps index without the extension") {
    put64(b, 48 + 16, (1ULL << 62) | 5);
    CHECK(parse_error(b).message == "cache entry #0: glibc-hwcaps index 5 is past the 0 subdirectories");
  }
  SECTION("not a cache") {
    auto c = parse_ld_cache(ByteView(b.data() + 1, b.size() - 1), "bad");
    REQUIRE_FALSE(c);
    CHECK(c.error().message.rfind("not an ld.so.cache", 0) == 0);
  }
  SECTION("every truncation") {
    for (size_t n = 0; n < b.size(); ++n) (void)parse_ld_cache(ByteView(b.data(), n), "cut");
  }
}

TEST_CASE("an old header followed by a truncated new header is an error, read within the file", "[resolve]") {
  // 16-byte old header with no entries, then the new magic at the aligned offset 16 and nothing else: 36 bytes.
  // The new header's endian byte (offset 16 + 28) is past the end; it was once read anyway (ASan: heap over-read).
  std::vector<uint8_t> b(16, 0);
  std::memcpy(b.data(), "ld.so-1.7.0", 11);
  b.insert(b.end(), {'g', 'l', 'i', 'b', 'c', '-', 'l', 'd', '.', 's', 'o', '.', 'c', 'a', 'c', 'h', 'e', '1', '.', '1'});
  REQUIRE(b.size() == 36);
  auto c = parse(b, "short");
  REQUIRE_FALSE(c);
  CHECK(c.error().message == "new cache header: 0x30 bytes at 0x10 run past the end of the data (0x24)");
  CHECK(c.error().offset == 16);
}

TEST_CASE("cache entries are views: 20,000 entries naming one 100 KB string share its bytes", "[resolve]") {
  // One long string and 20,000 entries naming it, after one ordinary entry.
  const size_t n = 20001;
  std::vector<uint8_t> c(48 + 24 * n, 0);
  std::memcpy(c.data(), "glibc-ld.so.cache1.1", 20);
  put32(c, 20, uint32_t(n));
  c[28] = 2;
  size_t k = add_string(c, "libhr.so.1"), v = add_string(c, "/opt/libhr.so.1");
  size_t big = add_string(c, std::string(100000, 'x'));
  for (size_t i = 0; i < n; ++i) {
    put32(c, 48 + 24 * i, uint32_t(kX64));
    put32(c, 48 + 24 * i + 4, uint32_t(i ? big : k));
    put32(c, 48 + 24 * i + 8, uint32_t(i ? big : v));
  }
  auto cache = parse(c, "views");
  REQUIRE(cache);
  REQUIRE(cache->entries.size() == n);
  CHECK(cache->entries[1].key.data() == cache->entries[n - 1].key.data());  // one string, not 20,000 copies
  CHECK(cache->entries[1].key.size() == 100000);
  CHECK(cache->lookup("libhr.so.1", kX64, {}) == std::string("/opt/libhr.so.1"));
}

TEST_CASE("overlapping cache strings cannot make parsing cost more than the file", "[resolve]") {
  // 4,000 entries whose keys start at successive offsets inside one 1 MB run: 4 GB of distinct strings.
  const size_t n = 4000;
  std::vector<uint8_t> c(48 + 24 * n, 0);
  std::memcpy(c.data(), "glibc-ld.so.cache1.1", 20);
  put32(c, 20, uint32_t(n));
  c[28] = 2;
  size_t run = add_string(c, std::string(1 << 20, 'y'));
  for (size_t i = 0; i < n; ++i) {
    put32(c, 48 + 24 * i + 4, uint32_t(run + i));
    put32(c, 48 + 24 * i + 8, uint32_t(run + i));
  }
  auto cache = parse(c, "overlap");
  REQUIRE_FALSE(cache);
  CHECK(cache.error().message.find("add up to more than the file could hold") != std::string::npos);
}

TEST_CASE("ld.so.conf include loops end: each file is read once, the loop is a warning", "[resolve]") {
  char tmpl[] = "/tmp/ferry-conf-XXXXXX";
  REQUIRE(::mkdtemp(tmpl));
  std::string root = tmpl;
  ::system(("mkdir -p " + root + "/etc/ld.so.conf.d").c_str());
  std::ofstream(root + "/etc/ld.so.conf") << "include /etc/ld.so.conf.d/*.conf\n";
  for (std::string n : {"a", "b", "c", "d"})
    std::ofstream(root + "/etc/ld.so.conf.d/" + n + ".conf") << "include /etc/ld.so.conf.d/*.conf\n/opt/" << n << "\n";
  auto conf = read_ld_so_conf_checked(root, "/etc/ld.so.conf");
  CHECK(conf.dirs == std::vector<std::string>{"/opt/d", "/opt/c", "/opt/b", "/opt/a"});
  REQUIRE(conf.warnings.size() == 4);  // a, b, c and d each close a loop once
  CHECK(conf.warnings[0] == "/etc/ld.so.conf.d/a.conf: include loop (/etc/ld.so.conf.d/a.conf includes it while "
                            "it is being read); each file is read once");
  ::system(("rm -rf " + root).c_str());
}

TEST_CASE("ld.so.conf includes nest at most 16 deep", "[resolve]") {
  char tmpl[] = "/tmp/ferry-conf-XXXXXX";
  REQUIRE(::mkdtemp(tmpl));
  std::string root = tmpl;
  ::system(("mkdir -p " + root + "/etc").c_str());
  std::ofstream(root + "/etc/ld.so.conf") << "include c0.conf\n";
  for (int i = 0; i < 20; ++i)
    std::ofstream(root + "/etc/c" + std::to_string(i) + ".conf")
        << "/d" << i << "\ninclude c" << (i + 1) << ".conf\n";
  auto conf = read_ld_so_conf_checked(root, "/etc/ld.so.conf");
  CHECK(conf.dirs.size() == 16);  // c0 .. c15 (depth 1 .. 16)
  REQUIRE(conf.warnings.size() == 1);
  CHECK(conf.warnings[0] == "/etc/c16.conf: not read: includes nest deeper than 16");
  ::system(("rm -rf " + root).c_str());
}

TEST_CASE("ld.so.conf follows include globs relative to the including file and skips comments", "[resolve]") {
  char tmpl[] = "/tmp/ferry-conf-XXXXXX";
  REQUIRE(::mkdtemp(tmpl));
  std::string root = tmpl;
  ::system(("mkdir -p " + root + "/etc/ld.so.conf.d").c_str());
  std::ofstream(root + "/etc/ld.so.conf") << "# top\ninclude ld.so.conf.d/*.conf\n/usr/local/lib\n";
  std::ofstream(root + "/etc/ld.so.conf.d/a.conf") << "/opt/a/lib  # trailing comment\n/opt/b/lib:/opt/c/lib\n";
  std::ofstream(root + "/etc/ld.so.conf.d/b.conf") << "include /etc/ld.so.conf.d/a.conf\n/opt/a/lib/\nhwcap 1 x\n";
  CHECK(read_ld_so_conf(root, "/etc/ld.so.conf") ==
        std::vector<std::string>{"/opt/a/lib", "/opt/b/lib", "/opt/c/lib", "/usr/local/lib"});
  ::system(("rm -rf " + root).c_str());
}

TEST_CASE("paths inside a root resolve absolute symlinks against the root, and .. never leaves it", "[resolve]") {
  char tmpl[] = "/tmp/ferry-root-XXXXXX";
  REQUIRE(::mkdtemp(tmpl));
  std::string root = tmpl;
  ::system(("mkdir -p " + root + "/usr/lib && touch " + root + "/usr/lib/libq.so && ln -s /usr/lib " + root +
            "/lib && ln -s ../../../../usr/lib/libq.so " + root + "/usr/lib/up.so").c_str());
  RootFs fs(root);
  CHECK(fs.real_path("/lib/libq.so") == std::string("/usr/lib/libq.so"));
  CHECK(fs.host_path("/lib/libq.so") == root + "/usr/lib/libq.so");
  CHECK(fs.real_path("/usr/lib/up.so") == std::string("/usr/lib/libq.so"));
  CHECK_FALSE(fs.host_path("/lib/missing.so"));
  CHECK(normalize_path("/a//b/./c/../d") == "/a/b/d");
  CHECK(dirname_of("/x") == "/");
  ::system(("rm -rf " + root).c_str());
}
