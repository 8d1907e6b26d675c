// pe::rename_imports's three placements on the MinGW fixture DLLs (fixtures/winwheel): a shorter name goes over
// the old one (file size and section table unchanged), a longer one into section slack (VirtualSize grows, file
// size unchanged), and into a new section when there is no slack (libover.dll, whose overlay keeps its offset);
// every result re-read by read_pe names the new DLL, and nothing else in the import list changes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "pe/edit_imports.hpp"
#include "pe/pe_info.hpp"
#include "support/file.hpp"
#include "test_support.hpp"

using namespace ferry;

namespace {

std::vector<uint8_t> fixture_dll(const std::string& name) {
  std::string p = test::fixtures_root() + "/winwheel/x64/deps/" + name;
  if (!std::filesystem::exists(p)) return {};
  auto b = read_file(p);
  REQUIRE(b);
  return *b;
}

std::vector<std::string> import_names(const std::vector<uint8_t>& b) {
  auto info = pe::read_pe(ByteView(b.data(), b.size()), "test");
  REQUIRE(info);
  std::vector<std::string> n;
  for (auto& d : info->imports) n.push_back(d.name);
  return n;
}

}  // namespace

TEST_CASE("rename_imports places names in place, in slack, or in a new section", "[pe][edit]") {
  auto mid = fixture_dll("libmid.dll"), over = fixture_dll("libover.dll");
  REQUIRE(!mid.empty());  // fixtures/winwheel needs MinGW (scripts/install-deps.sh --test)
  REQUIRE(!over.empty());
  auto before = import_names(mid);

  SECTION("a shorter name is written over the old one") {
    pe::ImportEditReport rep;
    auto out = pe::rename_imports(ByteView(mid.data(), mid.size()), {{"libleaf.dll", "lf.dll"}}, rep);
    REQUIRE(out);
    CHECK(out->size() == mid.size());
    REQUIRE(rep.renamed.size() == 1);
    CHECK(rep.renamed[0] == "libleaf.dll -> lf.dll (in place)");
    auto after = import_names(*out);
    std::replace(before.begin(), before.end(), std::string("libleaf.dll"), std::string("lf.dll"));
    CHECK(after == before);
  }
  SECTION("a longer name goes into section slack") {
    pe::ImportEditReport rep;
    std::string longer = "libleaf-0123456789abcdef0123456789abcdef.dll";
    auto out = pe::rename_imports(ByteView(mid.data(), mid.size()), {{"libleaf.dll", longer}}, rep);
    REQUIRE(out);
    CHECK(out->size() == mid.size());
    REQUIRE(rep.renamed.size() == 1);
    CHECK(rep.renamed[0].find("(slack of ") != std::string::npos);
    auto after = import_names(*out);
    CHECK(std::count(after.begin(), after.end(), longer) == 1);
  }
  SECTION("without slack a new section is added after the overlay") {
    pe::ImportEditReport rep;
    auto out = pe::rename_imports(ByteView(over.data(), over.size()), {{"libleaf.dll", "libleaf-x.dll"}}, rep);
    REQUIRE(out);
    REQUIRE(rep.renamed.size() == 1);
    CHECK(rep.renamed[0] == "libleaf.dll -> libleaf-x.dll (new section .ferry)");
    CHECK(out->size() > over.size());
    const std::string tag = "FERRY-OVERLAY-KEEP-ME";
    auto at = [&](const std::vector<uint8_t>& b) {
      return std::search(b.begin(), b.end(), tag.begin(), tag.end()) - b.begin();
    };
    CHECK(at(*out) == at(over));
    auto info = pe::read_pe(ByteView(out->data(), out->size()), "test");
    REQUIRE(info);
    CHECK(info->section_count == pe::read_pe(ByteView(over.data(), over.size()), "t")->section_count + 1);
  }
  SECTION("nothing to rename returns the image unchanged") {
    pe::ImportEditReport rep;
    auto out = pe::rename_imports(ByteView(mid.data(), mid.size()), {{"absent.dll", "x.dll"}}, rep);
    REQUIRE(out);
    CHECK(*out == mid);
    CHECK(rep.renamed.empty());
  }
}
