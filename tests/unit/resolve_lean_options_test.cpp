// The options `ferry deps` uses for speed change nothing it shows: with header-only reads and the places tried
// kept only for missing libraries, every tree (fixtures of each loader rule, system programs, with and without
// LD_LIBRARY_PATH, glibc and musl) equals the tree of the default options, node for node; without the tree
// (--list) the load order and missing list are the same.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>

#include "resolve/resolve.hpp"

using namespace ferry;
using namespace ferry::resolve;
namespace fs = std::filesystem;

namespace {

// Everything a report can show of a tree; `tried` only where the lean options promise it (missing libraries).
std::string dump(const DependencyTree& t, bool all_tried) {
  std::string out = "loader=" + t.loader + "\n";
  std::function<void(const Node&, int)> walk = [&](const Node& n, int depth) {
    out += std::string(depth * 2, ' ') + n.name + " -> " + n.path.value_or("NOT FOUND") + " [" + to_string(n.rule) +
           " via=" + n.via + "]" + (n.already_loaded ? " loaded" : "") + (n.error.empty() ? "" : " error=" + n.error);
    if (const auto* e = n.elf()) out += " soname=" + e->soname.value_or("-") + " " + e->machine_name;
    out += "\n";
    if (all_tried || !n.path)
      for (const auto& a : n.tried)
        out += std::string(depth * 2 + 4, ' ') + "tried " + a.path + " " + to_string(a.rule) + " " + a.via + " " +
               a.note + "\n";
    for (const auto& c : n.children) walk(c, depth + 1);
  };
  walk(t.root, 0);
  for (const auto& e : t.load_order) out += "load " + e.name + " " + e.path + " " + to_string(e.rule) + " " + e.via + "\n";
  for (const auto& m : t.missing) out += "missing " + m + "\n";
  return out;
}

void compare(const std::string& file, ResolveOptions opts) {
  INFO(file);
  ResolveOptions lean = opts;
  lean.elf_headers_only = true;
  lean.record_tried = false;
  Resolver full_r(opts), lean_r(lean);
  auto full = full_r.resolve(file);
  auto fast = lean_r.resolve(file);
  REQUIRE(full.ok() == fast.ok());
  if (!full) {
    CHECK(full.error().describe() == fast.error().describe());
    return;
  }
  CHECK(dump(*fast, false) == dump(*full, false));
  // Without the tree (--list), the load order and the missing libraries are the same.
  ResolveOptions list = lean;
  list.keep_tree = false;
  Resolver list_r(list);
  auto flat = list_r.resolve(file);
  REQUIRE(flat);
  CHECK(flat->root.children.empty());
  auto order = [](const DependencyTree& t) {
    std::string out;
    for (const auto& e : t.load_order) out += e.name + " " + e.path + " " + to_string(e.rule) + " " + e.via + "\n";
    for (const auto& m : t.missing) out += "missing " + m + "\n";
    return out;
  };
  CHECK(order(*flat) == order(*full));
  // With every place tried recorded, the header-only reads alone change nothing either.
  lean.record_tried = true;
  Resolver tried_r(lean);
  auto with_tried = tried_r.resolve(file);
  REQUIRE(with_tried);
  CHECK(dump(*with_tried, true) == dump(*full, true));
}

}  // namespace

TEST_CASE("lean options: every resolve fixture gives the default options' tree and load order", "[resolve]") {
  const char* f = std::getenv("FERRY_FIXTURES");
  if (!f) {
    WARN("FERRY_FIXTURES not set: run through ctest");
    return;
  }
  size_t n = 0;
  for (const auto& d : fs::directory_iterator(std::string(f) + "/resolve")) {
    std::string main = d.path().string() + "/main";
    if (!fs::exists(main)) continue;
    ResolveOptions opts;
    opts.ld_library_path = "";
    compare(main, opts);
    opts.ld_library_path = d.path().string() + "/lib:" + d.path().string() + "/runs";
    compare(main, opts);
    opts.ld_library_path = "";
    opts.profile = *find_profile("musl");
    compare(main, opts);
    ++n;
  }
  CHECK(n > 10);
}

TEST_CASE("lean options: system programs and libraries give the default options' tree", "[resolve]") {
  for (const char* file : {"/usr/bin/ls", "/usr/bin/git", "/usr/bin/perl", "/usr/bin/python3", "/usr/bin/true",
                           "/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
                           "/sbin/ldconfig", "/usr/bin/no-such-program"}) {
    ResolveOptions opts;
    opts.ld_library_path = "";
    compare(file, opts);
    opts.ld_library_path = "/nonexistent:/usr/lib/x86_64-linux-gnu/perl";
    compare(file, opts);
  }
}

TEST_CASE("lean options: a file resolved with the caller's lstat gives the tree of one resolved by name", "[resolve]") {
  for (const char* file : {"/usr/bin/ls", "/usr/lib/x86_64-linux-gnu/libc.so.6"}) {
    INFO(file);
    struct stat st;
    REQUIRE(::lstat(file, &st) == 0);
    ResolveOptions opts;
    opts.ld_library_path = "";
    Resolver by_name(opts), with_stat(opts);
    auto a = by_name.resolve(file);
    auto b = with_stat.resolve(file, Resolver::KnownFile{static_cast<uint64_t>(st.st_dev),
                                                          static_cast<uint64_t>(st.st_ino),
                                                          static_cast<uint64_t>(st.st_size)});
    REQUIRE(a);
    REQUIRE(b);
    CHECK(dump(*a, true) == dump(*b, true));
  }
}

TEST_CASE("lean options: $ORIGIN of a program reached through a symlink is its real directory, as without them",
          "[resolve]") {
  const char* f = std::getenv("FERRY_FIXTURES");
  if (!f) {
    WARN("FERRY_FIXTURES not set: run through ctest");
    return;
  }
  std::string main = std::string(f) + "/resolve/10_origin_both_spellings/main";
  REQUIRE(fs::exists(main));
  fs::path dir = fs::temp_directory_path() / ("ferry-lean-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::create_symlink(main, dir / "main");
  ResolveOptions opts;
  opts.ld_library_path = "";
  compare((dir / "main").string(), opts);
  ResolveOptions lean = opts;
  lean.elf_headers_only = true;
  lean.record_tried = false;
  Resolver r(lean);
  auto t = r.resolve((dir / "main").string());
  REQUIRE(t);
  CHECK(t->complete());  // the libraries next to the real program are found
  fs::remove_all(dir);
}
