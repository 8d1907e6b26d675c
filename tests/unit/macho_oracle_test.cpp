// Mach-O reader against llvm-objdump --macho --private-headers (an independent decoder) on the fixtures built
// from fixtures/macho: header, install name, every dependency with kind and versions, rpaths, minimum OS / SDK.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

#include "macho/macho_info.hpp"
#include "support/file.hpp"
#include "test_support.hpp"

using namespace ferry;
using ferry::test::fixtures_root;
using ferry::test::run_command;

namespace {

const char* kObjdump = "/usr/lib/llvm-14/bin/llvm-objdump";

std::string fixture(const std::string& name) {
  std::string p = fixtures_root() + "/macho/" + name;
  INFO("fixture " << p << " (built by fixtures/macho/build.sh)");
  REQUIRE(std::filesystem::exists(p));
  return p;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// What llvm-objdump prints for one slice: the symbolic header and each load command's "key value" lines.
struct OracleSlice {
  std::vector<std::string> header;  // magic cputype cpusubtype caps filetype ncmds sizeofcmds flags...
  std::vector<std::pair<std::string, std::map<std::string, std::string>>> commands;
};

OracleSlice oracle(const std::string& path, const std::string& arch) {
  std::istringstream in(run_command(std::string(kObjdump) + " --macho --private-headers --arch=" + arch + " '" + path + "'"));
  OracleSlice o;
  std::string line;
  bool want_header = false;
  while (std::getline(in, line)) {
    std::string t = trim(line);
    if (t.rfind("magic cputype", 0) == 0) {
      want_header = true;
      continue;
    }
    if (want_header) {
      std::istringstream ws(t);
      for (std::string w; ws >> w;) o.header.push_back(w);
      want_header = false;
      continue;
    }
    if (t.rfind("cmd ", 0) == 0) {
      o.commands.push_back({t.substr(4), {}});
      continue;
    }
    if (o.commands.empty()) continue;
    // "current version 1.2.3", "compatibility version 1.0.0", "name X (offset 24)", "path X (offset 12)",
    // "platform macos", "minos 10.15", "sdk 12.0", "version 10.13"
    for (const char* key : {"current version", "compatibility version", "name", "path", "platform", "minos", "sdk",
                            "version"}) {
      std::string k = std::string(key) + " ";
      if (t.rfind(k, 0) != 0) continue;
      std::string v = t.substr(k.size());
      if (auto p = v.rfind(" (offset "); p != std::string::npos) v = v.substr(0, p);
      o.commands.back().second.emplace(key, v);
      break;
    }
  }
  return o;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const char* kind_command(macho::DylibKind k) {
  switch (k) {
    case macho::DylibKind::load: return "LC_LOAD_DYLIB";
    case macho::DylibKind::weak: return "LC_LOAD_WEAK_DYLIB";
    case macho::DylibKind::reexport: return "LC_REEXPORT_DYLIB";
    case macho::DylibKind::upward: return "LC_LOAD_UPWARD_DYLIB";
    case macho::DylibKind::lazy: return "LC_LAZY_LOAD_DYLIB";
  }
  return "";
}

// Compares every field ferry reports for one slice with the oracle's decoding of the same slice.
void check_slice(const std::string& path, const macho::Slice& s) {
  INFO(path << " slice " << s.arch);
  OracleSlice o = oracle(path, s.arch);
  REQUIRE(o.header.size() >= 8);
  CHECK(lower(o.header[1]) == s.arch);
  CHECK(lower(o.header[4]) == s.file_type_name);
  CHECK(o.header[5] == std::to_string(s.ncmds));
  CHECK(o.header[6] == std::to_string(s.sizeofcmds));
  std::string flags;
  for (size_t i = 7; i < o.header.size(); ++i) flags += (i > 7 ? " " : "") + o.header[i];
  std::string ours;
  for (const auto& f : macho::header_flag_names(s.flags)) ours += (ours.empty() ? "" : " ") + f;
  CHECK(flags == ours);
  CHECK(o.commands.size() == s.ncmds);

  std::vector<macho::Dylib> deps;
  std::vector<std::string> kinds, rpaths;
  std::optional<std::pair<std::string, std::map<std::string, std::string>>> id;
  std::vector<std::pair<std::string, std::map<std::string, std::string>>> versions;
  for (const auto& [cmd, f] : o.commands) {
    if (cmd == "LC_ID_DYLIB") id = {cmd, f};
    if (cmd == "LC_RPATH") rpaths.push_back(f.at("path"));
    if (cmd == "LC_BUILD_VERSION" || cmd.rfind("LC_VERSION_MIN_", 0) == 0) versions.push_back({cmd, f});
    if (cmd == "LC_LOAD_DYLIB" || cmd == "LC_LOAD_WEAK_DYLIB" || cmd == "LC_REEXPORT_DYLIB" ||
        cmd == "LC_LOAD_UPWARD_DYLIB" || cmd == "LC_LAZY_LOAD_DYLIB") {
      macho::Dylib d;
      d.name = f.at("name");
      deps.push_back(d);
      kinds.push_back(cmd);
      REQUIRE(f.count("current version"));
    }
  }
  REQUIRE(s.dependencies.size() == deps.size());
  size_t i = 0;
  for (const auto& [cmd, f] : o.commands) {
    if (cmd != "LC_LOAD_DYLIB" && cmd != "LC_LOAD_WEAK_DYLIB" && cmd != "LC_REEXPORT_DYLIB" &&
        cmd != "LC_LOAD_UPWARD_DYLIB" && cmd != "LC_LAZY_LOAD_DYLIB")
      continue;
    const auto& d = s.dependencies[i++];
    CHECK(d.name == f.at("name"));
    CHECK(kind_command(d.kind) == cmd);
    CHECK(macho::format_dylib_version(d.current_version) == f.at("current version"));
    CHECK(macho::format_dylib_version(d.compatibility_version) == f.at("compatibility version"));
  }
  CHECK(s.rpaths == rpaths);
  REQUIRE(s.id.has_value() == id.has_value());
  if (id) {
    CHECK(s.id->name == id->second.at("name"));
    CHECK(macho::format_dylib_version(s.id->current_version) == id->second.at("current version"));
    CHECK(macho::format_dylib_version(s.id->compatibility_version) == id->second.at("compatibility version"));
  }
  REQUIRE(s.min_os.size() == versions.size());
  for (size_t k = 0; k < versions.size(); ++k) {
    const auto& [cmd, f] = versions[k];
    CHECK(s.min_os[k].command == cmd);
    CHECK(macho::format_os_version(s.min_os[k].minos) == (cmd == "LC_BUILD_VERSION" ? f.at("minos") : f.at("version")));
    CHECK(macho::format_os_version(s.min_os[k].sdk) == f.at("sdk"));
    if (cmd == "LC_BUILD_VERSION") CHECK(s.min_os[k].platform_name == f.at("platform"));
  }
  CHECK(s.warnings.empty());
}

macho::MachOFile read_fixture(const std::string& name) {
  auto m = MappedFile::open(fixture(name));
  REQUIRE(m.ok());
  auto r = macho::read_macho(m->view(), m->path());
  INFO((r ? "" : r.error().describe()));
  REQUIRE(r.ok());
  return r.value();
}

}  // namespace

TEST_CASE("every Mach-O fixture slice matches llvm-objdump's header, dylibs, rpaths and versions") {
  for (const char* name : {"main", "main_min", "main_arm64", "main_kinds", "libfoo.dylib", "libbar.dylib",
                           "libbaz.dylib", "fat", "libfoo_fat.dylib"}) {
    auto f = read_fixture(name);
    for (const auto& s : f.slices) check_slice(fixture(name), s);
  }
}

TEST_CASE("Mach-O dependencies keep their kind: weak, re-export, upward and lazy") {
  auto f = read_fixture("main_kinds");
  REQUIRE(f.slices.size() == 1);
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& d : f.slices[0].dependencies) got.push_back({d.name, macho::to_string(d.kind)});
  std::vector<std::pair<std::string, std::string>> want = {{"/usr/lib/libSystem.B.dylib", "lazy"},
                                                           {"@rpath/libfoo.dylib", "weak"},
                                                           {"@rpath/libbar.dylib", "load"},
                                                           {"@rpath/libbar.dylib", "reexport"},
                                                           {"/opt/baz/libbaz.dylib", "upward"}};
  CHECK(got == want);
}

TEST_CASE("a dylib's install name comes from LC_ID_DYLIB and is not listed among its dependencies") {
  auto f = read_fixture("libfoo.dylib");
  const auto& s = f.slices.at(0);
  REQUIRE(s.install_name() != nullptr);
  CHECK(*s.install_name() == "@rpath/libfoo.dylib");
  CHECK(macho::format_dylib_version(s.id->current_version) == "1.2.3");
  CHECK(macho::format_dylib_version(s.id->compatibility_version) == "1.0.0");
  REQUIRE(s.dependencies.size() == 1);
  CHECK(s.dependencies[0].name == "/usr/lib/libSystem.B.dylib");
}

TEST_CASE("every LC_RPATH is kept, in order") {
  auto f = read_fixture("main");
  CHECK(f.slices.at(0).rpaths ==
        std::vector<std::string>{"@executable_path/../lib", "@loader_path/lib", "/opt/ferry/lib"});
}

TEST_CASE("minimum OS comes from LC_BUILD_VERSION or LC_VERSION_MIN_MACOSX, whichever the linker wrote") {
  auto build = read_fixture("main").slices.at(0);
  REQUIRE(build.min_os.size() == 1);
  CHECK(build.min_os[0].command == "LC_BUILD_VERSION");
  CHECK(build.min_os[0].platform_name == "macos");
  CHECK(macho::format_os_version(build.min_os[0].minos) == "10.15");
  CHECK(macho::format_os_version(build.min_os[0].sdk) == "12.0");
  auto old = read_fixture("main_min").slices.at(0);
  REQUIRE(old.min_os.size() == 1);
  CHECK(old.min_os[0].command == "LC_VERSION_MIN_MACOSX");
  CHECK(macho::format_os_version(old.min_os[0].minos) == "10.13");
  CHECK(macho::format_os_version(old.min_os[0].sdk) == "11.0");
}

TEST_CASE("a universal file yields one slice per fat_arch, at the offsets llvm-otool -f lists") {
  auto f = read_fixture("fat");
  CHECK(f.fat);
  REQUIRE(f.slices.size() == 2);
  std::istringstream in(run_command("/usr/lib/llvm-14/bin/llvm-otool -f '" + fixture("fat") + "'"));
  std::vector<uint64_t> offsets, sizes;
  for (std::string line; std::getline(in, line);) {
    std::string t = trim(line);
    if (t.rfind("offset ", 0) == 0) offsets.push_back(std::stoull(t.substr(7)));
    if (t.rfind("size ", 0) == 0) sizes.push_back(std::stoull(t.substr(5)));
  }
  REQUIRE(offsets.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    CHECK(f.slices[i].offset == offsets[i]);
    CHECK(f.slices[i].size == sizes[i]);
  }
  CHECK(f.slices[0].arch == "x86_64");
  CHECK(f.slices[1].arch == "arm64");
}
