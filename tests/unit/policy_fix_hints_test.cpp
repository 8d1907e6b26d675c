// Fix hints: older versions learned from a library's dynamic symbol table, causes and remedies per symbol.
#include <catch2/catch.hpp>

#include "policy/fix_hints.hpp"
#include "policy_test_elf.hpp"

using namespace ferry;
using namespace ferry::policy;
using ferry::test::PolicyElf;

namespace {

// A libc as its dynamic symbol table shows it: memcpy@GLIBC_2.2.5 (old, hidden) and memcpy@@GLIBC_2.14, ...
elf::ElfInfo fake_libc() {
  elf::ElfInfo lib;
  lib.path = "/fake/libc.so.6";
  auto def = [&](const char* name, const char* ver, bool hidden) {
    elf::DynSymbol s;
    s.name = name;
    s.version = ver;
    s.defined = true;
    s.hidden_version = hidden;
    lib.dynamic_symbols.push_back(s);
  };
  def("memcpy", "GLIBC_2.14", false);
  def("memcpy", "GLIBC_2.2.5", true);
  def("__libc_start_main", "GLIBC_2.34", false);
  def("__libc_start_main", "GLIBC_2.2.5", true);
  def("pthread_create", "GLIBC_2.34", false);
  def("pthread_create", "GLIBC_2.2.5", true);
  def("getrandom", "GLIBC_2.25", false);
  def("fcntl64", "GLIBC_2.28", false);
  return lib;
}

elf::ElfInfo fake_libm() {
  elf::ElfInfo lib;
  lib.path = "/fake/libm.so.6";
  for (const char* v : {"GLIBC_2.29", "GLIBC_2.2.5"}) {
    elf::DynSymbol s;
    s.name = "pow";
    s.version = v;
    s.defined = true;
    lib.dynamic_symbols.push_back(s);
  }
  return lib;
}

const Issue& issue_for(const TargetVerdict& v, const std::string& symbol) {
  for (const auto& i : v.issues)
    if (i.symbol == symbol) return i;
  FAIL("no issue for " << symbol);
  return v.issues.front();
}

}  // namespace

TEST_CASE("the catalog lists every version a symbol was exported under, oldest first") {
  // Numeric order (2.2.5 before 2.14), and libpthread symbols fall back to libc.so.6 (merged in glibc 2.34).
  SymbolCatalog cat;
  cat.add_library("libc.so.6", fake_libc());
  CHECK(cat.versions_of("libc.so.6", "memcpy") == std::vector<std::string>{"GLIBC_2.2.5", "GLIBC_2.14"});
  CHECK(cat.versions_of("libpthread.so.0", "pthread_create") ==
        std::vector<std::string>{"GLIBC_2.2.5", "GLIBC_2.34"});
  CHECK(cat.versions_of("libc.so.6", "nonexistent").empty());
  CHECK(cat.sources() == std::vector<std::string>{"/fake/libc.so.6"});
}

TEST_CASE("an offending symbol with an older allowed version gets a .symver fix") {
  // memcpy@GLIBC_2.14 on manylinux2010: GLIBC_2.2.5 exists and is allowed.
  SymbolCatalog cat;
  cat.add_library("libc.so.6", fake_libc());
  cat.add_library("libm.so.6", fake_libm());
  PolicyElf e;
  e.import("libc.so.6", "GLIBC_2.14", "memcpy").import("libm.so.6", "GLIBC_2.29", "pow");
  e.import("libc.so.6", "GLIBC_2.25", "getrandom").import("libc.so.6", "GLIBC_2.28", "fcntl64");
  const Target& t = **find_target("manylinux2010");
  auto v = evaluate(e.info, t);
  add_fix_hints(v, t, cat);
  const Issue& m = issue_for(v, "memcpy");
  CHECK(m.hint.older_versions == std::vector<std::string>{"GLIBC_2.2.5"});
  CHECK(m.hint.remedy == "__asm__(\".symver memcpy,memcpy@GLIBC_2.2.5\") before the first use, or build on the target");
  const Issue& p = issue_for(v, "pow");
  CHECK(p.hint.cause == "libm's new symbol versions (faster implementations)");
  CHECK(p.hint.remedy == "__asm__(\".symver pow,pow@GLIBC_2.2.5\")");
  const Issue& g = issue_for(v, "getrandom");  // no older version: avoid it or raise the target
  CHECK(g.hint.older_versions.empty());
  CHECK(g.hint.cause == "getrandom does not exist before GLIBC_2.25");
  const Issue& f = issue_for(v, "fcntl64");
  CHECK(f.hint.cause == "_FILE_OFFSET_BITS=64 with new glibc headers");
}

TEST_CASE("causes are recognised from the symbol or namespace even without a catalog") {
  // crt1.o, -ffast-math, FORTIFY, new libstdc++ / libgcc_s, DT_RELR marker.
  PolicyElf e;
  e.import("libc.so.6", "GLIBC_2.34", "__libc_start_main");
  e.import("libm.so.6", "GLIBC_2.15", "__exp_finite");
  e.import("libc.so.6", "GLIBC_2.15", "__fdelt_chk");
  e.import("libstdc++.so.6", "GLIBCXX_3.4.21", "_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEC1Ev");
  e.import("libgcc_s.so.1", "GCC_7.0.0", "__divmodti4");
  e.import("libc.so.6", "GLIBC_ABI_DT_RELR", "");
  const Target& t = **find_target("manylinux2010");
  auto v = evaluate(e.info, t);
  add_fix_hints(v, t, SymbolCatalog{});
  CHECK_THAT(issue_for(v, "__libc_start_main").hint.cause, Catch::Contains("crt1.o"));
  CHECK_THAT(issue_for(v, "__exp_finite").hint.cause, Catch::Contains("-ffast-math"));
  CHECK_THAT(issue_for(v, "__fdelt_chk").hint.cause, Catch::Contains("_FORTIFY_SOURCE"));
  CHECK_THAT(issue_for(v, "_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEC1Ev").hint.remedy,
             Catch::Contains("-static-libstdc++"));
  CHECK_THAT(issue_for(v, "__divmodti4").hint.remedy, Catch::Contains("-static-libgcc"));
  CHECK_THAT(issue_for(v, "").hint.cause, Catch::Contains("pack-relative-relocs"));
}

TEST_CASE("the build machine's libc teaches that memcpy has a GLIBC_2.2.5 version") {
  // Reads this machine's real libc.so.6 (x86-64 hosts): the oracle is glibc's own compat symbol.
  auto cat = load_symbol_catalog("", "x86_64");
  if (cat.empty()) {
    WARN("no x86-64 libc on this machine");
    return;
  }
  auto v = cat.versions_of("libc.so.6", "memcpy");
  REQUIRE(v.size() >= 2);
  CHECK(v.front() == "GLIBC_2.2.5");
  CHECK(v.back() == "GLIBC_2.14");
}
