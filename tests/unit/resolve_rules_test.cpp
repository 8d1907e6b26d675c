// The resolver on the fixtures of fixtures/resolve/: one test per loader rule, each comparing the whole
// dependency tree (paths relative to the fixture directory, with the rule that found each library) to the tree
// glibc's loader builds. libc.so.6 and ld.so are left out of the expected trees so they do not depend on the host.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "resolve/resolve.hpp"
#include "test_support.hpp"

using namespace ferry;
using namespace ferry::resolve;

namespace {

std::string fixture_dir(const std::string& name) {
  const char* f = std::getenv("FERRY_FIXTURES");
  if (!f) return "";
  return std::string(f) + "/resolve/" + name;
}

std::string rel(std::string s, const std::string& dir) {
  for (size_t p; (p = s.find(dir)) != std::string::npos;) s.replace(p, dir.size(), "$D");
  return s;
}

// "  name -> path [rule via]" per node, depth-indented, marked "loaded" (already loaded) or "weak"; host libc and
// ld.so nodes and system libraries (PE, Mach-O) omitted.
std::string compact(const DependencyTree& t, const std::string& dir) {
  std::string out;
  std::function<void(const Node&, int)> walk = [&](const Node& n, int depth) {
    for (auto& c : n.children) {
      if (c.system || c.name == "libc.so.6" || c.name == "ld-linux-x86-64.so.2") continue;
      out += std::string(depth * 2, ' ') + rel(c.name, dir) + " -> " + (c.path ? rel(*c.path, dir) : "NOT FOUND") + " [" +
             to_string(c.rule) + (c.via.empty() ? "" : " " + rel(c.via, dir)) + "]" + (c.already_loaded ? " loaded" : "") +
             (c.weak ? " weak" : "") + "\n";
      walk(c, depth + 1);
    }
  };
  walk(t.root, 0);
  return out;
}

// Options for the loader of a named profile (musl, centos7, debian11...).
ResolveOptions profile(const char* name) {
  ResolveOptions o;
  o.profile = *find_profile(name);
  return o;
}

struct Case {
  std::string dir;
  DependencyTree tree;
  bool ok = false;
};

Case run(const std::string& name, ResolveOptions opts = {}) {
  Case c;
  c.dir = fixture_dir(name);
  if (c.dir.empty()) {
    WARN("FERRY_FIXTURES not set: run through ctest");
    return c;
  }
  if (!opts.ld_library_path) opts.ld_library_path = "";
  Resolver r(opts);
  auto t = r.resolve(c.dir + "/main");
  if (!t) {
    WARN(t.error().describe());
    return c;
  }
  c.tree = std::move(t.value());
  c.ok = true;
  return c;
}

// A loader rule that one fixture's whole tree proves: the behaviour, the fixture, the directory of the fixture put
// on LD_LIBRARY_PATH ("" for none) and the tree glibc's loader builds.
struct RuleTree {
  const char* behaviour;
  const char* fixture;
  const char* llp;
  const char* tree;
};

}  // namespace

TEST_CASE("each loader rule proven by one fixture gives the whole tree glibc's loader builds", "[resolve]") {
  auto r = GENERATE(values<RuleTree>({
      {"a DT_NEEDED name with a slash is opened as a path, without any search", "01_direct_path", "",
       "$D/lib/libdirect.so -> $D/lib/libdirect.so [direct_path]\n"},
      {"RPATH is inherited: the executable's RPATH finds a library needed two levels down", "02_rpath_of_parents_parent", "",
       "liba.so.1 -> $D/l1/liba.so.1 [rpath $D/main]\n"
       "  libb.so.1 -> $D/l1/../l2/libb.so.1 [rpath $D/l1/liba.so.1]\n"
       "    libc1.so.1 -> $D/l1/libc1.so.1 [rpath $D/main]\n"},
      {"an object with RUNPATH stops the RPATH chain of its loaders for its own dependencies",
       "04_runpath_of_loader_disables_rpath_chain", "",
       "liba.so.1 -> $D/r/liba.so.1 [rpath $D/main]\n"
       "  libb.so.1 -> $D/r/../u/libb.so.1 [runpath $D/r/liba.so.1]\n"},
      {"RPATH comes before LD_LIBRARY_PATH", "07_rpath_before_ld_library_path", "/llp",
       "libl.so.1 -> $D/r/libl.so.1 [rpath $D/main]\n"},
      {"LD_LIBRARY_PATH comes before RUNPATH", "08_ld_library_path_before_runpath", "/llp",
       "libl.so.1 -> $D/llp/libl.so.1 [ld_library_path]\n"},
      {"$ORIGIN and ${ORIGIN} both expand to the program's directory", "10_origin_both_spellings", "",
       "liba.so.1 -> $D/a/liba.so.1 [rpath $D/main]\n"
       "libb.so.1 -> $D/b/libb.so.1 [rpath $D/main]\n"},
      {"a soname already loaded satisfies a later request without any search", "14_already_loaded_by_soname", "",
       "libfoo.so.1 -> $D/lib/libfoo.so.1 [runpath $D/main]\n"
       "liba.so.1 -> $D/lib/liba.so.1 [runpath $D/main]\n"
       "  libfoo.so.1 -> $D/lib/libfoo.so.1 [already_loaded $D/lib/libfoo.so.1] loaded\n"},
      {"dynamic string tokens in a DT_NEEDED path are expanded", "18_dst_in_needed", "",
       "$ORIGIN/lib/libd.so -> $D/lib/libd.so [direct_path]\n"},
  }));
  INFO(r.behaviour << " (fixture " << r.fixture << ")");
  ResolveOptions o;
  if (*r.llp) o.ld_library_path = fixture_dir(r.fixture) + r.llp;
  auto c = run(r.fixture, o);
  if (!c.ok) return;
  CHECK(compact(c.tree, c.dir) == r.tree);
}

TEST_CASE("RUNPATH applies only to the object's own DT_NEEDED, and a missing library lists every place tried", "[resolve]") {
  auto c = run("03_runpath_not_inherited");
  if (!c.ok) return;
  CHECK(compact(c.tree, c.dir) ==
        "liba.so.1 -> $D/lib/liba.so.1 [runpath $D/main]\n"
        "  libb.so.1 -> NOT FOUND [not_found]\n");
  CHECK(c.tree.missing == std::vector<std::string>{"libb.so.1"});
  const Node& b = c.tree.root.children[0].children[0];
  REQUIRE(b.tried.size() >= 2);
  CHECK(b.tried[0].rule == Rule::ld_so_cache);
  CHECK(b.tried.back().rule == Rule::default_dir);
}

TEST_CASE("musl treats RUNPATH like an inherited RPATH, so the same tree resolves completely", "[resolve]") {
  auto c = run("03_runpath_not_inherited", profile("musl"));
  if (!c.ok) return;
  CHECK(c.tree.root.children[0].children[0].path == c.dir + "/lib/libb.so.1");
  CHECK(c.tree.root.children[0].children[0].rule == Rule::runpath);
}

TEST_CASE("DT_RPATH is ignored in an object that also has DT_RUNPATH", "[resolve]") {
  auto c = run("05_rpath_ignored_when_runpath");
  if (!c.ok) return;
  REQUIRE(c.tree.root.elf()->rpath);
  REQUIRE(c.tree.root.elf()->runpath);
  CHECK(compact(c.tree, c.dir) == "libb.so.1 -> $D/u/libb.so.1 [runpath $D/main]\n");
}

TEST_CASE("LD_LIBRARY_PATH finds a library no other rule does, and secure mode ignores it", "[resolve]") {
  ResolveOptions o;
  std::string dir = fixture_dir("06_ld_library_path");
  o.ld_library_path = dir + "/nothing:" + dir + "/llp";
  auto c = run("06_ld_library_path", o);
  if (!c.ok) return;
  CHECK(compact(c.tree, c.dir) == "libl.so.1 -> $D/llp/libl.so.1 [ld_library_path]\n");
  o.secure = true;
  auto s = run("06_ld_library_path", o);
  CHECK(compact(s.tree, s.dir) == "libl.so.1 -> NOT FOUND [not_found]\n");
}

TEST_CASE("DF_1_NODEFLIB drops cache hits in system dirs and the default dirs for that object's needs", "[resolve]") {
  auto c = run("09_nodeflib");
  if (!c.ok) return;
  CHECK(compact(c.tree, c.dir) ==
        "libnd.so.1 -> $D/lib/libnd.so.1 [rpath $D/main]\n"
        "  libz.so.1 -> NOT FOUND [not_found]\n");
  const Node& z = c.tree.root.children[0].children[0];
  REQUIRE(z.tried.size() == 2);
  CHECK(z.tried[1].rule == Rule::ld_so_cache);
  CHECK(z.tried[1].note == "dropped: DF_1_NODEFLIB");
}

TEST_CASE("$LIB and ${PLATFORM} expand per the loader profile (Debian: lib/x86_64-linux-gnu, the loader's platform)",
          "[resolve]") {
  auto c = run("11_lib_and_platform_tokens");
  if (!c.ok) return;
  // The fixture asked the host loader for its dl_platform (x86_64, haswell, ...) and put libplat there.
  std::ifstream in(c.dir + "/platform");
  std::string platform;
  std::getline(in, platform);
  REQUIRE(!platform.empty());
  CHECK(host_profile().platform == platform);
  CHECK(compact(c.tree, c.dir) ==
        "liblib.so.1 -> $D/lib/x86_64-linux-gnu/liblib.so.1 [runpath $D/main]\n"
        "libplat.so.1 -> $D/" + platform + "/libplat.so.1 [runpath $D/main]\n");
  auto r = run("11_lib_and_platform_tokens", profile("centos7"));  // $LIB = lib64 there: nothing at $ORIGIN/lib64
  CHECK(r.tree.root.children[0].path == std::nullopt);
}

TEST_CASE("a candidate of the wrong ELF class or for another machine is skipped and the search goes on", "[resolve]") {
  auto [fixture, note] = GENERATE(table<const char*, const char*>({{"12_wrong_class_skipped", "wrong ELF class"},
                                                                   {"13_wrong_machine_skipped", "wrong machine: aarch64"}}));
  INFO("fixture " << fixture);
  auto c = run(fixture);
  if (!c.ok) return;
  if (c.tree.root.children.empty()) return;  // 12 is built only with gcc-multilib
  CHECK(compact(c.tree, c.dir) == "libw.so.1 -> $D/b/libw.so.1 [rpath $D/main]\n");
  CHECK(c.tree.root.children[0].tried[0].note.find(note) != std::string::npos);
}

TEST_CASE("glibc-hwcaps subdirectories are tried before the directory itself", "[resolve]") {
  auto c = run("15_glibc_hwcaps_subdir");
  if (!c.ok) return;
  auto levels = host_profile().hwcaps_levels;
  bool v2 = std::find(levels.begin(), levels.end(), "x86-64-v2") != levels.end();
  CHECK(compact(c.tree, c.dir) == (v2 ? "libh.so.1 -> $D/lib/glibc-hwcaps/x86-64-v2/libh.so.1 [runpath $D/main]\n"
                                      : "libh.so.1 -> $D/lib/libh.so.1 [runpath $D/main]\n"));
  auto old = run("15_glibc_hwcaps_subdir", profile("debian11"));  // glibc 2.31: no glibc-hwcaps
  CHECK(compact(old.tree, old.dir) == "libh.so.1 -> $D/lib/libh.so.1 [runpath $D/main]\n");
}

TEST_CASE("legacy tls subdirectories are tried before the directory (glibc <= 2.36), not by musl", "[resolve]") {
  auto c = run("16_legacy_tls_subdir");
  if (!c.ok) return;
  CHECK(compact(c.tree, c.dir) == "libt.so.1 -> $D/lib/tls/libt.so.1 [runpath $D/main]\n");
  auto m = run("16_legacy_tls_subdir", profile("musl"));
  CHECK(compact(m.tree, m.dir) == "libt.so.1 -> $D/lib/libt.so.1 [runpath $D/main]\n");
}

TEST_CASE("legacy subdirectories are every subset of hwcaps, platform and tls, in glibc's order", "[resolve]") {
  // glibc 2.36 on an Intel CPU with AVX-512 (LD_DEBUG=libs shows this list): hwcaps x86_64 and avx512_1,
  // platform haswell. Named targets keep the kernel's x86_64 for both, and glibc keeps the duplicates that
  // gives (seen with LD_DEBUG=libs on a CPU glibc does not call haswell: tls/x86_64 and x86_64 come twice).
  LoaderProfile p = *find_profile("debian11");
  p.platform = "haswell";
  p.legacy_hwcaps = {"x86_64", "avx512_1"};
  CHECK(p.subdirs() == std::vector<std::string>{
                           "tls/haswell/avx512_1/x86_64", "tls/haswell/avx512_1", "tls/haswell/x86_64", "tls/haswell",
                           "tls/avx512_1/x86_64", "tls/avx512_1", "tls/x86_64", "tls", "haswell/avx512_1/x86_64",
                           "haswell/avx512_1", "haswell/x86_64", "haswell", "avx512_1/x86_64", "avx512_1", "x86_64"});
  CHECK(find_profile("centos7")->subdirs() ==
        std::vector<std::string>{"tls/x86_64/x86_64", "tls/x86_64", "tls/x86_64", "tls", "x86_64/x86_64", "x86_64",
                                 "x86_64"});
  CHECK(find_profile("musl")->subdirs().empty());
}

TEST_CASE("the subdirectories tried in a search directory are the host loader's, in its order", "[resolve]") {
  // Oracle: LD_DEBUG=libs prints the RUNPATH search path of 16_legacy_tls_subdir's main with every subdirectory
  // (glibc-hwcaps levels, then the legacy tls/platform/hwcap combinations) expanded, before the directory itself.
  auto c = run("16_legacy_tls_subdir");
  if (!c.ok) return;
  std::string log = ferry::test::run_command("cd '" + c.dir + "' && env -u LD_LIBRARY_PATH LD_DEBUG=libs ./main 2>&1");
  std::string prefix = "search path=", line;
  std::istringstream in(log);
  std::vector<std::string> loader;
  while (std::getline(in, line)) {
    auto at = line.find(prefix);
    if (at == std::string::npos || line.find("(RUNPATH from file") == std::string::npos) continue;
    std::string list = line.substr(at + prefix.size());
    list = list.substr(0, list.find('\t'));
    std::istringstream parts(list);
    std::string base = c.dir + "/lib";
    for (std::string d; std::getline(parts, d, ':');)
      loader.push_back(d == base ? "" : d.rfind(base + "/", 0) == 0 ? d.substr(base.size() + 1) : d);
    break;
  }
  REQUIRE(!loader.empty());
  std::vector<std::string> ours = host_profile().subdirs();
  ours.push_back("");
  CHECK(ours == loader);
}

TEST_CASE("a missing library records every directory tried, in the loader's order", "[resolve]") {
  ResolveOptions o;
  o.ld_library_path = "/nonexistent-llp";
  auto c = run("17_missing_lists_tried", o);
  if (!c.ok) return;
  const Node& m = c.tree.root.children[0];
  CHECK_FALSE(m.path);
  std::vector<std::string> tried;
  for (auto& a : m.tried) tried.push_back(rel(a.path, c.dir) + " " + to_string(a.rule));
  CHECK(tried == std::vector<std::string>{"$D/nowhere rpath", "/nonexistent-llp ld_library_path",
                                          "/etc/ld.so.cache ld_so_cache", "/lib/x86_64-linux-gnu default_dir",
                                          "/usr/lib/x86_64-linux-gnu default_dir", "/lib default_dir",
                                          "/usr/lib default_dir"});
  CHECK_FALSE(c.tree.complete());
}

TEST_CASE("the same file reached under a second name is the object already loaded", "[resolve]") {
  auto c = run("19_same_file_two_names");
  if (!c.ok) return;
  CHECK(compact(c.tree, c.dir) ==
        "libone.so.1 -> $D/lib/libone.so.1 [rpath $D/main]\n"
        "libtwo.so.1 -> $D/lib/libtwo.so.1 [rpath $D/main] loaded\n");
  size_t ones = 0;
  for (auto& e : c.tree.load_order) ones += e.path == c.dir + "/lib/libone.so.1";
  CHECK(ones == 1);
}

TEST_CASE("with --sysroot the resolver uses the root's ld.so.cache, or its ld.so.conf (with include globs) when it has no cache", "[resolve]") {
  for (auto [name, rule] : {std::pair{"20_sysroot_ld_so_cache", Rule::ld_so_cache},
                            std::pair{"21_sysroot_ld_so_conf_without_cache", Rule::ld_so_conf}}) {
    std::string dir = fixture_dir(name);
    if (dir.empty() || !RootFs(dir).is_dir("/root")) continue;  // 20 needs ldconfig -r (root privileges)
    ResolveOptions o;
    o.sysroot = dir + "/root";
    o.ld_library_path = "";
    Resolver r(o);
    auto t = r.resolve("/usr/bin/prog");
    REQUIRE(t);
    REQUIRE(t->root.children.size() == 1);
    CHECK(t->root.children[0].path == std::string("/opt/custom/lib/libr.so.1"));
    CHECK(t->root.children[0].rule == rule);
    CHECK(t->complete());
    CHECK(r.conf_dirs() == std::vector<std::string>{"/opt/custom/lib"});
  }
}

TEST_CASE("PE: the application directory, then the given search dirs; system DLLs count as present", "[resolve]") {
  std::string dir = fixture_dir("30_pe_app_dir_and_search_dir");
  if (dir.empty() || !RootFs().is_dir(dir)) return;
  ResolveOptions o;
  o.profile = *find_profile("windows");
  o.extra_dirs = {dir + "/extra"};
  Resolver r(o);
  auto t = r.resolve(dir + "/app/main.exe");
  REQUIRE(t);
  CHECK(t->complete());
  const Node* foo = nullptr;
  for (auto& c : t->root.children) {
    if (c.name == "foo.dll") foo = &c;
    else CHECK(c.system);
  }
  REQUIRE(foo);
  CHECK(foo->rule == Rule::app_dir);
  auto bar = t->find("bar.dll");
  REQUIRE(bar.size() == 1);
  CHECK(bar[0]->rule == Rule::search_dir);
  CHECK(rel(*bar[0]->path, dir) == "$D/extra/bar.dll");
}

TEST_CASE("one Resolver parses each object once across many trees and threads", "[resolve]") {
  std::string dir = fixture_dir("14_already_loaded_by_soname");
  if (dir.empty()) return;
  ResolveOptions o;
  o.ld_library_path = "";
  Resolver r(o);
  REQUIRE(r.resolve(dir + "/main"));
  size_t first = r.objects_parsed();
  REQUIRE(r.resolve(dir + "/main"));
  REQUIRE(r.resolve(dir + "/lib/liba.so.1"));
  CHECK(r.objects_parsed() == first);
}

TEST_CASE("Mach-O: @rpath through the executable's LC_RPATH, @loader_path, @executable_path; weak and system libs",
          "[resolve]") {
  std::string dir = fixture_dir("31_macho_rpath_loader_and_executable_path");
  if (dir.empty() || !RootFs().is_dir(dir + "/app")) return;  // built without clang / ld64.lld
  ResolveOptions o;
  o.profile = *find_profile("macos");
  Resolver r(o);
  auto t = r.resolve(dir + "/app/bin/main");
  REQUIRE(t);
  CHECK(compact(*t, dir) ==
        "@rpath/libfoo.dylib -> $D/app/lib/libfoo.dylib [macho_rpath $D/app/bin/main]\n"
        "  @loader_path/libbar.dylib -> $D/app/lib/libbar.dylib [loader_path $D/app/lib/libfoo.dylib]\n"
        "  @rpath/libinh.dylib -> $D/app/lib/libinh.dylib [macho_rpath $D/app/bin/main]\n"
        "@executable_path/../lib/libexe.dylib -> $D/app/lib/libexe.dylib [executable_path]\n"
        "@rpath/libweak.dylib -> NOT FOUND [not_found] weak\n");
  CHECK(t->complete());  // a missing weak library is not an error
  CHECK(t->root.children[0].system);
  CHECK(t->root.children[0].name == "/usr/lib/libSystem.B.dylib");
}
