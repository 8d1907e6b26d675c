// The lowering planner is pure: facts in, one binding per requirement above the target out. Checked against
// the target ceilings (policy data) and the generated table's rows.
#include <catch2/catch.hpp>

#include "lower/lower_passes.hpp"

using namespace ferry;
using namespace ferry::lower;

namespace {
Facts facts_of(std::vector<Requirement> reqs, bool program = true) {
  Facts f;
  f.is_program = program;
  f.needed = {"libc.so.6", "libm.so.6"};
  for (auto& r : reqs) f.versions.emplace_back(r.library, r.version);
  f.requirements = std::move(reqs);
  return f;
}
const policy::Target& target(const char* name) { return **policy::find_target(name, "x86_64"); }
const Binding* find(const Plan& p, const std::string& s) {
  for (const auto& b : p.bindings)
    if (b.symbol == s) return &b;
  return nullptr;
}
// The plan for one libc.so.6 requirement of a program, symbol@version, which must have exactly one binding.
Binding only_binding(const char* symbol, const char* version, const char* target_name) {
  Plan p = make_plan(facts_of({{1, symbol, "libc.so.6", version, 2}}), target(target_name));
  REQUIRE(p.bindings.size() == 1);
  return p.bindings[0];
}
}  // namespace

TEST_CASE("requirements within the target are left alone; the rest get a method each") {
  auto f = facts_of({{1, "memcpy", "libc.so.6", "GLIBC_2.14", 2}, {2, "pow", "libm.so.6", "GLIBC_2.29", 3},
                     {3, "pthread_create", "libc.so.6", "GLIBC_2.34", 4},
                     {4, "__libc_start_main", "libc.so.6", "GLIBC_2.34", 4}, {5, "stat", "libc.so.6", "GLIBC_2.33", 5},
                     {6, "close_range", "libc.so.6", "GLIBC_2.34", 4}});
  Plan d11 = make_plan(f, target("debian11"));  // glibc 2.31: memcpy@2.14 and pow@2.29 are fine there
  CHECK(find(d11, "memcpy") == nullptr);
  CHECK(find(d11, "pow") == nullptr);
  REQUIRE(find(d11, "pthread_create"));
  CHECK(find(d11, "pthread_create")->method == Method::moved);
  CHECK(find(d11, "pthread_create")->new_library == "libpthread.so.0");
  CHECK(find(d11, "pthread_create")->new_version == "GLIBC_2.2.5");
  CHECK(d11.add_needed == std::vector<std::string>{"libpthread.so.0"});
  CHECK(find(d11, "__libc_start_main")->method == Method::glue);
  CHECK(find(d11, "stat")->new_symbol == "__xstat");
  CHECK(find(d11, "close_range")->method == Method::refused);
  CHECK(find(d11, "close_range")->reason.find("no older version of close_range") != std::string::npos);
  CHECK(d11.refused());

  Plan m2010 = make_plan(f, target("manylinux2010"));  // glibc 2.12: memcpy and pow too
  CHECK(find(m2010, "memcpy")->method == Method::rebind);
  CHECK(find(m2010, "memcpy")->new_version == "GLIBC_2.2.5");
  CHECK(find(m2010, "pow")->new_library == "libm.so.6");
}

TEST_CASE("fcntl64 (2.28) is rebound to fcntl@GLIBC_2.2.5 below 2.28 and left alone from 2.28 on") {
  Binding b = only_binding("fcntl64", "GLIBC_2.28", "manylinux2014");
  CHECK(b.method == Method::rebind);
  CHECK(b.new_symbol == "fcntl");
  CHECK(b.new_version == "GLIBC_2.2.5");
  CHECK(make_plan(facts_of({{1, "fcntl64", "libc.so.6", "GLIBC_2.28", 2}}), target("debian11")).bindings.empty());
}

TEST_CASE("a moved symbol whose old version is itself above the target is refused, naming that version") {
  Binding b = only_binding("pthread_clockjoin_np", "GLIBC_2.34", "manylinux2014");
  CHECK(b.method == Method::refused);
  CHECK(b.reason == "the older GLIBC_2.31 is still above the target");
}

TEST_CASE("__libc_start_main in a shared library, libstdc++ and loader markers are refused with what to do") {
  auto lib = facts_of({{1, "__libc_start_main", "libc.so.6", "GLIBC_2.34", 2}}, false);
  CHECK(make_plan(lib, target("debian11")).bindings.at(0).method == Method::refused);
  auto cxx = facts_of({{1, "_ZSt21__glibcxx_assert_failPKciS0_S0_", "libstdc++.so.6", "GLIBCXX_3.4.30", 2}});
  auto p = make_plan(cxx, target("debian11"));
  CHECK(p.bindings.at(0).reason.find("-static-libstdc++") != std::string::npos);
  Facts marker;  // the marker without a DT_RELR table to expand: nothing ferry can do about it
  marker.versions = {{"libc.so.6", "GLIBC_ABI_DT_RELR"}};
  CHECK(make_plan(marker, target("debian11")).refused());
}

TEST_CASE("DT_RELR is expanded below glibc 2.36 (its marker version goes with it) and kept from 2.36 on") {
  Facts relr;
  relr.versions = {{"libc.so.6", "GLIBC_ABI_DT_RELR"}};
  relr.relr = true;
  relr.relr_count = 19;
  Plan p = make_plan(relr, target("debian11"));
  CHECK_FALSE(p.refused());
  REQUIRE(p.features.size() == 1);
  CHECK(p.features[0].name == "DT_RELR");
  CHECK(p.features[0].method == "expand");
  CHECK(p.features[0].detail.find("19 relative relocations") == 0);
  CHECK(make_plan(relr, target("debian12")).features.empty());
}

TEST_CASE("DT_HASH is added to a gnu-hash-only file below glibc 2.5, or whenever asked") {
  Facts f;
  f.gnu_hash_only = true;
  CHECK(make_plan(f, target("manylinux2014")).features.empty());
  Plan asked = make_plan(f, target("manylinux2014"), true);
  REQUIRE(asked.features.size() == 1);
  CHECK(asked.features[0].name == "DT_HASH");
  CHECK(asked.features[0].method == "add");
  policy::Target old = target("manylinux2014");
  old.libc_version = *policy::Version::parse("2.4");
  CHECK(make_plan(f, old).has_feature("DT_HASH"));
  f.gnu_hash_only = false;  // a file that has DT_HASH already
  CHECK(make_plan(f, old, true).features.empty());
}

TEST_CASE("the generated table: moved rows name an old glibc library, rebinds stay in their library") {
  REQUIRE(x86_64_rules().size() > 150);
  for (const Rule& r : x86_64_rules()) {
    INFO(r.name);
    if (r.method == Method::moved) {
      CHECK(std::string(r.library) == "libc.so.6");
      CHECK(std::string(r.old_library) != "libc.so.6");
    } else {
      CHECK((r.method == Method::rebind || (r.method == Method::glue && std::string(r.name) == "__libc_start_main")));
      CHECK(std::string(r.old_library) == r.library);
    }
    CHECK(std::string(r.old_version).starts_with("GLIBC_2."));
  }
  CHECK(find_rule("dlopen", "libc.so.6")->old_library == std::string("libdl.so.2"));
  CHECK(find_rule("timer_create", "libc.so.6")->old_library == std::string("librt.so.1"));
}

TEST_CASE("each architecture has its own table: aarch64 starts at GLIBC_2.17, i386 keeps its old versions") {
  REQUIRE(rules_for(183 /* EM_AARCH64 */).size() > 150);
  REQUIRE(rules_for(3 /* EM_386 */).size() > 150);
  CHECK(rules_for(22 /* EM_S390 */).empty());
  CHECK(std::string(find_rule("pthread_create", "libc.so.6", 183)->old_version) == "GLIBC_2.17");
  CHECK(std::string(find_rule("exp", "libm.so.6", 183)->old_version) == "GLIBC_2.17");
  CHECK(std::string(find_rule("__libc_start_main", "libc.so.6", 183)->old_version) == "GLIBC_2.17");
  CHECK(find_rule("memcpy", "libc.so.6", 183) == nullptr);  // one memcpy on aarch64: nothing to rebind
  CHECK(std::string(find_rule("pthread_create", "libc.so.6", 3)->old_version) == "GLIBC_2.1");
  CHECK(std::string(find_rule("glob64", "libc.so.6", 3)->old_version) == "GLIBC_2.2");  // not 2.1's old dirent
  CHECK(std::string(find_rule("__libc_start_main", "libc.so.6", 3)->old_version) == "GLIBC_2.0");
}

TEST_CASE("the plan follows the file's architecture: versions from its table, glue only where ferry has it") {
  auto f = facts_of({{1, "pthread_create", "libc.so.6", "GLIBC_2.34", 2}, {2, "fcntl64", "libc.so.6", "GLIBC_2.28", 3},
                     {3, "__libc_start_main", "libc.so.6", "GLIBC_2.34", 2}, {4, "stat", "libc.so.6", "GLIBC_2.33", 4}});
  f.machine = 183;
  Plan a = make_plan(f, **policy::find_target("manylinux2014", "aarch64"));
  CHECK(find(a, "pthread_create")->new_version == "GLIBC_2.17");
  CHECK(find(a, "fcntl64")->new_symbol == "fcntl");
  CHECK(find(a, "fcntl64")->new_version == "GLIBC_2.17");
  CHECK(find(a, "__libc_start_main")->method == Method::glue);
  CHECK(find(a, "stat")->method == Method::glue);
  CHECK(find(a, "stat")->new_symbol == "__xstat");
  CHECK(find(a, "stat")->new_version == "GLIBC_2.17");
  f.machine = 3;
  Plan i = make_plan(f, **policy::find_target("manylinux2014", "i686"));
  CHECK(find(i, "pthread_create")->new_version == "GLIBC_2.1");
  CHECK(find(i, "fcntl64")->method == Method::refused);  // i386's old fcntl is not fcntl64
  CHECK(find(i, "__libc_start_main")->new_version == "GLIBC_2.0");
  CHECK(find(i, "stat")->method == Method::refused);  // no stat glue for i386
  CHECK(find(i, "stat")->reason.find("x86_64 and aarch64 only") != std::string::npos);
}
