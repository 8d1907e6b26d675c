// evaluate(): per-symbol attribution, whitelist/blacklist, loader floors, best policy and oldest target.
#include <catch2/catch.hpp>

#include "policy/policy.hpp"
#include "policy_test_elf.hpp"

using namespace ferry;
using namespace ferry::policy;
using ferry::test::PolicyElf;

namespace {
const Target& target(const char* name, const char* arch = "x86_64") { return **find_target(name, arch); }
std::vector<const Issue*> of_kind(const TargetVerdict& v, IssueKind k) {
  std::vector<const Issue*> out;
  for (const auto& i : v.issues)
    if (i.kind == k) out.push_back(&i);
  return out;
}
// The one issue of kind `k` in `v` (the test fails unless there is exactly one).
const Issue& only_issue(const TargetVerdict& v, IssueKind k) {
  auto all = of_kind(v, k);
  REQUIRE(all.size() == 1);
  return *all[0];
}
// A file importing only puts@GLIBC_2.2.5 from libc.so.6: it passes every glibc target by its symbols.
PolicyElf puts_only() {
  PolicyElf e;
  e.import("libc.so.6", "GLIBC_2.2.5", "puts");
  return e;
}
}  // namespace

TEST_CASE("every symbol forcing a version above the ceiling is named with its library") {
  // memcpy@GLIBC_2.14 fails manylinux2010 and names memcpy; pow@GLIBC_2.29 is a second, separate issue.
  PolicyElf e;
  e.import("libc.so.6", "GLIBC_2.2.5", "printf").import("libc.so.6", "GLIBC_2.14", "memcpy");
  e.import("libm.so.6", "GLIBC_2.29", "pow");
  auto v = evaluate(e.info, target("manylinux2010"));
  CHECK_FALSE(v.pass);
  auto sym = of_kind(v, IssueKind::symbol_version);
  REQUIRE(sym.size() == 2);
  CHECK(sym[0]->symbol == "memcpy");
  CHECK(sym[0]->library == "libc.so.6");
  CHECK(sym[0]->version == "GLIBC_2.14");
  CHECK(sym[0]->message == "memcpy@GLIBC_2.14 (libc.so.6) is above manylinux_2_12's GLIBC ceiling 2.12");
  CHECK(sym[1]->symbol == "pow");
  CHECK(sym[1]->library == "libm.so.6");
  auto v2 = evaluate(e.info, target("manylinux2014"));
  CHECK(only_issue(v2, IssueKind::symbol_version).symbol == "pow");
  CHECK(evaluate(e.info, target("manylinux_2_31")).pass);
}

TEST_CASE("a version with no symbol bound to it still fails, reported without a symbol") {
  // GLIBC_ABI_DT_RELR is a marker version: no symbol uses it.
  PolicyElf e;
  e.import("libc.so.6", "GLIBC_2.2.5", "puts").import("libc.so.6", "GLIBC_ABI_DT_RELR", "");
  e.info.relr = true;
  auto v = evaluate(e.info, target("manylinux_2_35"));
  CHECK_FALSE(v.pass);
  const Issue& sym = only_issue(v, IssueKind::symbol_version);
  CHECK(sym.symbol.empty());
  CHECK(sym.message == "GLIBC_ABI_DT_RELR (libc.so.6) is not available on manylinux_2_35");
  CHECK(evaluate(e.info, target("manylinux_2_36")).pass);
  CHECK(evaluate(e.info, target("debian12")).pass);
  CHECK_FALSE(evaluate(e.info, target("ubuntu-22.04")).pass);
}

TEST_CASE("DT_RELR without the marker version is caught as a loader feature") {
  // lld may emit DT_RELR without GLIBC_ABI_DT_RELR; glibc < 2.36 would misrelocate silently.
  PolicyElf e = puts_only();
  e.info.relr = true;
  auto v = evaluate(e.info, target("debian11"));
  const Issue& f = only_issue(v, IssueKind::loader_feature);
  CHECK(f.feature == "DT_RELR");
  CHECK_FALSE(v.pass);
  EvaluateOptions aw;
  aw.auditwheel_compat = true;
  CHECK(evaluate(e.info, target("manylinux2014"), {}, aw).pass);
}

TEST_CASE("new libstdc++ versions fail older targets and special versions need an allowance") {
  // GLIBCXX_3.4.30 (gcc 12) fails CentOS 7 and Ubuntu 20.04, passes Debian 12; CXXABI_TM_1 is fine on CentOS 7.
  PolicyElf e;
  e.import("libstdc++.so.6", "GLIBCXX_3.4.30", "_ZSt28__throw_bad_array_new_lengthv");
  e.import("libstdc++.so.6", "CXXABI_TM_1", "_ZGTtNKSt11logic_error4whatEv");
  e.import("libc.so.6", "GLIBC_2.2.5", "puts");
  CHECK_FALSE(evaluate(e.info, target("centos7")).pass);
  auto focal = evaluate(e.info, target("ubuntu-20.04"));
  CHECK_FALSE(focal.pass);
  CHECK(only_issue(focal, IssueKind::symbol_version).version == "GLIBCXX_3.4.30");
  CHECK(evaluate(e.info, target("debian12")).pass);
  CHECK_FALSE(evaluate(e.info, target("centos6")).pass);  // no CXXABI_TM_1 with gcc 4.4
}

TEST_CASE("libraries off the whitelist are external unless shipped alongside") {
  // libssl must ship with the wheel; once the same input ships it, it is not external.
  PolicyElf e;
  e.import("libc.so.6", "GLIBC_2.2.5", "puts").needed("libssl.so.3").needed("libz.so.1");
  auto v = evaluate(e.info, target("manylinux2014"));
  const Issue& ext = only_issue(v, IssueKind::external_library);
  CHECK(ext.library == "libssl.so.3");
  CHECK_FALSE(v.pass);
  Environment env;
  env.shipped.insert("libssl.so.3");
  CHECK(evaluate(e.info, target("manylinux2014"), env).pass);
}

TEST_CASE("the program interpreter named in DT_NEEDED is never external") {
  // Binaries using __tls_get_addr need ld-linux-x86-64.so.2, which is always loaded.
  PolicyElf e;
  e.import("ld-linux-x86-64.so.2", "GLIBC_2.3", "__tls_get_addr");
  CHECK(evaluate(e.info, target("manylinux2014")).pass);
}

TEST_CASE("blacklisted imports fail the target") {
  // zlib's zcalloc is internal; importing it from libz.so.1 is refused as auditwheel does.
  PolicyElf e;
  e.needed("libz.so.1").unversioned_import("zcalloc").unversioned_import("inflate");
  auto v = evaluate(e.info, target("manylinux2014"));
  const Issue& bl = only_issue(v, IssueKind::blacklisted_symbol);
  CHECK(bl.symbol == "zcalloc");
  CHECK_FALSE(v.pass);
}

TEST_CASE("a weak import of a blacklisted symbol does not fail the target") {
  // Rust's std and libstdc++ import __cxa_thread_atexit_impl weakly (null when glibc < 2.18 lacks it); auditwheel
  // only counts non-weak undefined symbols (seen on uv 0.5.7 and pydantic-core 2.27.1, manylinux2014 wheels).
  PolicyElf e;
  e.import("libc.so.6", "GLIBC_2.2.5", "printf").unversioned_import("__cxa_thread_atexit_impl");
  e.info.dynamic_symbols.back().weak = true;
  CHECK(of_kind(evaluate(e.info, target("manylinux2014")), IssueKind::blacklisted_symbol).empty());
  e.info.dynamic_symbols.back().weak = false;
  CHECK(of_kind(evaluate(e.info, target("manylinux2014")), IssueKind::blacklisted_symbol).size() == 1);
}

TEST_CASE("an x86-64-v3 ISA note fails manylinux and RHEL 9 but v2 passes RHEL 9") {
  // RHEL 9 requires x86-64-v2 hardware; manylinux promises only the baseline.
  PolicyElf e = puts_only();
  e.info.properties.present = true;
  e.info.properties.x86_isa_needed = 0x4 | 0x1;
  auto v = evaluate(e.info, target("manylinux_2_34"));
  const Issue& isa = only_issue(v, IssueKind::isa_level);
  CHECK(isa.feature == "x86-64-v3");
  CHECK_FALSE(evaluate(e.info, target("rhel9")).pass);
  e.info.properties.x86_isa_needed = 0x2;
  CHECK(evaluate(e.info, target("rhel9")).pass);
  CHECK_FALSE(evaluate(e.info, target("rhel8")).pass);
  EvaluateOptions no_isa;
  no_isa.check_isa = false;
  CHECK(evaluate(e.info, target("rhel8"), {}, no_isa).pass);
}

TEST_CASE("an executable stack is a warning, and an error for libraries on glibc 2.41") {
  // glibc 2.41 refuses to dlopen libraries that need an executable stack.
  PolicyElf e = puts_only();
  e.info.exec_stack = true;
  auto old = evaluate(e.info, target("manylinux2014"));
  CHECK(old.pass);
  const Issue& f = only_issue(old, IssueKind::loader_feature);
  CHECK(f.severity == Severity::warning);
  CHECK(f.feature == "exec-stack");
  CHECK_FALSE(evaluate(e.info, target("manylinux_2_41")).pass);
}

TEST_CASE("IFUNC symbols fail manylinux1 and pass CentOS 6") {
  // IFUNC arrived in glibc 2.11 on x86-64.
  PolicyElf e = puts_only();
  e.info.ifunc_symbols = 1;
  CHECK_FALSE(evaluate(e.info, target("manylinux1")).pass);
  CHECK(evaluate(e.info, target("centos6")).pass);
}

TEST_CASE("a program header table outside the first PT_LOAD fails programs on old kernels") {
  // Kernels before 5.18 compute AT_PHDR from the first PT_LOAD; libraries are unaffected.
  PolicyElf e;
  e.import("libc.so.6", "GLIBC_2.2.5", "puts").program();
  e.info.phdr_in_first_load = false;
  CHECK_FALSE(evaluate(e.info, target("centos7")).pass);
  CHECK(evaluate(e.info, target("debian12")).pass);
  PolicyElf lib = puts_only();
  lib.info.phdr_in_first_load = false;
  CHECK(evaluate(lib.info, target("centos7")).pass);
}

TEST_CASE("a .note.ABI-tag kernel above the target's is reported, fatal for static programs") {
  // Debian 12's crt1.o asks for Linux 3.2.0; CentOS 6 runs 2.6.32.
  PolicyElf e;
  e.program();
  e.info.abi_tag = elf::AbiTag{0, 3, 2, 0};
  auto dyn = evaluate(e.info, target("centos6"));
  CHECK(only_issue(dyn, IssueKind::kernel).severity == Severity::warning);
  e.info.interpreter.reset();
  e.info.kind = elf::Kind::executable;
  auto stat = evaluate(e.info, target("centos6"));
  CHECK_FALSE(stat.pass);
  CHECK(evaluate(e.info, target("centos7")).pass);
}

TEST_CASE("architecture and libc family mismatches fail") {
  // An aarch64 file never passes an x86_64 target; a glibc file never passes musllinux.
  PolicyElf e;
  e.machine(elf::em::aarch64, "aarch64").import("libc.so.6", "GLIBC_2.17", "puts");
  auto v = evaluate(e.info, target("manylinux2014", "x86_64"));
  CHECK(of_kind(v, IssueKind::architecture).size() == 1);
  CHECK(evaluate(e.info, target("manylinux2014", "aarch64")).pass);
  auto m = evaluate(e.info, target("musllinux_1_2", "aarch64"));
  CHECK(of_kind(m, IssueKind::libc_family).size() == 1);
  CHECK_FALSE(m.pass);
}

TEST_CASE("with a sysroot, every needed library must be found and define every required version") {
  // The root provides libc.so.6 with versions up to GLIBC_2.31 and no libfoo.so.1.
  PolicyElf e;
  e.import("libc.so.6", "GLIBC_2.34", "__libc_start_main").import("libc.so.6", "GLIBC_2.2.5", "puts");
  e.needed("libfoo.so.1");
  Environment env;
  env.sysroot.emplace();
  (*env.sysroot)["libc.so.6"] = ProvidedLibrary{"/lib/x86_64-linux-gnu/libc.so.6", {"GLIBC_2.2.5", "GLIBC_2.31"}};
  auto v = evaluate(e.info, target("debian12"), env);
  const Issue& mv = only_issue(v, IssueKind::missing_version);
  CHECK(mv.symbol == "__libc_start_main");
  CHECK(mv.message ==
        "__libc_start_main@GLIBC_2.34 (libc.so.6) is not defined by /lib/x86_64-linux-gnu/libc.so.6");
  const Issue& ml = only_issue(v, IssueKind::missing_library);
  CHECK(ml.library == "libfoo.so.1");
  CHECK_FALSE(v.pass);
}

TEST_CASE("the best manylinux policy is the highest-priority one every file passes") {
  // One file needs 2.14, another 2.17: together they are manylinux2014, like auditwheel's tag.
  PolicyElf a, b;
  a.import("libc.so.6", "GLIBC_2.14", "memcpy");
  b.import("libc.so.6", "GLIBC_2.17", "clock_gettime");
  auto best = best_policy({&a.info}, Family::manylinux);
  REQUIRE(best);
  CHECK(best->name == "manylinux_2_17");
  CHECK(best_policy({&a.info, &b.info}, Family::manylinux)->name == "manylinux_2_17");
  PolicyElf c = puts_only();
  CHECK(best_policy({&c.info}, Family::manylinux)->name == "manylinux_2_5");
  PolicyElf ext;
  ext.import("libc.so.6", "GLIBC_2.2.5", "puts").needed("libssl.so.3");
  CHECK(best_policy({&ext.info}, Family::manylinux) == nullptr);
  auto all = satisfied_policies({&b.info}, Family::manylinux);
  REQUIRE(all.size() >= 2);
  CHECK(all.front()->name == "manylinux_2_17");
  CHECK(all.back()->name == "manylinux_2_41");
}

TEST_CASE("the oldest target is found across manylinux and distro families") {
  // GLIBC_2.2.5 only: manylinux1 (glibc 2.5); GLIBC_2.28 only: manylinux_2_28 (same glibc as RHEL 8, older kernel).
  PolicyElf e = puts_only();
  CHECK(oldest_target(e.info)->name == "manylinux_2_5");
  PolicyElf f;
  f.import("libc.so.6", "GLIBC_2.28", "fcntl64");
  auto t = oldest_target(f.info);
  REQUIRE(t);
  CHECK(t->libc_version.str() == "2.28");
}

TEST_CASE("summarize names the highest version per namespace and its library") {
  // Numeric versions win over specials; namespaces sort by name.
  PolicyElf e;
  e.import("libc.so.6", "GLIBC_2.2.5", "puts").import("libc.so.6", "GLIBC_2.34", "__libc_start_main");
  e.import("libm.so.6", "GLIBC_2.29", "pow").import("libstdc++.so.6", "CXXABI_TM_1", "x");
  e.import("libstdc++.so.6", "GLIBCXX_3.4.9", "y").import("libstdc++.so.6", "GLIBCXX_3.4.21", "z");
  auto r = summarize(e.info);
  REQUIRE(r.highest.size() == 3);
  CHECK(r.highest[0].ns == "CXXABI");
  CHECK(r.highest[0].version == "CXXABI_TM_1");
  CHECK(r.highest[1].version == "GLIBC_2.34");
  CHECK(r.highest[2].version == "GLIBCXX_3.4.21");
  CHECK(*r.libc_version() == "2.34");
}

TEST_CASE("GNU hash without SysV hash fails only targets older than glibc 2.5") {
  // A custom CentOS 4-like target (glibc 2.3.4) cannot look up symbols through DT_GNU_HASH alone.
  auto r = parse_policy_json(R"({"targets": [{"name": "el4", "libc_version": "2.3.4", "whitelist": ["libc.so.6"]}]})",
                             "el4.json");
  REQUIRE(r.ok());
  PolicyElf e = puts_only();
  e.info.gnu_hash = true;
  e.info.sysv_hash = false;
  auto v = evaluate(e.info, (*r)[0]);
  const Issue& f = only_issue(v, IssueKind::loader_feature);
  CHECK(f.feature == "gnu-hash-only");
  CHECK_FALSE(v.pass);
  e.info.sysv_hash = true;  // --hash-style=both
  CHECK(evaluate(e.info, (*r)[0]).pass);
  e.info.sysv_hash = false;
  CHECK(evaluate(e.info, target("manylinux1")).pass);
}
