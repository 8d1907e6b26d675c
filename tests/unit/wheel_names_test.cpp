// Wheel file names, platform tags, graft names, WHEEL/RECORD rewriting and member order: auditwheel's rules
// (wheeltools.add_platforms, policy.get_replace_platforms, repair.copylib, tools.walk), in memory.
#include <catch2/catch.hpp>

#include <algorithm>

#include "wheel/wheel_metadata.hpp"
#include "wheel/wheel_name.hpp"
#include "wheel/wheel_zip.hpp"

using namespace ferry;
using namespace ferry::wheel;

TEST_CASE("wheel file names parse with and without a build tag, and bad names say which rule they break") {
  auto w = parse_wheel_name("dir/numpy-1.26.0-1build-cp311-cp311-linux_x86_64.linux_i686.whl");
  REQUIRE(w.ok());
  CHECK(w->distribution == "numpy");
  CHECK(w->version == "1.26.0");
  CHECK(w->build == "1build");
  CHECK(w->python == "cp311");
  CHECK(w->platform_tags == std::vector<std::string>{"linux_x86_64", "linux_i686"});
  CHECK(w->prefix == "numpy-1.26.0-1build-cp311-cp311");
  auto plain = parse_wheel_name("pkg-2.0-py3-none-any.whl");
  REQUIRE(plain.ok());
  CHECK(plain->build.empty());
  auto bad = parse_wheel_name("pkg-2.0-py3-any.whl");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("4 '-'-separated fields") != std::string::npos);
  CHECK_FALSE(parse_wheel_name("pkg-2.0-x-py3-none-any.whl").ok());  // build tag must start with a digit
  CHECK_FALSE(parse_wheel_name("pkg-2.0-py3-none-any.zip").ok());
}

TEST_CASE("a new manylinux or musllinux tag replaces linux_<arch>; linux tags replace nothing") {
  CHECK(replaced_platforms("manylinux_2_17_x86_64") == std::vector<std::string>{"linux_x86_64"});
  CHECK(replaced_platforms("manylinux2014_aarch64") == std::vector<std::string>{"linux_aarch64"});
  CHECK(replaced_platforms("manylinux1_i686") == std::vector<std::string>{"linux_i686"});
  CHECK(replaced_platforms("musllinux_1_2_x86_64") == std::vector<std::string>{"linux_x86_64"});
  CHECK(replaced_platforms("linux_x86_64").empty());
}

TEST_CASE("repaired file names keep the prefix and list the platform tags sorted, legacy alias first") {
  auto w = *parse_wheel_name("pkg-1.0-2-cp311-cp311-linux_x86_64.whl");
  auto r = repaired_tags(w, {"manylinux_2_5_x86_64", "manylinux1_x86_64"}, {"linux_x86_64"});
  CHECK(r.file_name == "pkg-1.0-2-cp311-cp311-manylinux1_x86_64.manylinux_2_5_x86_64.whl");
  auto r2 = repaired_tags(w, {"manylinux_2_5_x86_64", "manylinux1_x86_64", "manylinux_2_17_x86_64",
                              "manylinux2014_x86_64"}, {"linux_x86_64"});
  CHECK(r2.file_name ==
        "pkg-1.0-2-cp311-cp311-manylinux1_x86_64.manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_5_x86_64.whl");
  // Re-repair: the tags are already there, the name does not change.
  auto again = *parse_wheel_name(r.file_name);
  CHECK(repaired_tags(again, {"manylinux_2_5_x86_64", "manylinux1_x86_64"}, {"linux_x86_64"}).file_name == r.file_name);
  // `any` next to a real platform goes, and the wheel becomes platlib.
  auto pure = *parse_wheel_name("pkg-1.0-py3-none-any.whl");
  auto rp = repaired_tags(pure, {"manylinux_2_17_x86_64"}, {"linux_x86_64"});
  CHECK(rp.file_name == "pkg-1.0-py3-none-manylinux_2_17_x86_64.whl");
  CHECK(rp.removed_any);
}

TEST_CASE("grafted names are <stem>-<8 hex of sha256>.<rest> of the real file, and grafting twice keeps them") {
  std::string hex = "f877f91f0123456789";
  CHECK(graft_name("libsnappy.so.1.1.9", hex) == "libsnappy-f877f91f.so.1.1.9");
  CHECK(graft_name("libsnappy-f877f91f.so.1.1.9", hex) == "libsnappy-f877f91f.so.1.1.9");
  CHECK(graft_name("libfoo", hex) == "libfoo-f877f91f");
  CHECK(graft_name("libgcc_s.so.1", hex) == "libgcc_s-f877f91f.so.1");
}

TEST_CASE("WHEEL Tag lines: replaced tags dropped, new py-abi x platform tags appended in order") {
  std::string in = "Wheel-Version: 1.0\nGenerator: bdist_wheel (0.41.2)\nRoot-Is-Purelib: false\n"
                   "Tag: cp311-cp311-linux_x86_64\n\n";
  auto out = rewrite_wheel_tags(in, {"manylinux_2_5_x86_64", "manylinux1_x86_64"}, {"linux_x86_64"}, false);
  REQUIRE(out);
  CHECK(*out == "Wheel-Version: 1.0\nGenerator: bdist_wheel (0.41.2)\nRoot-Is-Purelib: false\n"
                "Tag: cp311-cp311-manylinux_2_5_x86_64\nTag: cp311-cp311-manylinux1_x86_64\n\n");
  // Unchanged tags: nullopt, the file is kept byte for byte.
  CHECK_FALSE(rewrite_wheel_tags(*out, {"manylinux_2_5_x86_64", "manylinux1_x86_64"}, {"linux_x86_64"}, false));
  auto multi = rewrite_wheel_tags("Tag: py2-none-any\nTag: py3-none-any\n\n", {"manylinux_2_17_x86_64"},
                                  {"linux_x86_64", "any"}, true);
  REQUIRE(multi);
  CHECK(*multi == "Root-Is-Purelib: False\nTag: py2-none-manylinux_2_17_x86_64\nTag: py3-none-manylinux_2_17_x86_64\n\n");
}

TEST_CASE("WHEEL Tag lines: a platform both removed and wanted (a macOS repair that keeps its tag) keeps its tags") {
  const std::string in = "Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp311-cp311-macosx_10_15_universal2\n\n";
  CHECK_FALSE(rewrite_wheel_tags(in, {"macosx_10_15_universal2"}, {"macosx_10_15_universal2"}, false));
  auto more = rewrite_wheel_tags(in, {"macosx_10_15_universal2", "macosx_11_0_arm64"}, {"macosx_10_15_universal2"}, false);
  REQUIRE(more);
  CHECK(wheel_tags(*more) == std::vector<std::string>{"cp311-cp311-macosx_10_15_universal2", "cp311-cp311-macosx_11_0_arm64"});
}

TEST_CASE("RECORD lines are csv.writer rows with CRLF; parsing accepts quotes and both line ends") {
  // sha256("") in urlsafe base64 without padding, as pip writes it.
  CHECK(record_hash(sha256({})) == "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
  CHECK(record_line("a/b.py", "sha256=x", "12") == "a/b.py,sha256=x,12\r\n");
  CHECK(record_line("a,b.py", "sha256=x", "1") == "\"a,b.py\",sha256=x,1\r\n");
  CHECK(record_line("pkg-1.0.dist-info/RECORD", "", "") == "pkg-1.0.dist-info/RECORD,,\r\n");
  auto r = parse_record("a.py,sha256=x,1\r\n\"b,\"\"q\"\".py\",sha256=y,2\nRECORD,,\n", "RECORD");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 3);
  CHECK((*r)[1].path == "b,\"q\".py");
  CHECK((*r)[2].hash.empty());
  auto bad = parse_record("a.py,sha256=x\n", "W!RECORD");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().describe() == "W!RECORD: RECORD line 1: 2 fields, expected 3 (path,hash,size)");
}

TEST_CASE("member order is auditwheel's walk: files before subdirectories, .dist-info last, RECORD last in it") {
  std::vector<std::string> names = {"pkg-1.0.dist-info/RECORD", "pkg-1.0.dist-info/licenses/LICENSE",
                                    "pkg-1.0.dist-info/WHEEL", "pkg/sub/x.so", "pkg/z.py", "pkg.libs/liba.so",
                                    "top.py", "pkg/a.py", "pkg-1.0.dist-info/METADATA"};
  std::sort(names.begin(), names.end(), walk_order_less);
  CHECK(names == std::vector<std::string>{"top.py", "pkg/a.py", "pkg/z.py", "pkg/sub/x.so", "pkg.libs/liba.so",
                                          "pkg-1.0.dist-info/METADATA", "pkg-1.0.dist-info/WHEEL",
                                          "pkg-1.0.dist-info/RECORD", "pkg-1.0.dist-info/licenses/LICENSE"});
}

TEST_CASE("unsafe member names and escaping symlinks are refused, naming the member") {
  auto member = [](std::string n, bool dir = false) {
    ZipMember m;
    m.name = std::move(n);
    m.is_dir = dir;
    return m;
  };
  CHECK(check_members({member("a/b.py"), member("a/", true)}, "w.whl").ok());
  auto trav = check_members({member("a/../../x")}, "w.whl");
  REQUIRE_FALSE(trav.ok());
  CHECK(trav.error().describe() == "w.whl: unsafe member 'a/../../x': a '..' component (path traversal)");
  CHECK_FALSE(check_members({member("/etc/passwd")}, "w.whl").ok());
  CHECK_FALSE(check_members({member("C:/x")}, "w.whl").ok());
  CHECK_FALSE(check_members({member("a\\b")}, "w.whl").ok());
  CHECK_FALSE(check_members({member("a.py"), member("a.py")}, "w.whl").ok());
  CHECK_FALSE(check_members({member("a"), member("a/b")}, "w.whl").ok());
  CHECK(check_symlink_target("pkg/lib/a.so", "../b.so", "w.whl").ok());
  CHECK_FALSE(check_symlink_target("pkg/a.so", "../../etc/passwd", "w.whl").ok());
  CHECK_FALSE(check_symlink_target("pkg/a.so", "/usr/lib/libc.so.6", "w.whl").ok());
}

TEST_CASE("member names are normalised as pip installs them, and aliases of one name are refused naming both") {
  // Python: os.path.normpath / zipfile's extraction drop empty and '.' components.
  CHECK(normalize_member_name("simple/./_x.so") == "simple/_x.so");
  CHECK(normalize_member_name("simple//_x.so") == "simple/_x.so");
  CHECK(normalize_member_name("./simple/_x.so") == "simple/_x.so");
  CHECK(normalize_member_name("simple/./") == "simple/");
  CHECK(normalize_member_name("./") == "");
  CHECK(normalize_member_name("a/../b") == "a/../b");  // '..' is check_members' to refuse
  auto member = [](std::string stored) {
    ZipMember m;
    m.stored_name = stored;
    m.name = normalize_member_name(stored);
    m.is_dir = stored.back() == '/';
    return m;
  };
  auto dup = check_members({member("simple/_x.so"), member("simple/./_x.so")}, "w.whl");
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().describe() ==
        "w.whl: unsafe member 'simple/./_x.so': the same file as member 'simple/_x.so' once the name is normalised to "
        "'simple/_x.so' (as pip installs it)");
  CHECK_FALSE(check_members({member("./a"), member("a/")}, "w.whl").ok());
  CHECK_FALSE(check_members({member("./")}, "w.whl").ok());
  CHECK_FALSE(check_members({member("//etc/passwd")}, "w.whl").ok());  // absolute as stored
  CHECK(check_members({member("./simple/_x.so"), member("simple/")}, "w.whl").ok());
}

TEST_CASE("zip times come from SOURCE_DATE_EPOCH in UTC, clamped to 1980") {
  uint16_t t = 0, d = 0;
  dos_time_utc(1700000000, t, d);  // 2023-11-14 22:13:20 UTC
  CHECK(t == ((22 << 11) | (13 << 5) | 10));
  CHECK(d == (((2023 - 1980) << 9) | (11 << 5) | 14));
  dos_time_utc(0, t, d);
  CHECK(d == ((0 << 9) | (1 << 5) | 1));
  CHECK(t == 0);
}
