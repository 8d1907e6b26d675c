// The resolver's header-only ELF reader (lib/elf/read_headers.cpp) against the full reader, elf::read_elf,
// as oracle: the same fields for every ELF object on this system and for tiny images in all four class/byte
// orders; damaged images give one error naming the structure and its offset, never a crash.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "elf/elf_info.hpp"
#include "patch_test_elf.hpp"
#include "elf/read_headers.hpp"

using namespace ferry;
using namespace ferry::elf;
namespace fs = std::filesystem;

namespace {

// Every field the header reader promises, as one comparable string.
std::string fields(const elf::ElfInfo& i) {
  std::string s = i.path + " size=" + std::to_string(i.file_size) + " bits=" + std::to_string(i.bits) +
                  " endian=" + std::to_string(static_cast<int>(i.endian)) + " osabi=" + std::to_string(i.osabi) +
                  " abiv=" + std::to_string(i.abi_version) + " type=" + std::to_string(i.e_type) +
                  " kind=" + elf::to_string(i.kind) + " machine=" + std::to_string(i.machine) + " " + i.machine_name +
                  " entry=" + std::to_string(i.entry) + " flags=" + std::to_string(i.e_flags) +
                  " phoff=" + std::to_string(i.phoff) + " phnum=" + std::to_string(i.phnum) + "\n";
  for (const auto& g : i.segments)
    s += " seg " + std::to_string(g.type) + " " + std::to_string(g.flags) + " " + std::to_string(g.offset) + " " +
         std::to_string(g.vaddr) + " " + std::to_string(g.paddr) + " " + std::to_string(g.filesz) + " " +
         std::to_string(g.memsz) + " " + std::to_string(g.align) + "\n";
  s += " stack=" + std::string(i.exec_stack ? (*i.exec_stack ? "x" : "nx") : "none") +
       " tls=" + std::to_string(i.has_tls) + " phdr_in_load=" + std::to_string(i.phdr_in_first_load) +
       " interp=" + i.interpreter.value_or("-") + " dynamic=" + std::to_string(i.has_dynamic) +
       " soname=" + i.soname.value_or("-") + " rpath=" + i.rpath.value_or("-") + " runpath=" + i.runpath.value_or("-");
  for (const auto& n : i.needed) s += " needed=" + n;
  for (const auto& n : i.rpath_entries) s += " rp=" + n;
  for (const auto& n : i.runpath_entries) s += " rn=" + n;
  s += " dt_flags=" + std::to_string(i.dt_flags) + " dt_flags_1=" + std::to_string(i.dt_flags_1) +
       " textrel=" + std::to_string(i.textrel) + " relr=" + std::to_string(i.relr) +
       " hash=" + std::to_string(i.sysv_hash) + " gnu_hash=" + std::to_string(i.gnu_hash) +
       " now=" + std::to_string(i.bind_now) + " init=" + std::to_string(i.has_init_array);
  return s;
}

Result<std::optional<elf::ElfInfo>> headers_of_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    if (fd >= 0) ::close(fd);
    return make_error(ErrorCode::io, "cannot open").with_path(path);
  }
  auto r = read_elf_headers(FdSource(fd, static_cast<uint64_t>(st.st_size)), path);
  ::close(fd);
  return r;
}

Result<std::optional<elf::ElfInfo>> headers_of(const std::vector<uint8_t>& b) {
  return read_elf_headers(MemorySource(ByteView(b.data(), b.size())), "tiny.so");
}

std::vector<test::TinyElf> four_layouts() {
  std::vector<test::TinyElf> out;
  for (bool is64 : {true, false})
    for (bool big : {false, true}) {
      test::TinyElf t;
      t.is64 = is64;
      t.big = big;
      t.machine = is64 ? EM_X86_64 : EM_386;
      t.need("libfoo.so.1").need("libc.so.6").name("libtiny.so.1").path("$ORIGIN/../lib:/opt/x");
      t.interp = "/lib/ld-tiny.so.1";
      out.push_back(t);
    }
  return out;
}

std::string layout_name(const test::TinyElf& t) {
  return std::string(t.is64 ? "ELF64" : "ELF32") + (t.big ? " big-endian" : " little-endian");
}

}  // namespace

TEST_CASE("header reader: every ELF object under /usr/bin and /usr/lib/x86_64-linux-gnu reads as read_elf reads it",
          "[resolve]") {
  size_t compared = 0, deferred = 0;
  for (const char* dir : {"/usr/bin", "/usr/lib/x86_64-linux-gnu"}) {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
         it != end; it.increment(ec)) {
      if (ec) break;
      std::error_code ec2;
      if (it->is_symlink(ec2) || !it->is_regular_file(ec2)) continue;
      std::string path = it->path().string();
      auto full = elf::read_elf_file(path, elf::ReadOptions{.symbols = false});
      if (!full && full.error().message == "not an ELF file") continue;
      auto fast = headers_of_file(path);
      INFO(path);
      if (!full) {
        // A file read_elf refuses is refused here too, or left to read_elf.
        CHECK((!fast || !fast->has_value()));
        continue;
      }
      REQUIRE(fast);
      if (!fast->has_value()) {
        ++deferred;
        continue;
      }
      CHECK(fields(**fast) == fields(*full));
      ++compared;
    }
  }
  CHECK(compared > 100);
  CHECK(deferred * 50 < compared);  // the fallback stays the exception
}

TEST_CASE("header reader: tiny objects in all four class/byte orders read as read_elf reads them", "[resolve]") {
  for (auto t : four_layouts()) {
    INFO(layout_name(t));
    auto b = t.build();
    auto full = elf::read_elf(ByteView(b.data(), b.size()), "tiny.so", elf::ReadOptions{.symbols = false});
    REQUIRE(full);
    auto fast = headers_of(b);
    REQUIRE(fast);
    REQUIRE(fast->has_value());
    CHECK(fields(**fast) == fields(*full));
    CHECK((*fast)->needed == std::vector<std::string>{"libfoo.so.1", "libc.so.6"});
    CHECK((*fast)->runpath_entries == std::vector<std::string>{"$ORIGIN/../lib", "/opt/x"});
    CHECK((*fast)->interpreter == std::optional<std::string>("/lib/ld-tiny.so.1"));
  }
}

TEST_CASE("header reader: strings longer than one read chunk and far apart in .dynstr are read whole", "[resolve]") {
  for (auto t : four_layouts()) {
    INFO(layout_name(t));
    std::string long_name = "lib" + std::string(3000, 'x') + ".so";
    t.needed = {"libfirst.so", long_name, "liblast.so"};
    t.runpath = std::string(70000, 'r');  // pushes DT_RUNPATH's string past the head block
    auto b = t.build();
    auto fast = headers_of(b);
    REQUIRE(fast);
    REQUIRE(fast->has_value());
    CHECK((*fast)->needed == std::vector<std::string>{"libfirst.so", long_name, "liblast.so"});
    CHECK((*fast)->runpath == t.runpath);
  }
}

TEST_CASE("header reader: damaged headers and dynamic data give an error naming the structure and offset",
          "[resolve]") {
  for (auto t : four_layouts()) {
    INFO(layout_name(t));
    const auto good = t.build();
    const int w = t.is64 ? 8 : 4;
    const uint64_t dynent = 2 * w;
    auto expect_error = [&](std::vector<uint8_t> b, const std::string& text) {
      auto r = headers_of(b);
      REQUIRE_FALSE(r);
      CHECK(r.error().path == "tiny.so");
      CHECK(r.error().message.find(text) != std::string::npos);
      CHECK(r.error().offset.has_value());
    };
    {  // truncated inside the program header table
      auto b = good;
      b.resize(t.phoff + 8);
      expect_error(b, "program header table");
    }
    {  // DT_NEEDED #1's string offset past DT_STRSZ
      auto b = good;
      t.put(b, t.dynamic_offset + 1 * dynent + w, w, t.dynstr_size + 5);
      expect_error(b, "DT_NEEDED #1: string offset " + hex(t.dynstr_size + 5) + " is past the end of .dynstr");
    }
    {  // DT_STRSZ larger than the file
      auto b = good;
      for (uint64_t i = 0;; ++i) {
        uint64_t at = t.dynamic_offset + i * dynent;
        if (at + dynent > b.size()) FAIL("no DT_STRSZ");
        uint64_t tag = 0;
        for (int k = 0; k < w; ++k) tag |= uint64_t(b[at + (t.big ? w - 1 - k : k)]) << (8 * k);
        if (tag == DT_STRSZ) {
          t.put(b, at + w, w, 0x7fffff);
          break;
        }
      }
      expect_error(b, "DT_STRSZ: " + hex(0x7fffff) + " bytes of .dynstr");
    }
    {  // the last string of .dynstr without its NUL: the runpath runs into the end of the table
      auto b = good;
      b[t.dynstr_offset + t.dynstr_size - 1] = 'x';
      expect_error(b, "DT_RUNPATH: string offset");
    }
    {  // e_phentsize that is not a program header's size
      auto b = good;
      t.put(b, t.is64 ? 0x36 : 0x2a, 2, 7);
      expect_error(b, "e_phentsize: 7 is not the size of a program header");
    }
  }
  auto small = std::vector<uint8_t>{0x7f, 'E', 'L', 'F', 2};
  auto r = headers_of(small);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "file too small for an ELF identification (0x5 bytes)");
}

TEST_CASE("header reader: layouts it does not model are left to read_elf (nullopt), not guessed", "[resolve]") {
  for (auto t : four_layouts()) {
    INFO(layout_name(t));
    {  // PN_XNUM: the program header count lives in section 0
      auto b = t.build();
      t.put(b, t.is64 ? 0x38 : 0x2c, 2, PN_XNUM);
      auto r = headers_of(b);
      REQUIRE(r);
      CHECK_FALSE(r->has_value());
    }
    {  // EI_VERSION other than EV_CURRENT: libelf does not take the file as ELF
      auto b = t.build();
      b[EI_VERSION] = 2;
      auto r = headers_of(b);
      REQUIRE(r);
      CHECK_FALSE(r->has_value());
    }
  }
}
