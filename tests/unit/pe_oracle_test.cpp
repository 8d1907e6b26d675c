// PE reader against llvm-readobj --file-headers --coff-imports --coff-exports (and MinGW objdump -p for the export
// DLL name) on the fixtures from fixtures/pe, on the generated delay-load images, and on MSVC-built launcher
// executables shipped in the machine's pyenv trees when they are present.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

#include "pe/pe_info.hpp"
#include "support/file.hpp"
#include "test_support.hpp"

using namespace ferry;
using ferry::test::fixtures_root;
using ferry::test::run_command;
namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& name) {
  return fixtures_root() + "/pe/" + name;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

uint64_t num(const std::string& s) {  // "6", "0x20B", "IMAGE_FILE_MACHINE_AMD64 (0x8664)", "[ (0x26)"
  auto p = s.rfind("(0x");
  if (p != std::string::npos) return std::stoull(s.substr(p + 1), nullptr, 16);
  return std::stoull(s, nullptr, 0);
}

struct OracleDll {
  std::string name;
  std::vector<std::string> symbols;  // "name (hint)" or " (ordinal)"
};
struct Oracle {
  std::map<std::string, std::string> file_header, optional_header;
  std::vector<OracleDll> imports, delay_imports;
  std::vector<std::string> exports;
};

Oracle oracle(const std::string& path) {
  std::istringstream in(
      run_command("/usr/lib/llvm-14/bin/llvm-readobj --file-headers --coff-imports --coff-exports '" + path + "'"));
  Oracle o;
  std::string block;
  for (std::string line; std::getline(in, line);) {
    std::string t = trim(line);
    if (t == "ImageFileHeader {" || t == "ImageOptionalHeader {" || t == "Import {" || t == "DelayImport {" ||
        t == "Export {" || t == "DOSHeader {" || t == "DataDirectory {") {
      if (t == "Import {" && block == "DelayImport") continue;  // the per-symbol block inside a DelayImport
      block = t.substr(0, t.size() - 2);
      if (block == "Import") o.imports.emplace_back();
      if (block == "DelayImport") o.delay_imports.emplace_back();
      continue;
    }
    if (t == "}" && block == "DataDirectory") block = "ImageOptionalHeader";
    auto colon = t.find(": ");
    std::string key = colon == std::string::npos ? t.substr(0, t.find(" [")) : t.substr(0, colon);
    std::string value = colon == std::string::npos ? t.substr(key.size()) : t.substr(colon + 2);
    if (block == "ImageFileHeader" && !o.file_header.count(key)) o.file_header[key] = value;
    if (block == "ImageOptionalHeader" && !o.optional_header.count(key)) o.optional_header[key] = value;
    auto& dlls = block == "Import" ? o.imports : o.delay_imports;
    if (block == "Import" || block == "DelayImport") {
      if (key == "Name") dlls.back().name = value;
      if (key == "Symbol") dlls.back().symbols.push_back(t.substr(8));
    }
    if (block == "Export" && key == "Name") o.exports.push_back(value);
  }
  return o;
}

// The Name line of the export table in `objdump -p`: "Name   0000000000008046 mylib.dll".
std::optional<std::string> objdump_export_name(const std::string& path, bool pe32_plus) {
  const char* tool = pe32_plus ? "x86_64-w64-mingw32-objdump" : "i686-w64-mingw32-objdump";
  if (std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) != 0) return std::nullopt;
  std::istringstream in(run_command(std::string(tool) + " -p '" + path + "' 2>/dev/null"));
  bool in_exports = false;
  for (std::string line; std::getline(in, line);) {
    if (line.find("The Export Tables") != std::string::npos) in_exports = true;
    if (in_exports && line.rfind("Name ", 0) == 0) {
      std::istringstream ws(line);
      std::string name, addr, value;
      ws >> name >> addr >> value;
      return value;
    }
  }
  return std::string();
}

std::string symbol_label(const pe::ImportedFunction& f) {
  return f.ordinal ? " (" + std::to_string(*f.ordinal) + ")" : f.name + " (" + std::to_string(f.hint) + ")";
}

void check_dlls(const std::vector<pe::ImportedDll>& ours, const std::vector<OracleDll>& theirs) {
  REQUIRE(ours.size() == theirs.size());
  for (size_t i = 0; i < ours.size(); ++i) {
    INFO("dll " << ours[i].name);
    CHECK(ours[i].name == theirs[i].name);
    std::vector<std::string> labels;
    for (const auto& f : ours[i].functions) labels.push_back(symbol_label(f));
    CHECK(labels == theirs[i].symbols);
  }
}

// Compares every field ferry reports with llvm-readobj's decoding of the same file.
pe::PeInfo check_against_oracle(const std::string& path) {
  INFO(path);
  auto m = MappedFile::open(path);
  REQUIRE(m.ok());
  auto r = pe::read_pe(m->view(), path);
  INFO((r ? "" : r.error().describe()));
  REQUIRE(r.ok());
  const pe::PeInfo& p = r.value();
  Oracle o = oracle(path);
  CHECK(num(o.file_header.at("Machine")) == p.machine);
  CHECK(num(o.file_header.at("Characteristics")) == p.characteristics);
  CHECK(num(o.file_header.at("SectionCount")) == p.section_count);
  CHECK(num(o.optional_header.at("Magic")) == (p.pe32_plus ? 0x20b : 0x10b));
  CHECK(num(o.optional_header.at("Subsystem")) == p.subsystem);
  CHECK(num(o.optional_header.at("Characteristics")) == p.dll_characteristics);
  CHECK(num(o.optional_header.at("MajorOperatingSystemVersion")) == p.os_version.major);
  CHECK(num(o.optional_header.at("MinorOperatingSystemVersion")) == p.os_version.minor);
  CHECK(num(o.optional_header.at("MajorSubsystemVersion")) == p.subsystem_version.major);
  CHECK(num(o.optional_header.at("MinorSubsystemVersion")) == p.subsystem_version.minor);
  CHECK(num(o.optional_header.at("ImageBase")) == p.image_base);
  CHECK(num(o.optional_header.at("AddressOfEntryPoint")) == p.entry_point);
  check_dlls(p.imports, o.imports);
  check_dlls(p.delay_imports, o.delay_imports);
  auto names = p.exported_names, theirs = o.exports;
  std::sort(names.begin(), names.end());
  std::sort(theirs.begin(), theirs.end());
  CHECK(names == theirs);
  if (auto name = objdump_export_name(path, p.pe32_plus)) CHECK(p.export_name.value_or("") == *name);
  CHECK(p.warnings.empty());
  return p;
}

}  // namespace

TEST_CASE("MinGW-built PE fixtures match llvm-readobj's headers, imports and exports") {
  int checked = 0;
  for (const char* dir : {"x64", "x86"})
    for (const char* name : {"mylib.dll", "app.exe", "gui.exe"}) {
      std::string p = fixture(std::string(dir) + "/" + name);
      if (std::string(dir) == "x86" && !fs::exists(p)) continue;  // i686-w64-mingw32-gcc not installed
      check_against_oracle(p);
      ++checked;
    }
  CHECK(checked >= 3);
}

TEST_CASE("PE facts the issue names: DLL flag, subsystem, OS version, import counts, export name") {
  auto dll = check_against_oracle(fixture("x64/mylib.dll"));
  CHECK(dll.is_dll);
  CHECK(dll.pe32_plus);
  CHECK(dll.export_name == std::optional<std::string>("mylib.dll"));
  CHECK(dll.export_count == 3);
  auto app = check_against_oracle(fixture("x64/app.exe"));
  CHECK_FALSE(app.is_dll);
  CHECK(app.machine_name == "x86_64");
  CHECK(app.subsystem_name == "windows_cui");
  CHECK(app.os_version.major == 6);
  CHECK(app.os_version.minor == 1);
  std::map<std::string, size_t> counts;
  for (const auto& d : app.imports) counts[d.name] = d.functions.size();
  REQUIRE(counts.size() == 3);
  CHECK(counts.count("KERNEL32.dll") == 1);
  CHECK(counts.count("msvcrt.dll") == 1);
  CHECK(counts["mylib.dll"] == 2);
  auto gui = check_against_oracle(fixture("x64/gui.exe"));
  CHECK(gui.subsystem_name == "windows_gui");
}

TEST_CASE("delay-loaded DLLs are decoded for PE32+ and PE32, including ordinal imports") {
  for (const char* name : {"delay64.exe", "delay32.exe"}) {
    auto p = check_against_oracle(fixture(name));
    CHECK(p.pe32_plus == (std::string(name) == "delay64.exe"));
    REQUIRE(p.delay_imports.size() == 2);
    CHECK(p.delay_imports[0].name == "USER32.dll");
    CHECK(p.delay_imports[0].functions.size() == 2);
    CHECK(p.delay_imports[1].name == "SHELL32.dll");
    REQUIRE(p.delay_imports[1].functions.size() == 2);
    CHECK(p.delay_imports[1].functions[0].ordinal == std::optional<uint16_t>(680));
    REQUIRE(p.imports.size() == 1);
    CHECK(p.imports[0].name == "KERNEL32.dll");
  }
}

TEST_CASE("MSVC-built launchers from the pyenv trees match llvm-readobj (skipped when absent)") {
  std::vector<std::string> samples;
  std::error_code ec;
  if (fs::exists("/root/.pyenv", ec))
    for (auto it = fs::recursive_directory_iterator("/root/.pyenv", fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it->is_regular_file(ec) && it->path().extension() == ".exe") samples.push_back(it->path().string());
      if (samples.size() >= 12) break;
    }
  if (samples.empty()) {
    WARN("no MSVC-built samples under /root/.pyenv; nothing to compare");
    return;
  }
  for (const auto& s : samples) check_against_oracle(s);
}
