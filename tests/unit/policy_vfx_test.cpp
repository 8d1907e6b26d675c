// VFX Reference Platform targets: the years' ceilings, the old-ABI rule (std::__cxx11 names in the dynamic
// symbol table) and the Python rule for extension modules, decided by the pure evaluator.
#include <catch2/catch.hpp>

#include "policy/policy.hpp"
#include "policy_test_elf.hpp"

using namespace ferry;
using namespace ferry::policy;
using ferry::test::PolicyElf;

namespace {
const Target& target(const char* name) { return **find_target(name, "x86_64"); }
std::vector<const Issue*> of_kind(const TargetVerdict& v, IssueKind k) {
  std::vector<const Issue*> out;
  for (const auto& i : v.issues)
    if (i.kind == k) out.push_back(&i);
  return out;
}
PolicyElf& define(PolicyElf& e, const std::string& name) {
  elf::DynSymbol s;
  s.name = name;
  s.defined = true;
  s.type = 2;
  s.bind = 1;
  e.info.dynamic_symbols.push_back(s);
  return e;
}
const char* kNewString = "_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE10_M_replaceEmmPKcm";
}  // namespace

TEST_CASE("each VFX year is found by name and cy alias with its base system's ceilings") {
  const Target& y20 = target("cy2020");
  CHECK(y20.name == "vfx2020");
  CHECK(y20.family == Family::vfx);
  CHECK(y20.libc_version.str() == "2.17");
  CHECK(y20.versions.at("GLIBCXX").ceiling->str() == "3.4.19");
  CHECK(y20.versions.at("CXXABI").ceiling->str() == "1.3.7");
  CHECK(y20.old_cxx_abi);
  CHECK(y20.python == "3.7");
  CHECK(y20.whitelisted("libpython3.7m.so.1.0"));
  CHECK_FALSE(y20.whitelisted("libpython3.9.so.1.0"));
  const Target& y23 = target("vfx2023");
  CHECK(y23.libc_version.str() == "2.28");
  CHECK(y23.versions.at("GLIBCXX").ceiling->str() == "3.4.25");
  CHECK(y23.versions.at("CXXABI").ceiling->str() == "1.3.11");
  CHECK_FALSE(y23.old_cxx_abi);
  CHECK(target("CY2026").python == "3.13");
  CHECK(target("vfx2018").python == "2.7");
  CHECK_FALSE(find_target("vfx2026", "aarch64"));  // the platform's Linux is x86_64
}

TEST_CASE("a std::__cxx11 name fails the old-ABI years with cause and fix, and passes the new-ABI years") {
  PolicyElf e;
  e.import("libstdc++.so.6", "GLIBCXX_3.4", "_ZNSs6appendEPKc");
  define(e, "_ZN4shot6lengthERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE");
  auto v = evaluate(e.info, target("vfx2022"));
  CHECK_FALSE(v.pass);
  auto abi = of_kind(v, IssueKind::cxx11_abi);
  REQUIRE(abi.size() == 1);
  CHECK(abi[0]->symbol == "_ZN4shot6lengthERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE");
  CHECK(abi[0]->message ==
        "_ZN4shot6lengthERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE (defined): built with the new "
        "libstdc++ ABI; the VFX platform CY2022 requires -D_GLIBCXX_USE_CXX11_ABI=0");
  CHECK(abi[0]->hint.cause.find("new libstdc++ ABI") != std::string::npos);
  CHECK(abi[0]->hint.remedy.find("-D_GLIBCXX_USE_CXX11_ABI=0") != std::string::npos);
  CHECK(evaluate(e.info, target("vfx2023")).pass);
  // Distro and manylinux targets do not care about the ABI.
  CHECK(evaluate(e.info, target("centos7")).pass);
  CHECK(evaluate(e.info, target("manylinux2014")).pass);
}

TEST_CASE("imported std::__cxx11 names and [abi:cxx11] tags count; old-ABI names do not") {
  PolicyElf e;
  e.import("libstdc++.so.6", "GLIBCXX_3.4", "_ZNSs6appendEPKc");  // std::string (old ABI): fine
  define(e, "_Z4nameB5cxx11v");  // std::string name(): only the abi tag shows the new ABI
  CHECK(of_kind(evaluate(e.info, target("vfx2019")), IssueKind::cxx11_abi).size() == 1);
  PolicyElf i;
  i.import("libstdc++.so.6", "GLIBCXX_3.4.21", kNewString);
  auto v = evaluate(i.info, target("vfx2021"));
  auto abi = of_kind(v, IssueKind::cxx11_abi);
  REQUIRE(abi.size() == 1);
  CHECK(abi[0]->message.find("(imported)") != std::string::npos);
  // The GLIBCXX ceiling is a separate issue.
  REQUIRE(of_kind(v, IssueKind::symbol_version).size() == 1);
  CHECK(of_kind(v, IssueKind::symbol_version)[0]->version == "GLIBCXX_3.4.21");
  PolicyElf c;
  define(c, "not_mangled_NSt7__cxx11");  // a C name that merely contains the text
  CHECK(evaluate(c.info, target("vfx2021")).pass);
}

TEST_CASE("many std::__cxx11 names give ten issues, the last counting the rest") {
  PolicyElf e;
  for (int k = 0; k < 25; ++k) define(e, "_ZN1a" + std::to_string(100 + k) + "ERKNSt7__cxx1112basic_stringIcEE");
  auto abi = of_kind(evaluate(e.info, target("vfx2020")), IssueKind::cxx11_abi);
  REQUIRE(abi.size() == 10);
  CHECK(abi.back()->message.find("(and 15 more std::__cxx11 symbols)") != std::string::npos);
  CHECK(abi.front()->message.find("more") == std::string::npos);
}

TEST_CASE("GLIBCXX and CXXABI above the base system's fail, below pass") {
  PolicyElf e;
  e.import("libstdc++.so.6", "GLIBCXX_3.4.26", "_ZNSt3pmr26synchronized_pool_resourceD1Ev");
  CHECK_FALSE(evaluate(e.info, target("vfx2026")).pass);
  PolicyElf c;
  c.import("libstdc++.so.6", "CXXABI_1.3.8", "__cxa_throw_bad_array_new_length");
  CHECK_FALSE(evaluate(c.info, target("vfx2022")).pass);
  CHECK(evaluate(c.info, target("vfx2023")).pass);
}

TEST_CASE("an extension module for another Python fails with both versions named") {
  PolicyElf e;
  e.info.path = "pkg/_m.cpython-311-x86_64-linux-gnu.so";
  CHECK(extension_python_version(e.info) == std::optional<std::string>("3.11"));
  auto v = evaluate(e.info, target("vfx2020"));
  auto py = of_kind(v, IssueKind::python_version);
  REQUIRE(py.size() == 1);
  CHECK(py[0]->message == "extension module for Python 3.11, the VFX platform CY2020 uses Python 3.7");
  CHECK(evaluate(e.info, target("vfx2024")).pass);
  CHECK(evaluate(e.info, target("vfx2025")).pass);
  e.info.path = "lib.whl!pkg/_m.cpython-37m-x86_64-linux-gnu.so";
  CHECK(evaluate(e.info, target("vfx2021")).pass);
  CHECK_FALSE(evaluate(e.info, target("vfx2022")).pass);
}

TEST_CASE("without a tag the Python comes from libpython, only for a module exporting its init function") {
  PolicyElf e;
  e.info.path = "_m.so";
  e.needed("libpython3.9.so.1.0");
  CHECK_FALSE(extension_python_version(e.info));  // an embedding library, not a module
  define(e, "PyInit__m");
  CHECK(extension_python_version(e.info) == std::optional<std::string>("3.9"));
  CHECK(evaluate(e.info, target("vfx2022")).pass);  // libpython3.9 is the host's
  CHECK_FALSE(evaluate(e.info, target("vfx2023")).pass);
  PolicyElf two;
  two.info.path = "_legacy.so";
  two.needed("libpython2.7.so.1.0");
  define(two, "init_legacy");
  CHECK(extension_python_version(two.info) == std::optional<std::string>("2.7"));
  CHECK(evaluate(two.info, target("cy2018")).pass);
  // Not a module at all: a plain library or an abi3 module is not judged.
  PolicyElf lib;
  lib.info.path = "libfoo.so";
  CHECK(evaluate(lib.info, target("vfx2020")).pass);
  lib.info.path = "_m.abi3.so";
  CHECK_FALSE(extension_python_version(lib.info));
}

TEST_CASE("auditwheel-compat evaluation skips the VFX rules") {
  PolicyElf e;
  e.info.path = "_m.cpython-311-x86_64-linux-gnu.so";
  define(e, kNewString);
  EvaluateOptions o;
  o.auditwheel_compat = true;
  CHECK(evaluate(e.info, target("vfx2020"), {}, o).pass);
  CHECK_FALSE(evaluate(e.info, target("vfx2020")).pass);
}
