// Bundle pieces that need no program run: the same-length seals, LD_DEBUG parsing, the installer text, output
// kinds and archive ordering. Oracles: the bytes themselves, glibc's message format, python-free base64 checks.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "bundle/bundle.hpp"
#include "bundle/bundle_internal.hpp"
#include "process.hpp"  // tools/ferry: the CLI's real tracer
#include "elf/elf_info.hpp"
#include "support/file.hpp"

using namespace ferry;
using namespace ferry::bundle;

namespace {
std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }
std::string text_of(const std::vector<uint8_t>& v) { return {v.begin(), v.end()}; }
}  // namespace

TEST_CASE("rename_cstring renames only whole NUL-terminated strings, keeping the length") {
  auto img = bytes_of(std::string("\0GCONV_PATH\0XGCONV_PATH\0GCONV_PATHS\0GCONV_PATH\0", 47));
  auto n = rename_cstring(img, "GCONV_PATH", "FERRYGCONV", "libc.so.6");
  REQUIRE(n.ok());
  CHECK(n.value() == 2);
  CHECK(img.size() == 47);
  CHECK(text_of(img) == std::string("\0FERRYGCONV\0XGCONV_PATH\0GCONV_PATHS\0FERRYGCONV\0", 47));
}

TEST_CASE("rename_cstring refuses a different length and names the file when the string is absent") {
  auto img = bytes_of(std::string("\0LOCPATH\0", 9));
  auto bad = rename_cstring(img, "LOCPATH", "LONGERNAME", "libc.so.6");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ErrorCode::usage);
  auto missing = rename_cstring(img, "GCONV_PATH", "FERRYGCONV", "/x/libc.so.6");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().describe().find("/x/libc.so.6") != std::string::npos);
  CHECK(missing.error().message.find("GCONV_PATH") != std::string::npos);
}

TEST_CASE("rename_python_home renames getpath's key everywhere (C string and frozen code) and the old C string") {
  // 3.11+: "ENV_PYTHONHOME" as a C string and as a marshal short interned string (0xda, length 14) in getpath's
  // frozen code; up to 3.10: the C string "PYTHONHOME". The usage text mentioning PYTHONHOME stays.
  using namespace std::string_literals;
  std::string in = "\0ENV_PYTHONHOME\0\xda\x0e" "ENV_PYTHONHOME\xda\0PYTHONHOME\0PYTHONHOME   : alternate\0"s;
  auto img = bytes_of(in);
  std::vector<std::string> edits;
  auto n = rename_python_home(img, "libpython3.11.so.1.0", &edits);
  REQUIRE(n.ok());
  CHECK(n.value() == 3);
  CHECK(img.size() == in.size());
  CHECK(in.size() == 70);
  CHECK(text_of(img) == "\0ENV_FERRYPHOME\0\xda\x0e" "ENV_FERRYPHOME\xda\0FERRYPHOME\0PYTHONHOME   : alternate\0"s);
  CHECK(edits == std::vector<std::string>{"PYTHONHOME read as FERRYPHOME"});
  auto none = bytes_of("\0PYTHONPATH\0"s);
  auto r = rename_python_home(none, "/x/libpython3.so", nullptr);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().describe().find("/x/libpython3.so") != std::string::npos);
}

TEST_CASE("find_interpreter_files knows libpython and libtcl by soname and nothing else") {
  CHECK_FALSE(find_interpreter_files("libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1", "").has_value());
  CHECK_FALSE(find_interpreter_files("libpythonic.so", "/nonexistent/libpythonic.so", "").has_value());
  auto py = find_interpreter_files("libpython3.13t.so.1.0", "/nonexistent/lib/libpython3.13t.so.1.0", "");
  REQUIRE(py.has_value());
  CHECK(py->language == "python3.13t");
  CHECK(py->trees.empty());  // no os.py above /nonexistent/lib: a warning instead
  CHECK(py->warning.find("python3.13t/os.py") != std::string::npos);
  CHECK(py->home_variable == "FERRYPHOME");
  auto tcl = find_interpreter_files("libtcl8.6.so", "/nonexistent/libtcl8.6.so", "");
  REQUIRE(tcl.has_value());
  CHECK(tcl->language == "tcl8.6");
  CHECK(tcl->trees.empty());
  CHECK_FALSE(tcl->warning.empty());
}

TEST_CASE("sealed paths have the asked length, keep a trailing slash and cannot name a real directory") {
  for (size_t n : {5u, 9u, 16u, 22u, 26u, 60u}) {
    auto dir = sealed_path(n, true);
    CHECK(dir.size() == n);
    CHECK(dir.front() == '/');
    CHECK(dir.back() == '/');
    CHECK(dir[1] == '\x01');
    CHECK(sealed_path(n, false).size() == n);
  }
}

TEST_CASE("seal_loader removes the host cache, preload and default dirs from this machine's loader") {
  auto ld = read_file("/lib64/ld-linux-x86-64.so.2");
  if (!ld) return;  // not an x86-64 glibc machine
  auto img = ld.value();
  std::vector<std::string> edits;
  REQUIRE(seal_loader(img, "ld.so", &edits).ok());
  CHECK(img.size() == ld->size());
  auto contains = [&](const std::string& s) {
    std::string needle = std::string(1, '\0') + s + std::string(1, '\0');
    return std::search(img.begin(), img.end(), needle.begin(), needle.end()) != img.end();
  };
  CHECK_FALSE(contains("/etc/ld.so.cache"));
  CHECK_FALSE(contains("/etc/ld.so.preload"));
  CHECK_FALSE(contains("/lib/x86_64-linux-gnu/"));
  CHECK_FALSE(contains("/usr/lib/x86_64-linux-gnu/"));
  CHECK(std::find(edits.begin(), edits.end(), "sealed /etc/ld.so.cache") != edits.end());
  // A file that is not glibc's loader is refused rather than "sealed" by accident.
  auto other = bytes_of("not a loader");
  CHECK_FALSE(seal_loader(other, "x", nullptr).ok());
}

TEST_CASE("LD_DEBUG parsing takes the last tried file before each link map, direct paths and init calls") {
  std::string text =
      "     17:\tfind library=libc.so.6 [0]; searching\n"
      "     17:\t search path=/b/lib\t\t(LD_LIBRARY_PATH)\n"
      "     17:\t  trying file=/b/lib/glibc-hwcaps/x86-64-v3/libc.so.6\n"
      "     17:\t  trying file=/b/lib/libc.so.6\n"
      "     17:\t\n"
      "     17:\tfile=libc.so.6 [0];  generating link map\n"
      "     17:\tfile=/usr/lib/x86_64-linux-gnu/libz.so.1 [0];  generating link map\n"
      "     17:\tcalling init: /b/lib/libdep.so\n"
      "     18:\t  trying file=/lib/x86_64-linux-gnu/libm.so.6\n"
      "     18:\tfile=libm.so.6 [0];  generating link map\n";
  auto loaded = parse_ld_debug_loaded(text);
  CHECK(loaded == std::vector<std::string>{"/b/lib/libc.so.6", "/b/lib/libdep.so", "/lib/x86_64-linux-gnu/libm.so.6",
                                           "/usr/lib/x86_64-linux-gnu/libz.so.1"});
}

TEST_CASE("installer script carries the payload as base64 in a here-document and runs the install step") {
  std::vector<uint8_t> payload = {'f', 'e', 'r', 'r', 'y', 0xff, 0x00};
  auto s = installer_script(payload, {{"git", "/usr/bin/git"}, {"python3", "/usr/bin/python3"}});
  CHECK(s.rfind("#!/bin/sh\n", 0) == 0);
  CHECK(s.find("base64 -d <<'FERRY_PAYLOAD_END' | gzip -dc | tar -xf - -C \"$dest\"\nZmVycnn/AA==\nFERRY_PAYLOAD_END\n") !=
        std::string::npos);
  CHECK(s.find("\"$dest/.ferry/ferry-launcher\" --install\n") != std::string::npos);
  CHECK(s.find("git python3") != std::string::npos);
  // Long payloads wrap at 76 columns, as base64(1) writes and reads them.
  std::vector<uint8_t> big(1000, 'a');
  auto t = installer_script(big, {});
  const std::string head = "tar -xf - -C \"$dest\"\n";
  size_t start = t.find(head) + head.size();
  size_t eol = t.find('\n', start);
  CHECK(eol - start == 76);
}

TEST_CASE("output kind follows the output name") {
  CHECK(output_kind_for("out.tar.zst") == OutputKind::tar_zst);
  CHECK(output_kind_for("out.tzst") == OutputKind::tar_zst);
  CHECK(output_kind_for("out.tar.gz") == OutputKind::tar_gz);
  CHECK(output_kind_for("out.tgz") == OutputKind::tar_gz);
  CHECK(output_kind_for("install.sh") == OutputKind::installer);
  CHECK(output_kind_for("dir") == OutputKind::directory);
  CHECK(output_kind_for(".sh") == OutputKind::directory);
}

TEST_CASE("archive order lists every directory and puts hard-link targets before their links") {
  BundlePlan plan;
  BundleFile a;
  a.path = "bin/git";
  a.link_to = ".ferry/ferry-launcher";
  BundleFile b;
  b.path = ".ferry/ferry-launcher";
  BundleFile c;
  c.path = "lib/python3.11/os.py";
  plan.files = {a, b, c};
  auto items = archive_order(plan);
  std::vector<std::string> paths;
  for (const auto& i : items) paths.push_back(i.path + (i.directory ? "/" : ""));
  CHECK(paths == std::vector<std::string>{".ferry/", ".ferry/ferry-launcher", "bin/", "bin/git", "lib/",
                                          "lib/python3.11/", "lib/python3.11/os.py"});
}

TEST_CASE("detect_files records every regular file the command and its children open, read back from /proc") {
  auto r = detect_files({"/bin/sh", "-c", "cat /etc/hostname >/dev/null; cat /etc/os-release >/dev/null"},
                        ferry::cli::trace_opens);
  REQUIRE(r.ok());
  CHECK(r->exit_code == 0);
  auto has = [&](const std::string& f) { return std::find(r->files.begin(), r->files.end(), f) != r->files.end(); };
  CHECK(has("/etc/hostname"));  // opened by a child process
  bool libc = std::any_of(r->files.begin(), r->files.end(),
                          [](const std::string& f) { return f.find("libc.so.6") != std::string::npos; });
  CHECK(libc);
  CHECK_FALSE(has("/dev/null"));  // not a regular file
  auto missing = detect_files({"/nonexistent/program"}, ferry::cli::trace_opens);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("/nonexistent/program") != std::string::npos);
}

TEST_CASE("plan_bundle lays out the fixture probe: launcher links, edited program, sealed loader, one store") {
  const char* fix = std::getenv("FERRY_FIXTURES");
  const char* build = std::getenv("FERRY_BUILD");
  if (!fix || !build) return;  // run through ctest
  auto launcher = read_file(std::string(build) + "/bin/ferry-launcher");
  REQUIRE(launcher.ok());
  BundleOptions o;
  o.executables = {std::string(fix) + "/bundle/probe"};
  o.launcher = launcher.value();
  o.glibc_data = false;
  auto plan = plan_bundle(o);
  REQUIRE(plan.ok());
  std::map<std::string, const BundleFile*> by;
  for (const auto& f : plan->files) by[f.path] = &f;
  REQUIRE(by.count("bin/probe"));
  CHECK(by["bin/probe"]->link_to == ".ferry/ferry-launcher");
  REQUIRE(by.count("libexec/probe"));
  CHECK(by["libexec/probe"]->role == Role::program);
  CHECK(by["libexec/probe"]->sha256 != by["libexec/probe"]->origin_sha256);
  CHECK(by.count("lib/libprobedep.so"));
  CHECK(by.count("lib/libc.so.6"));
  CHECK(by.count("ld/ld-linux-x86-64.so.2"));
  CHECK_FALSE(by.count("data/gconv/gconv-modules"));  // glibc_data off
  CHECK(by.count("manifest.json"));
  CHECK(std::is_sorted(plan->files.begin(), plan->files.end(),
                       [](const BundleFile& a, const BundleFile& b) { return a.path < b.path; }));
  // The program's reserved interpreter and search path, read back with ferry's reader.
  const auto& prog = *by["libexec/probe"];
  REQUIRE(prog.content);
  auto info = elf::read_elf(ByteView(prog.content->data(), prog.content->size()), "probe");
  REQUIRE(info.ok());
  REQUIRE(info->interpreter);
  CHECK(info->interpreter->rfind("/ferry-bundle-not-installed/", 0) == 0);
  CHECK(info->interpreter->size() == kReservedInterpLength);
  CHECK(info->rpath == std::optional<std::string>("$ORIGIN/../lib"));
  CHECK_FALSE(info->runpath);
  CHECK(info->has_nodeflib());
}
