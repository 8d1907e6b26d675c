// Built-in targets: every policy of the data is there, names/aliases/tags resolve, ceilings match the data.
#include <catch2/catch.hpp>

#include "policy/policy.hpp"

using namespace ferry;
using namespace ferry::policy;

TEST_CASE("every manylinux policy from manylinux_2_5 to manylinux_2_41 and both musllinux exist for x86_64") {
  // Pins the list the data publishes (auditwheel's policy set), so a dropped row is noticed.
  for (const char* n : {"manylinux_2_5", "manylinux_2_12", "manylinux_2_17", "manylinux_2_24", "manylinux_2_26",
                        "manylinux_2_27", "manylinux_2_28", "manylinux_2_31", "manylinux_2_34", "manylinux_2_35",
                        "manylinux_2_36", "manylinux_2_37", "manylinux_2_38", "manylinux_2_39", "manylinux_2_40",
                        "manylinux_2_41", "musllinux_1_1", "musllinux_1_2"}) {
    INFO(n);
    auto t = find_target(n, "x86_64");
    REQUIRE(t.ok());
    CHECK((*t)->arch == "x86_64");
  }
}

TEST_CASE("legacy aliases and platform tags name the same target as the PEP 600 name") {
  // manylinux1/2010/2014 are aliases; a tag carries its architecture.
  CHECK(*find_target("manylinux1") == *find_target("manylinux_2_5"));
  CHECK(*find_target("manylinux2010") == *find_target("manylinux_2_12"));
  CHECK(*find_target("manylinux2014") == *find_target("manylinux_2_17"));
  auto tagged = find_target("manylinux2014_aarch64");
  REQUIRE(tagged.ok());
  CHECK((*tagged)->arch == "aarch64");
  CHECK((*tagged)->tag() == "manylinux_2_17_aarch64");
}

TEST_CASE("distro targets are found by name, alias and spelling variants") {
  // Users write ubuntu-20.04, ubuntu20.04, focal; centos7 or el7; bullseye or debian11.
  auto focal = find_target("focal");
  REQUIRE(focal.ok());
  CHECK((*focal)->name == "ubuntu-20.04");
  CHECK(*find_target("ubuntu20.04") == *focal);
  CHECK(*find_target("Ubuntu_20_04") == *focal);
  CHECK((*find_target("el7"))->name == "centos7");
  CHECK((*find_target("bullseye"))->name == "debian11");
  CHECK((*find_target("centos6"))->versions.at("GLIBC").allows("2.12"));
  CHECK_FALSE((*find_target("centos6"))->versions.at("GLIBC").allows("2.13"));
  CHECK((*focal)->tag() == "ubuntu_20_04_x86_64");
}

TEST_CASE("an unknown target is an error that lists close names") {
  // The message must help the user fix the spelling.
  auto r = find_target("manylinux2099");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::not_found);
  CHECK_THAT(r.error().message, Catch::Contains("unknown target 'manylinux2099'"));
  CHECK_THAT(r.error().message, Catch::Contains("manylinux_2_17"));
  auto arch = find_target("centos6", "aarch64");
  REQUIRE_FALSE(arch.ok());
  CHECK_THAT(arch.error().message, Catch::Contains("has no aarch64 variant"));
}

TEST_CASE("manylinux ceilings follow the policy data exactly, including per-architecture quirks") {
  // x86_64 manylinux2014 stops at GLIBC_2.17; the data allows GLIBC_2.18 on aarch64 manylinux2014.
  const auto& x86 = (*find_target("manylinux2014", "x86_64"))->versions.at("GLIBC");
  CHECK(x86.exact);
  CHECK(x86.allows("2.17"));
  CHECK(x86.allows("2.2.5"));
  CHECK_FALSE(x86.allows("2.18"));
  CHECK(x86.ceiling->str() == "2.17");
  CHECK((*find_target("manylinux2014", "aarch64"))->versions.at("GLIBC").allows("2.18"));
  const auto& cxx = (*find_target("manylinux2014"))->versions.at("GLIBCXX");
  CHECK(cxx.allows("3.4.19"));
  CHECK_FALSE(cxx.allows("3.4.20"));
  CHECK((*find_target("manylinux2014"))->versions.at("CXXABI").allows("TM_1"));
  CHECK_FALSE((*find_target("manylinux_2_35"))->versions.at("GLIBC").allows("ABI_DT_RELR"));
  CHECK((*find_target("manylinux_2_36"))->versions.at("GLIBC").allows("ABI_DT_RELR"));
  CHECK((*find_target("manylinux1"))->priority > (*find_target("manylinux2014"))->priority);
}

TEST_CASE("whitelists and blacklists come from the policy data") {
  // libexpat arrives in manylinux2010, libmvec in manylinux_2_24; zlib's internals are blacklisted.
  CHECK_FALSE((*find_target("manylinux1"))->whitelisted("libexpat.so.1"));
  CHECK((*find_target("manylinux2010"))->whitelisted("libexpat.so.1"));
  CHECK_FALSE((*find_target("manylinux2014"))->whitelisted("libmvec.so.1"));
  CHECK((*find_target("manylinux_2_24"))->whitelisted("libmvec.so.1"));
  CHECK_FALSE((*find_target("manylinux2014"))->whitelisted("libssl.so.3"));
  // musl's libc as Alpine names it in DT_NEEDED is the policy data's "libc.so" (auditwheel maps it per arch).
  CHECK((*find_target("musllinux_1_2"))->whitelisted("libc.musl-x86_64.so.1"));
  CHECK((*find_target("musllinux_1_1", "i686"))->whitelisted("libc.musl-x86.so.1"));
  CHECK((*find_target("musllinux_1_2", "armv7l"))->whitelisted("libc.musl-armv7.so.1"));
  CHECK_FALSE((*find_target("musllinux_1_2"))->whitelisted("libc.musl-aarch64.so.1"));
  CHECK_FALSE((*find_target("manylinux2014"))->whitelisted("libc.musl-x86_64.so.1"));
  const auto& bl = (*find_target("manylinux2014"))->blacklist;
  REQUIRE(bl.count("libz.so.1"));
  CHECK(std::count(bl.at("libz.so.1").begin(), bl.at("libz.so.1").end(), "zcalloc") == 1);
}

TEST_CASE("musllinux whitelists the architecture's musl libc soname for libc.so") {
  // Extensions link to libc.musl-<arch>.so.1; the policy data lists "libc.so" (auditwheel maps one to the other).
  // Without this every musl wheel was judged linux_<arch> (numpy 1.26.4 musllinux_1_1_x86_64, corpus).
  CHECK((*find_target("musllinux_1_1", "x86_64"))->whitelisted("libc.musl-x86_64.so.1"));
  CHECK((*find_target("musllinux_1_2", "i686"))->whitelisted("libc.musl-x86.so.1"));
  CHECK((*find_target("musllinux_1_2", "aarch64"))->whitelisted("libc.musl-aarch64.so.1"));
  CHECK_FALSE((*find_target("musllinux_1_2", "x86_64"))->whitelisted("libc.musl-aarch64.so.1"));
  CHECK_FALSE((*find_target("manylinux2014", "x86_64"))->whitelisted("libc.musl-x86_64.so.1"));
}

TEST_CASE("versions compare numerically component by component") {
  // 2.9 < 2.10 < 2.10.1 and 3.4 == 3.4.0; non-numeric suffixes do not parse.
  CHECK(*Version::parse("2.9") < *Version::parse("2.10"));
  CHECK(*Version::parse("2.10") < *Version::parse("2.10.1"));
  CHECK(*Version::parse("3.4") == *Version::parse("3.4.0"));
  CHECK_FALSE(Version::parse("TM_1"));
  CHECK_FALSE(Version::parse("2..3"));
  CHECK_FALSE(Version::parse(""));
  auto vn = split_version_name("GLIBC_ABI_DT_RELR");
  REQUIRE(vn);
  CHECK(vn->ns == "GLIBC");
  CHECK(vn->suffix == "ABI_DT_RELR");
  CHECK_FALSE(split_version_name("libc.so.6"));
}
