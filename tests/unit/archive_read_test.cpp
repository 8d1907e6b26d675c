// Archive members read in memory: zip (wheels) and tar with every compression, made by independent tools
// (python3's zipfile, GNU tar), plus limits, corrupt archives and unsafe member names.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "archive/archive.hpp"

using namespace ferry;
using namespace ferry::archive;
namespace fs = std::filesystem;

namespace {

struct Scratch {
  fs::path dir;
  Scratch() {
    char tmpl[] = "/tmp/ferry-archive-test.XXXXXX";
    dir = mkdtemp(tmpl);
  }
  ~Scratch() { fs::remove_all(dir); }
  std::string path(const std::string& name) const { return (dir / name).string(); }
  void write(const std::string& name, const std::string& content) const {
    fs::create_directories((dir / name).parent_path());
    std::ofstream(dir / name, std::ios::binary) << content;
  }
  int sh(const std::string& cmd) const { return std::system(("cd '" + dir.string() + "' && " + cmd).c_str()); }
};

std::map<std::string, std::string> read_all(const std::string& path, const MemberFilter& filter = {}) {
  std::map<std::string, std::string> out;
  auto st = for_each_member(path, filter, [&](const Member& m, std::vector<uint8_t>&& b) -> Status {
    out[m.name] = std::string(b.begin(), b.end());
    return {};
  });
  REQUIRE(st.ok());
  return out;
}

}  // namespace

TEST_CASE("zip members are read in memory with their names, sizes and unix modes") {
  // A wheel-like zip made by python3's zipfile, with a symlink entry and a directory entry.
  Scratch s;
  REQUIRE(s.sh("python3 - <<'EOF'\n"
               "import zipfile\n"
               "z = zipfile.ZipFile('w.whl', 'w', zipfile.ZIP_DEFLATED)\n"
               "z.writestr('pkg/', '')\n"
               "i = zipfile.ZipInfo('pkg/_ext.so'); i.external_attr = 0o100755 << 16; i.create_system = 3\n"
               "z.writestr(i, b'\\x7fELF' + b'x' * 5000, zipfile.ZIP_DEFLATED)\n"
               "z.writestr('pkg/__init__.py', 'print(1)\\n')\n"
               "l = zipfile.ZipInfo('pkg/link.so'); l.external_attr = 0o120777 << 16; l.create_system = 3\n"
               "z.writestr(l, '_ext.so')\n"
               "z.close()\n"
               "EOF") == 0);
  auto fmt = detect_format(s.path("w.whl"));
  REQUIRE(fmt.ok());
  CHECK(*fmt == Format::zip);
  auto members = list_members(s.path("w.whl"));
  REQUIRE(members.ok());
  REQUIRE(members->size() == 4);
  CHECK((*members)[0].name == "pkg/");
  CHECK_FALSE((*members)[0].regular);
  CHECK((*members)[1].name == "pkg/_ext.so");
  CHECK((*members)[1].size == 5004);
  CHECK((*members)[1].mode == 0100755);
  CHECK((*members)[3].symlink);
  auto all = read_all(s.path("w.whl"));
  CHECK(all.size() == 2);  // regular files only
  CHECK(all["pkg/_ext.so"].size() == 5004);
  CHECK(all["pkg/__init__.py"] == "print(1)\n");
  auto only_so = read_all(s.path("w.whl"), [](const Member& m) { return m.name.size() > 3 && m.name.substr(m.name.size() - 3) == ".so"; });
  CHECK(only_so.size() == 1);
  auto one = read_member(s.path("w.whl"), "pkg/__init__.py");
  REQUIRE(one.ok());
  CHECK(std::string(one->begin(), one->end()) == "print(1)\n");
}

TEST_CASE("tar members are read from plain, gzip, xz and zstd tarballs") {
  // GNU tar makes each; the same members come back from each compression.
  Scratch s;
  s.write("src/bin/tool", std::string("\x7f" "ELF", 4) + std::string(3000, 'a'));
  s.write("src/lib/libx.so.1", "library");
  REQUIRE(s.sh("ln -s libx.so.1 src/lib/libx.so") == 0);
  REQUIRE(s.sh("tar -cf t.tar -C src bin lib && tar -czf t.tar.gz -C src bin lib && tar -cJf t.tar.xz -C src bin lib"
               " && tar --zstd -cf t.tar.zst -C src bin lib") == 0);
  for (const char* name : {"t.tar", "t.tar.gz", "t.tar.xz", "t.tar.zst"}) {
    INFO(name);
    auto fmt = detect_format(s.path(name));
    REQUIRE(fmt.ok());
    CHECK(*fmt == Format::tar);
    auto all = read_all(s.path(name));
    REQUIRE(all.size() == 2);
    CHECK(all["bin/tool"].size() == 3004);
    CHECK(all["lib/libx.so.1"] == "library");
    auto members = list_members(s.path(name));
    REQUIRE(members.ok());
    bool saw_link = false;
    for (const auto& m : *members)
      if (m.name == "lib/libx.so") {
        saw_link = true;
        CHECK(m.symlink);
        CHECK(m.link_target == "libx.so.1");
      }
    CHECK(saw_link);
  }
}

TEST_CASE("members over the size limit are skipped with an error naming them") {
  // A hostile archive cannot make ferry allocate more than the limit.
  Scratch s;
  s.write("src/big", std::string(10000, 'b'));
  s.write("src/small", "s");
  REQUIRE(s.sh("tar -czf t.tgz -C src big small") == 0);
  ReadLimits limits;
  limits.max_member_size = 1000;
  std::vector<Error> skipped;
  std::vector<std::string> seen;
  auto st = for_each_member(s.path("t.tgz"), {}, [&](const Member& m, std::vector<uint8_t>&&) -> Status {
    seen.push_back(m.name);
    return {};
  }, limits, &skipped);
  REQUIRE(st.ok());
  CHECK(seen == std::vector<std::string>{"small"});
  REQUIRE(skipped.size() == 1);
  CHECK_THAT(skipped[0].message, Catch::Contains("member big is larger than the 1000-byte limit"));
}

TEST_CASE("a head filter reads only members whose first bytes it accepts, whole and in archive order") {
  // check's filter: only ELF members are read past their first 64 bytes.
  Scratch s;
  s.write("src/a.so", "\x7f" "ELF" + std::string(300000, 'e'));  // more than one 256 KiB chunk
  s.write("src/b.txt", std::string(300000, 't'));
  s.write("src/c.so", "\x7f" "ELF");
  REQUIRE(s.sh("tar -cf t.tar -C src a.so b.txt c.so") == 0);
  std::map<std::string, size_t> seen;
  auto st = for_each_member(
      s.path("t.tar"), {},
      [&](const Member& m, std::vector<uint8_t>&& b) -> Status {
        seen[m.name] = b.size();
        return {};
      },
      {}, nullptr, [](const uint8_t* h, size_t n) { return n >= 4 && h[0] == 0x7f && h[1] == 'E'; });
  REQUIRE(st.ok());
  CHECK(seen == std::map<std::string, size_t>{{"a.so", 300004}, {"c.so", 4}});
}

TEST_CASE("corrupt and non-archive inputs are errors naming the file, never crashes") {
  // A truncated zip, a truncated tar.gz, an ELF and a missing file.
  Scratch s;
  REQUIRE(s.sh("python3 -c \"import zipfile; z=zipfile.ZipFile('w.zip','w', zipfile.ZIP_STORED); "
               "z.writestr('a', 'x'*100000); z.close()\" && head -c 300 w.zip > cut.zip") == 0);
  s.write("src/a", std::string(200000, 'q'));
  REQUIRE(s.sh("tar -czf t.tgz -C src a && head -c 200 t.tgz > cut.tgz && cp /bin/true elf") == 0);
  auto z = for_each_member(s.path("cut.zip"), {}, [](const Member&, std::vector<uint8_t>&&) -> Status { return {}; });
  REQUIRE_FALSE(z.ok());
  CHECK(z.error().path == s.path("cut.zip"));
  auto t = for_each_member(s.path("cut.tgz"), {}, [](const Member&, std::vector<uint8_t>&&) -> Status { return {}; });
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().path == s.path("cut.tgz"));
  CHECK_FALSE(is_archive(s.path("elf")));
  CHECK_FALSE(is_archive(s.path("missing")));
  auto m = detect_format(s.path("missing"));
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().code == ErrorCode::io);
}

TEST_CASE("unsafe member names are recognised") {
  // Absolute paths, .. components and drive letters would escape an extraction directory.
  CHECK(is_unsafe_member_name("/etc/passwd"));
  CHECK(is_unsafe_member_name("../x"));
  CHECK(is_unsafe_member_name("pkg/../../x"));
  CHECK(is_unsafe_member_name("pkg\\..\\x"));
  CHECK(is_unsafe_member_name("C:/x"));
  CHECK(is_unsafe_member_name(""));
  CHECK_FALSE(is_unsafe_member_name("pkg/_ext.so"));
  CHECK_FALSE(is_unsafe_member_name("pkg/..hidden"));
  CHECK(member_display_path("a.whl", "pkg/_ext.so") == "a.whl!pkg/_ext.so");
}
