// The SBOM writer (purl quoting, component order, when no SBOM is written) with an injected package lookup, and the
// `.data/scripts` shim rules. Expected strings are Python's own outputs (urllib.parse.quote(s, safe=""), repr()),
// which auditwheel uses to write the same things.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "wheel/sbom.hpp"
#include "wheel/scripts_shim.hpp"

using namespace ferry;
using namespace ferry::wheel;

TEST_CASE("purl parts are quoted as Python's quote(s, safe='') quotes them") {
  CHECK(purl_quote("2.9.14+dfsg-1.3~deb12u1") == "2.9.14%2Bdfsg-1.3~deb12u1");
  CHECK(purl_quote("1:1.2.13.dfsg-1") == "1%3A1.2.13.dfsg-1");
  CHECK(purl_quote("a b/c@d") == "a%20b%2Fc%40d");
  CHECK(purl_quote("\xc3\xa9") == "%C3%A9");
  CHECK(PackageOrigin{"deb", "debian", "libxml2", "2.9.14+dfsg-1.3~deb12u1"}.purl() ==
        "pkg:deb/debian/libxml2@2.9.14%2Bdfsg-1.3~deb12u1");
  CHECK(PackageOrigin{"rpm", "", "zlib", "1.2.7-21.el7"}.purl() == "pkg:rpm/zlib@1.2.7-21.el7");
}

TEST_CASE("the SBOM lists owned files by purl, unowned ones after, and is not written when no package is named") {
  std::vector<SbomFile> files = {{"p.libs/libz-1.so.1", "/usr/lib/libz.so.1.2.13", {}},
                                 {"p.libs/libown-2.so", "/build/libown.so", {}},
                                 {"p.libs/liba-3.so.1", "/usr/lib/liba.so.1", {}}};
  files[0].digest[0] = 0xab;
  auto lookup = [](const std::string& path) -> std::optional<PackageOrigin> {
    if (path == "/usr/lib/libz.so.1.2.13") return PackageOrigin{"deb", "debian", "zlib1g", "1:1.2.13.dfsg-1"};
    if (path == "/usr/lib/liba.so.1") return PackageOrigin{"deb", "debian", "liba1", "2.0"};
    return std::nullopt;
  };
  auto r = make_sbom("p-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", files, lookup);
  REQUIRE(r);
  REQUIRE(r->has_value());
  CHECK((*r)->purls == std::vector<std::string>{"pkg:deb/debian/liba1@2.0", "pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1"});
  CHECK((*r)->unowned == 1);
  auto j = nlohmann::json::parse((*r)->text);
  CHECK(j["specVersion"] == "1.4");
  CHECK(j["metadata"]["component"]["purl"] ==
        "pkg:pypi/p@1.0?file_name=p-1.0-cp311-cp311-manylinux_2_17_x86_64.whl");
  REQUIRE(j["components"].size() == 4);
  CHECK(j["components"][1]["name"] == "liba1");
  CHECK(j["components"][2]["name"] == "zlib1g");
  CHECK(j["components"][2]["hashes"][0]["content"].get<std::string>().starts_with("ab00"));
  CHECK(j["components"][3]["type"] == "file");
  CHECK(j["components"][3]["name"] == "p.libs/libown-2.so");
  CHECK(j["dependencies"][0]["dependsOn"].size() == 3);

  auto none = make_sbom("p-1.0-cp311-cp311-linux_x86_64.whl", files, {});
  REQUIRE(none);
  CHECK(!none->has_value());
  auto empty = make_sbom("p-1.0-cp311-cp311-linux_x86_64.whl", {}, lookup);
  REQUIRE(empty);
  CHECK(!empty->has_value());
  CHECK(!make_sbom("not-a-wheel-name", files, lookup));
}

TEST_CASE("only X.data/scripts/NAME is a data script, and the shim embeds Python's repr of the new path") {
  CHECK(is_data_script("pkg-1.0.data/scripts/tool"));
  CHECK(!is_data_script("pkg-1.0.data/scripts/sub/tool"));
  CHECK(!is_data_script("pkg-1.0.data/data/tool"));
  CHECK(!is_data_script("pkg/scripts/tool"));
  CHECK(!is_data_script(".data/scripts/tool"));
  CHECK(!is_data_script("pkg-1.0.data/scripts/"));
  CHECK(moved_script_member("pkg", "pkg-1.0.data/scripts/tool") == "pkg.scripts/tool");
  CHECK(script_shim_text("pkg.scripts/tool").find("sysconfig.get_path(\"platlib\"), 'pkg.scripts/tool'),") !=
        std::string::npos);
  CHECK(script_shim_text("pkg.scripts/it's").find("\"pkg.scripts/it's\"") != std::string::npos);
  CHECK(script_shim_text("pkg.scripts/a\\b\"c'd").find("'pkg.scripts/a\\\\b\"c\\'d'") != std::string::npos);
  CHECK(script_shim_text("pkg.scripts/t\tx").find("'pkg.scripts/t\\tx'") != std::string::npos);
}
