// Rendering of Mach-O and PE models for `ferry inspect`: JSON carries "format" and "path" and snake_case keys,
// text starts with one summary line naming the path, then indented "key: value" lines.
#include <catch2/catch.hpp>

#include <cctype>

#include "report/inspect_report.hpp"

using namespace ferry;

namespace {

void check_snake_case(const nlohmann::json& j) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      for (char c : it.key()) CHECK((std::islower(static_cast<unsigned char>(c)) || std::isdigit(c) || c == '_'));
      check_snake_case(it.value());
    }
  } else if (j.is_array()) {
    for (const auto& v : j) check_snake_case(v);
  }
}

macho::MachOFile sample_macho(bool fat) {
  macho::MachOFile m;
  m.path = "lib/libfoo.dylib";
  m.fat = fat;
  macho::Slice s;
  s.arch = "arm64";
  s.file_type_name = "dylib";
  s.flags = 0x85;
  s.id = macho::Dylib{"@rpath/libfoo.dylib", macho::DylibKind::load, 0x10203, 0x10000, 0};
  s.dependencies.push_back({"@rpath/libweak.dylib", macho::DylibKind::weak, 0x10000, 0x10000, 0});
  s.rpaths = {"@loader_path/../lib"};
  s.min_os.push_back({"LC_BUILD_VERSION", 1, "macos", 0xb0000, 0xc0000});
  m.slices.push_back(s);
  if (fat) {
    s.arch = "x86_64";
    s.offset = 0x8000;
    m.slices.push_back(s);
  }
  return m;
}

pe::PeInfo sample_pe() {
  pe::PeInfo p;
  p.path = "bin/app.exe";
  p.machine_name = "x86_64";
  p.pe32_plus = true;
  p.subsystem_name = "windows_gui";
  p.os_version = {6, 1};
  p.imports.push_back({"KERNEL32.dll", {{"ExitProcess", std::nullopt, 0}}});
  p.delay_imports.push_back({"USER32.dll", {{"", uint16_t(12), 0}, {"MessageBoxA", std::nullopt, 3}}});
  return p;
}

}  // namespace

TEST_CASE("Mach-O JSON names the format and path and reports each slice's loader facts") {
  auto j = report::to_json(sample_macho(false));
  CHECK(j["format"] == "macho");
  CHECK(j["path"] == "lib/libfoo.dylib");
  const auto& s = j["slices"][0];
  CHECK(s["install_name"]["name"] == "@rpath/libfoo.dylib");
  CHECK(s["install_name"]["current_version"] == "1.2.3");
  CHECK(s["dependencies"][0]["kind"] == "weak");
  CHECK(s["rpaths"][0] == "@loader_path/../lib");
  CHECK(s["min_os"][0]["minos"] == "11.0");
  CHECK(s["min_os"][0]["sdk"] == "12.0");
  CHECK(s["flags"] == nlohmann::json{"NOUNDEFS", "DYLDLINK", "TWOLEVEL"});
  check_snake_case(j);
}

TEST_CASE("Mach-O text: one summary line, then indented fields; fat files list each slice") {
  report::TextStyle plain;
  auto thin = report::to_text(sample_macho(false), plain);
  CHECK(thin.rfind("lib/libfoo.dylib: Mach-O 64-bit arm64 dylib, macos 11.0, sdk 12.0\n", 0) == 0);
  CHECK(thin.find("\n  install name: @rpath/libfoo.dylib (current 1.2.3, compatibility 1.0.0)\n") != std::string::npos);
  CHECK(thin.find("\n    @rpath/libweak.dylib [weak] (current 1.0.0, compatibility 1.0.0)\n") != std::string::npos);
  CHECK(thin.find("\n  rpaths: @loader_path/../lib\n") != std::string::npos);
  auto fat = report::to_text(sample_macho(true), plain);
  CHECK(fat.rfind("lib/libfoo.dylib: Mach-O universal binary, 2 slices: arm64, x86_64\n", 0) == 0);
  CHECK(fat.find("\n  x86_64: dylib, macos 11.0, sdk 12.0 (offset 0x8000)\n") != std::string::npos);
  CHECK(fat.find("\n    rpaths: @loader_path/../lib\n") != std::string::npos);
}

TEST_CASE("PE JSON names the format and path and lists imports with counts and ordinals") {
  auto j = report::to_json(sample_pe());
  CHECK(j["format"] == "pe");
  CHECK(j["path"] == "bin/app.exe");
  CHECK(j["pe_type"] == "PE32+");
  CHECK(j["type"] == "exe");
  CHECK(j["os_version"] == "6.1");
  CHECK(j["imports"][0]["dll"] == "KERNEL32.dll");
  CHECK(j["imports"][0]["function_count"] == 1);
  CHECK(j["delay_imports"][0]["functions"] == nlohmann::json{"#12", "MessageBoxA"});
  CHECK(j["export_name"].is_null());
  check_snake_case(j);
}

TEST_CASE("PE text: one summary line, then imports and delay imports with counts") {
  auto t = report::to_text(sample_pe(), report::TextStyle{});
  CHECK(t.rfind("bin/app.exe: PE32+ executable, x86_64, windows_gui\n", 0) == 0);
  CHECK(t.find("\n  imports: KERNEL32.dll (1)\n") != std::string::npos);
  CHECK(t.find("\n  delay imports: USER32.dll (2)\n") != std::string::npos);
  CHECK(t.find("\n  os version: 6.1\n") != std::string::npos);
}
