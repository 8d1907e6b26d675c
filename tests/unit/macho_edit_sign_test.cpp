// The Mach-O writers of macOS repair: load-command editing (padded strings, cmdsize/ncmds/sizeofcmds, the
// "no room in the header padding" error with the exact shortfall), ad-hoc signing (every page hash recomputed
// here with OpenSSL from a blob parsed here, and the independent tests/lib/macho_signature_check.py), universal
// files (fat offsets aligned, an unmodified slice byte for byte), and the library ignoring DYLD_* variables.
#include <catch2/catch.hpp>
#include <openssl/sha.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "macho/codesign.hpp"
#include "macho/edit_commands.hpp"
#include "macho/rewrite.hpp"
#include "macho/slice_layout.hpp"
#include "macos_repair/macos_repair.hpp"
#include "test_support.hpp"

using namespace ferry;

namespace {

constexpr uint32_t kLoadDylib = 0xc, kIdDylib = 0xd, kRpath = 0x8000001c, kSeg64 = 0x19, kSeg = 0x1, kCodeSig = 0x1d;

uint32_t le32(const std::vector<uint8_t>& b, uint64_t o) {
  return uint32_t(b[o]) | uint32_t(b[o + 1]) << 8 | uint32_t(b[o + 2]) << 16 | uint32_t(b[o + 3]) << 24;
}
uint64_t le64(const std::vector<uint8_t>& b, uint64_t o) { return le32(b, o) | uint64_t(le32(b, o + 4)) << 32; }
uint32_t be32(const std::vector<uint8_t>& b, uint64_t o) {
  return uint32_t(b[o]) << 24 | uint32_t(b[o + 1]) << 16 | uint32_t(b[o + 2]) << 8 | uint32_t(b[o + 3]);
}
uint64_t be64(const std::vector<uint8_t>& b, uint64_t o) { return uint64_t(be32(b, o)) << 32 | be32(b, o + 4); }

struct Out {
  std::vector<uint8_t> b;
  void u32(uint32_t v) { for (int i = 0; i < 4; ++i) b.push_back(uint8_t(v >> (8 * i))); }
  void u64(uint64_t v) { u32(uint32_t(v)), u32(uint32_t(v >> 32)); }
  void name16(const std::string& s) { std::string n = s; n.resize(16, '\0'); b.insert(b.end(), n.begin(), n.end()); }
  void str(const std::string& s, size_t total) { size_t at = b.size(); b.insert(b.end(), s.begin(), s.end()); b.resize(at + total, 0); }
};

// A thin little-endian slice, 64- or 32-bit: __TEXT (file offset 0, one section at `text_at`), LC_LOAD_DYLIBs,
// LC_RPATHs, and __LINKEDIT ending the slice (so it can be signed). Strings padded to the pointer size.
struct Slice {
  bool is64 = true;
  uint32_t cputype = 0x01000007, filetype = 8;
  uint64_t text_at = 0x400;
  std::vector<std::string> dylibs{"/usr/lib/libSystem.B.dylib", "/old/libx.dylib"};
  std::vector<std::string> rpaths{"/build/lib", "@loader_path"};
  std::optional<std::string> id;

  uint32_t align() const { return is64 ? 8 : 4; }
  uint32_t padded(uint64_t n) const { return uint32_t((n + align() - 1) / align() * align()); }
  std::vector<uint8_t> build() const {
    Out c;
    uint32_t n = 0;
    auto segment = [&](const std::string& name, uint64_t fileoff, uint64_t filesize, bool section) {
      if (is64) {
        c.u32(kSeg64), c.u32(72 + (section ? 80 : 0)), c.name16(name), c.u64(fileoff), c.u64(0x4000);
        c.u64(fileoff), c.u64(filesize), c.u32(5), c.u32(5), c.u32(section ? 1 : 0), c.u32(0);
        if (section) c.name16("__text"), c.name16(name), c.u64(text_at), c.u64(0x40), c.u32(uint32_t(text_at)),
                     c.u32(4), c.u32(0), c.u32(0), c.u32(0x80000400), c.u32(0), c.u32(0), c.u32(0);
      } else {
        c.u32(kSeg), c.u32(56 + (section ? 68 : 0)), c.name16(name), c.u32(uint32_t(fileoff)), c.u32(0x4000);
        c.u32(uint32_t(fileoff)), c.u32(uint32_t(filesize)), c.u32(5), c.u32(5), c.u32(section ? 1 : 0), c.u32(0);
        if (section) c.name16("__text"), c.name16(name), c.u32(uint32_t(text_at)), c.u32(0x40), c.u32(uint32_t(text_at)),
                     c.u32(4), c.u32(0), c.u32(0), c.u32(0x80000400), c.u32(0), c.u32(0);
      }
      ++n;
    };
    const uint64_t linkedit = 0x2000, size = 0x2100;
    segment("__TEXT", 0, linkedit, true);
    auto dylib = [&](uint32_t cmd, const std::string& s) {
      uint32_t sz = padded(24 + s.size() + 1);
      c.u32(cmd), c.u32(sz), c.u32(24), c.u32(2), c.u32(0x10203), c.u32(0x10000), c.str(s, sz - 24), ++n;
    };
    if (id) dylib(kIdDylib, *id);
    for (auto& d : dylibs) dylib(kLoadDylib, d);
    for (auto& r : rpaths) {
      uint32_t sz = padded(12 + r.size() + 1);
      c.u32(kRpath), c.u32(sz), c.u32(12), c.str(r, sz - 12), ++n;
    }
    segment("__LINKEDIT", linkedit, size - linkedit, false);
    Out h;
    h.u32(is64 ? 0xfeedfacf : 0xfeedface), h.u32(cputype), h.u32(3), h.u32(filetype), h.u32(n), h.u32(uint32_t(c.b.size()));
    h.u32(0x85);
    if (is64) h.u32(0);
    h.b.insert(h.b.end(), c.b.begin(), c.b.end());
    h.b.resize(size, 0);
    for (uint64_t i = text_at; i < size; ++i) h.b[i] = uint8_t(i * 7 + 1);  // content to hash
    return h.b;
  }
};

struct Command {
  uint32_t cmd, size;
  uint64_t offset;
  std::string text;  // the lc_str of dylib/rpath commands
};
// The load commands as this test reads them (not through slice_layout).
std::vector<Command> commands(const std::vector<uint8_t>& b) {
  const bool is64 = le32(b, 0) == 0xfeedfacf;
  std::vector<Command> out;
  uint64_t pos = is64 ? 32 : 28;
  for (uint32_t i = 0; i < le32(b, 16); ++i) {
    Command c{le32(b, pos), le32(b, pos + 4), pos, {}};
    if (c.cmd == kLoadDylib || c.cmd == kIdDylib || c.cmd == kRpath) {
      uint32_t at = le32(b, pos + 8);
      c.text = std::string(reinterpret_cast<const char*>(b.data() + pos + at));
    }
    out.push_back(c);
    pos += c.size;
  }
  return out;
}

std::vector<uint8_t> read_bytes(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  REQUIRE(f);
  return {std::istreambuf_iterator<char>(f), {}};
}
void write_bytes(const std::string& p, const std::vector<uint8_t>& b) {
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}
std::string temp_path(const std::string& leaf) {
  return (std::filesystem::temp_directory_path() / ("ferry-macho-edit-" + std::to_string(getpid()) + "-" + leaf)).string();
}
// A built fixture's path, or "" (the case then warns "SKIP" and returns: Catch2 v2 has no skip) when the host
// lacked clang/ld64.lld to build it.
std::string fixture(const std::string& rel) {
  std::string p = test::fixtures_root() + "/" + rel;
  return std::filesystem::exists(p) ? p : std::string();
}
#define FIXTURE_OR_SKIP(var, rel)                                              \
  const std::string var = fixture(rel);                                        \
  if (var.empty()) {                                                           \
    WARN("SKIP: fixture " << (rel) << " was not built (clang/ld64.lld missing)"); \
    return;                                                                    \
  }
// tests/lib/macho_signature_check.py (independent of ferry) on `b`: its exit status.
int python_checker(const std::vector<uint8_t>& b, const std::string& leaf,
                   const std::string& flags = "--no-linker-signed --require-signature") {
  std::string p = temp_path(leaf);
  write_bytes(p, b);
  int rc = std::system(("python3 " FERRY_TEST_SRC "/tests/lib/macho_signature_check.py " + flags + " '" + p +
                        "' >/dev/null").c_str());
  std::filesystem::remove(p);
  return WEXITSTATUS(rc);
}

void check_commands_consistent(const std::vector<uint8_t>& b) {
  const bool is64 = le32(b, 0) == 0xfeedfacf;
  uint64_t total = 0;
  for (auto& c : commands(b)) {
    CHECK(c.size % (is64 ? 8 : 4) == 0);
    total += c.size;
  }
  CHECK(total == le32(b, 20));
}

// Parses the signature of a thin slice here and recomputes every hash with OpenSSL; returns the CD flags.
uint32_t check_signature_here(const std::vector<uint8_t>& b, const std::string& ident) {
  std::optional<Command> cs, linkedit, text;
  for (auto& c : commands(b)) {
    if (c.cmd == kCodeSig) cs = c;
    if (c.cmd == kSeg64 && std::string(reinterpret_cast<const char*>(b.data() + c.offset + 8)) == "__LINKEDIT") linkedit = c;
    if (c.cmd == kSeg64 && std::string(reinterpret_cast<const char*>(b.data() + c.offset + 8)) == "__TEXT") text = c;
  }
  REQUIRE(cs);
  REQUIRE(linkedit);
  REQUIRE(cs->size == 16);
  const uint64_t dataoff = le32(b, cs->offset + 8), datasize = le32(b, cs->offset + 12);
  CHECK(dataoff % 16 == 0);
  CHECK(dataoff + datasize == b.size());                                         // the signature ends the slice
  CHECK(le64(b, linkedit->offset + 40) + le64(b, linkedit->offset + 48) == b.size());  // ... and __LINKEDIT
  CHECK(le64(b, linkedit->offset + 32) >= le64(b, linkedit->offset + 48));        // vmsize covers filesize
  REQUIRE(be32(b, dataoff) == 0xfade0cc0);
  REQUIRE(be32(b, dataoff + 8) == 2);
  REQUIRE(be32(b, dataoff + 12) == 0);  // slot 0: CodeDirectory
  REQUIRE(be32(b, dataoff + 20) == 2);  // slot 2: requirements
  const uint64_t cd = dataoff + be32(b, dataoff + 16), req = dataoff + be32(b, dataoff + 24);
  REQUIRE(be32(b, cd) == 0xfade0c02);
  CHECK(be32(b, cd + 8) == 0x20400);
  const uint32_t flags = be32(b, cd + 12);
  const uint64_t hash_off = be32(b, cd + 16), ident_off = be32(b, cd + 20), nspecial = be32(b, cd + 24);
  const uint64_t nslots = be32(b, cd + 28), limit = be32(b, cd + 32);
  CHECK(b[cd + 36] == 32);
  CHECK(b[cd + 37] == 2);   // SHA-256
  CHECK(b[cd + 39] == 12);  // 4 KiB pages, whatever the architecture's page size
  CHECK(limit == dataoff);
  CHECK(nslots == (dataoff + 4095) / 4096);
  CHECK(nspecial == 2);
  CHECK(std::string(reinterpret_cast<const char*>(b.data() + cd + ident_off)) == ident);
  if (text) {
    CHECK(be64(b, cd + 64) == le64(b, text->offset + 40));
    CHECK(be64(b, cd + 72) == le64(b, text->offset + 48));
  }
  uint8_t h[32];
  std::vector<uint8_t> reqblob(b.begin() + long(req), b.begin() + long(req + be32(b, req + 4)));
  CHECK(be32(reqblob, 0) == 0xfade0c01);
  SHA256(reqblob.data(), reqblob.size(), h);
  CHECK(std::memcmp(h, b.data() + cd + hash_off - 64, 32) == 0);                        // slot -2
  CHECK(std::all_of(b.begin() + long(cd + hash_off - 32), b.begin() + long(cd + hash_off), [](uint8_t x) { return x == 0; }));
  for (uint64_t i = 0; i < nslots; ++i) {
    SHA256(b.data() + i * 4096, std::min<uint64_t>(4096, limit - i * 4096), h);
    INFO("page " << i);
    CHECK(std::memcmp(h, b.data() + cd + hash_off + i * 32, 32) == 0);
  }
  return flags;
}

}  // namespace

TEST_CASE("edit_commands pads a longer install name with zeros to 8 bytes and recomputes cmdsize, ncmds, sizeofcmds") {
  Slice s;
  auto b = s.build();
  const auto before = commands(b);
  const uint32_t sizeofcmds = le32(b, 20);
  macho::CommandEdits e;
  const std::string name = "@loader_path/.dylibs/libx.dylib";  // 31 bytes: 24 + 32 -> cmdsize 56
  e.dependencies["/old/libx.dylib"] = name;
  auto r = macho::edit_commands(b, e, "t");
  REQUIRE(r);
  CHECK(*r);
  const auto after = commands(b);
  REQUIRE(after.size() == before.size());
  CHECK(le32(b, 16) == before.size());
  const Command& c = after[2];
  CHECK(c.cmd == kLoadDylib);
  CHECK(c.text == name);
  CHECK(c.size == 56);
  CHECK(le32(b, c.offset + 8) == 24);
  CHECK(le32(b, c.offset + 12) == 2);  // timestamp, current and compatibility versions kept
  CHECK(le32(b, c.offset + 16) == 0x10203);
  CHECK(le32(b, c.offset + 20) == 0x10000);
  for (uint64_t i = 24 + name.size(); i < c.size; ++i) CHECK(b[c.offset + i] == 0);
  CHECK(le32(b, 20) == sizeofcmds + 56 - before[2].size);
  CHECK(after[3].text == "/build/lib");  // the commands after it moved intact
  CHECK(after[4].text == "@loader_path");
  check_commands_consistent(b);
}

TEST_CASE("edit_commands pads strings of a 32-bit slice to 4 bytes") {
  Slice s;
  s.is64 = false, s.cputype = 7;
  auto b = s.build();
  macho::CommandEdits e;
  e.dependencies["/old/libx.dylib"] = "/new/libxy.dylib";  // 16 bytes: 24 + 17 -> 44 (48 with 8-byte padding)
  e.id = "/DLC/unused";                                   // no LC_ID_DYLIB in this slice: nothing added
  REQUIRE(macho::edit_commands(b, e, "t"));
  auto cs = commands(b);
  CHECK(cs[2].text == "/new/libxy.dylib");
  CHECK(cs[2].size == 44);
  CHECK(cs.size() == 6);
  check_commands_consistent(b);
}

TEST_CASE("edit_commands removes an LC_RPATH, lowers ncmds and sizeofcmds and zeroes the freed bytes") {
  Slice s;
  auto b = s.build();
  const uint64_t old_end = 32 + le32(b, 20);
  const uint32_t ncmds = le32(b, 16);
  macho::CommandEdits e;
  e.remove_rpaths = {"/build/lib"};
  REQUIRE(macho::edit_commands(b, e, "t"));
  CHECK(le32(b, 16) == ncmds - 1);
  CHECK(le32(b, 20) == old_end - 32 - 24);  // 12 + 11 -> 24
  for (auto& c : commands(b)) CHECK(c.text != "/build/lib");
  for (uint64_t i = 32 + le32(b, 20); i < old_end; ++i) CHECK(b[i] == 0);
  check_commands_consistent(b);
}

TEST_CASE("edit_commands sets LC_ID_DYLIB and leaves a slice with nothing to change byte for byte") {
  Slice s;
  s.id = "/old/id.dylib";
  auto b = s.build();
  const auto orig = b;
  macho::CommandEdits none;
  none.dependencies["/not/there.dylib"] = "/x.dylib";
  none.remove_rpaths = {"/not/there"};
  none.id = "/old/id.dylib";  // already so
  auto r = macho::edit_commands(b, none, "t");
  REQUIRE(r);
  CHECK_FALSE(*r);
  CHECK(b == orig);
  macho::CommandEdits e;
  e.id = "/DLC/pkg/.dylibs/libid.dylib";
  REQUIRE(macho::edit_commands(b, e, "t"));
  auto cs = commands(b);
  CHECK(cs[1].cmd == kIdDylib);
  CHECK(cs[1].text == "/DLC/pkg/.dylibs/libid.dylib");
  check_commands_consistent(b);
}

TEST_CASE("a name too long for the header padding is an error naming the slice and the missing bytes; nothing is written") {
  Slice s;
  s.text_at = 0x200;
  auto b = s.build();
  const uint64_t end = 32 + le32(b, 20), room = 0x200 - end;
  const auto orig = b;
  // A name whose command grows by exactly `room` fits (the commands may end where __text starts) ...
  const uint32_t old_size = commands(b)[2].size;
  std::string fits(old_size + room - 24 - 1, 'a');
  {
    auto c = b;
    macho::CommandEdits e;
    e.dependencies["/old/libx.dylib"] = fits;
    REQUIRE(macho::edit_commands(c, e, "t"));
    CHECK(32 + le32(c, 20) == 0x200);
  }
  // ... 8 bytes more do not.
  macho::CommandEdits e;
  e.dependencies["/old/libx.dylib"] = fits + "12345678";
  auto r = macho::edit_commands(b, e, "pkg/_ext.so (x86_64)");
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("pkg/_ext.so (x86_64): no room in the header padding") == 0);
  CHECK_THAT(r.error().message, Catch::Contains(": 8 more bytes are needed (the first section starts at 0x200"));
  CHECK(b == orig);
}

TEST_CASE("rewrite_macho on the -headerpad 0 fixture names the file, slice and the bytes missing (sizes from llvm-objdump)") {
  FIXTURE_OR_SKIP(path, "macos_wheel/stage/tight_ext.so");
  auto in = read_bytes(path);
  // Independent figures: sizeofcmds and the first section's offset as llvm-objdump prints them.
  const std::string hdr = test::run_command("/usr/lib/llvm-14/bin/llvm-objdump --macho --private-headers '" + path + "'");
  if (hdr.empty()) {
    WARN("SKIP: llvm-objdump-14 is not installed");
    return;
  }
  uint64_t sizeofcmds = 0, first = UINT64_MAX;
  {
    std::istringstream ls(hdr);
    std::string line;
    std::getline(ls, line), std::getline(ls, line), std::getline(ls, line), std::getline(ls, line);
    std::istringstream f(line);
    std::string w;
    for (int i = 0; i < 7 && f >> w; ++i) if (i == 6) sizeofcmds = std::stoull(w);
    while (std::getline(ls, line))
      if (line.find("    offset ") == 0 && std::stoull(line.substr(11)) > 0)  // 0: zerofill, no content
        first = std::min<uint64_t>(first, std::stoull(line.substr(11)));
  }
  REQUIRE(sizeofcmds > 0);
  const uint64_t room = first - (32 + sizeofcmds);
  const std::string name = "@loader_path/../../../../.dylibs/t.dylib";  // /o/t.dylib's command is 40 bytes
  const uint64_t grow = (24 + name.size() + 1 + 7) / 8 * 8 - 40;
  macho::CommandEdits e;
  e.dependencies["/o/t.dylib"] = name;
  auto r = macho::rewrite_macho(ByteView(in.data(), in.size()), e, "_ext.so", "tightpkg/a/b/c/d/_ext.so");
  REQUIRE_FALSE(r);
  INFO(r.error().describe());
  CHECK(r.error().path == "tightpkg/a/b/c/d/_ext.so");
  CHECK_THAT(r.error().message, Catch::Contains("x86_64 slice: no room in the header padding"));
  CHECK_THAT(r.error().message, Catch::Contains(": " + std::to_string(grow - room) + " more bytes are needed"));
}

TEST_CASE("sign_adhoc on an unsigned slice appends LC_CODE_SIGNATURE, sizes __LINKEDIT, and every page hash is SHA-256 of its page") {
  Slice s;
  auto b = s.build();
  const uint32_t ncmds = le32(b, 16), sizeofcmds = le32(b, 20);
  REQUIRE(macho::sign_adhoc(b, "libx.dylib", "t"));
  CHECK(le32(b, 16) == ncmds + 1);
  CHECK(le32(b, 20) == sizeofcmds + 16);
  CHECK(commands(b).back().cmd == kCodeSig);
  CHECK(check_signature_here(b, "libx.dylib") == 0x2);  // ad hoc
  auto c = macho::check_signature(ByteView(b.data(), b.size()), "t");
  REQUIRE(c);
  CHECK(c->verified);
  CHECK(c->hashes_match);
  CHECK(c->identifier == "libx.dylib");
  CHECK(python_checker(b, "synthetic") == 0);
  // Signing again (same size) gives the same bytes; a changed byte in page 1 is seen as stale.
  auto again = b;
  REQUIRE(macho::sign_adhoc(again, "libx.dylib", "t"));
  CHECK(again == b);
  b[4096 + 10] ^= 1;
  c = macho::check_signature(ByteView(b.data(), b.size()), "t");
  REQUIRE(c);
  CHECK_FALSE(c->hashes_match);
  CHECK(python_checker(b, "stale") == 1);
}

TEST_CASE("sign_adhoc replaces ld64.lld's arm64 signature, drops the linker-signed flag, and the Python checker agrees") {
  FIXTURE_OR_SKIP(path, "macos_wheel/stage/ext_arm64.so");
  auto b = read_bytes(path);
  auto before = macho::check_signature(ByteView(b.data(), b.size()), "in");
  REQUIRE(before);
  REQUIRE(before->present);
  CHECK((before->flags & 0x20000) != 0);  // the linker signed it
  REQUIRE(macho::sign_adhoc(b, "_ext.so", "t"));
  CHECK(check_signature_here(b, "_ext.so") == 0x2);
  CHECK(python_checker(b, "arm64") == 0);
}

TEST_CASE("rewrite_macho on a universal file: the untouched slice keeps its bytes, slices stay aligned, fat sizes are right") {
  FIXTURE_OR_SKIP(path, "macho/fat");
  auto in = read_bytes(path);
  REQUIRE(be32(in, 0) == 0xcafebabe);
  auto slice_of = [](const std::vector<uint8_t>& f, uint32_t i) {
    uint64_t off = be32(f, 8 + 20 * i + 8), size = be32(f, 8 + 20 * i + 12);
    return std::vector<uint8_t>(f.begin() + long(off), f.begin() + long(off + size));
  };
  // Only the arm64 slice (the second) has LC_RPATH @loader_path/../Frameworks.
  macho::CommandEdits e;
  e.remove_rpaths = {"@loader_path/../Frameworks"};
  auto r = macho::rewrite_macho(ByteView(in.data(), in.size()), e, "fat", "fat");
  REQUIRE(r);
  CHECK(r->changed);
  CHECK(r->resigned == std::vector<std::string>{"arm64"});
  const auto& out = r->bytes;
  REQUIRE(be32(out, 0) == 0xcafebabe);
  REQUIRE(be32(out, 4) == 2);
  for (uint32_t i = 0; i < 2; ++i) {
    const uint64_t a = 8 + 20 * i, off = be32(out, a + 8), size = be32(out, a + 12), align = be32(out, a + 16);
    CHECK(be32(out, a) == be32(in, a));       // cputype
    CHECK(be32(out, a + 4) == be32(in, a + 4));
    CHECK(align == be32(in, a + 16));
    CHECK(off % (uint64_t(1) << align) == 0);
    CHECK(off + size <= out.size());
  }
  CHECK(be32(out, 8 + 8) + be32(out, 8 + 12) <= be32(out, 28 + 8));  // no overlap
  CHECK(be32(out, 28 + 8) + be32(out, 28 + 12) == out.size());
  CHECK(slice_of(out, 0) == slice_of(in, 0));  // x86_64: byte for byte
  auto arm = slice_of(out, 1);
  for (auto& c : commands(arm)) CHECK(c.cmd != kRpath);
  check_commands_consistent(arm);
  check_signature_here(arm, "fat");
  // llvm-objdump's view of the fat header agrees with ours.
  std::string p = temp_path("fat");
  write_bytes(p, out);
  const std::string u = test::run_command("/usr/lib/llvm-14/bin/llvm-objdump --macho --universal-headers '" + p + "'");
  if (!u.empty()) {
    CHECK_THAT(u, Catch::Contains("offset " + std::to_string(be32(out, 28 + 8)) + "\n    size " + std::to_string(be32(out, 28 + 12))));
    CHECK_THAT(u, Catch::Contains("offset " + std::to_string(be32(out, 8 + 8)) + "\n    size " + std::to_string(be32(out, 8 + 12))));
  }
  std::filesystem::remove(p);
  CHECK(python_checker(out, "fatout", "") == 0);                          // x86_64 stays unsigned
  CHECK(python_checker(arm, "fatarm") == 0);
}

TEST_CASE("check_signature: a SuperBlob whose count lies is a format error naming the field's offset") {
  Slice s;
  auto b = s.build();
  REQUIRE(macho::sign_adhoc(b, "x", "t"));
  const uint64_t dataoff = le32(b, commands(b).back().offset + 8);
  b[dataoff + 8] = 0x7f;  // count
  auto c = macho::check_signature(ByteView(b.data(), b.size()), "arm64 slice");
  REQUIRE_FALSE(c);
  CHECK(c.error().code == ErrorCode::format);
  CHECK_THAT(c.error().message, Catch::Contains("arm64 slice: code signature: SuperBlob count"));
  CHECK(c.error().offset == dataoff + 8);
}

TEST_CASE("macos_repair_library_ignores_dyld_environment: only the options say where to look") {
  FIXTURE_OR_SKIP(whl, "macos_wheel/fbpkg-1.0-cp311-cp311-macosx_10_13_x86_64.whl");
  const std::string deps = test::fixtures_root() + "/macos_wheel/deps";
  setenv("DYLD_LIBRARY_PATH", (deps + "/shadow").c_str(), 1);
  setenv("DYLD_FALLBACK_LIBRARY_PATH", (deps + "/fb").c_str(), 1);
  macos::Options o;
  o.temp_dir = std::filesystem::temp_directory_path().string();
  auto libfb = [&](const macos::ShowReport& r) {
    for (auto& l : r.libraries)
      if (l.name == "/nonexistent/build/libfb.dylib") return l;
    FAIL("libfb is not listed");
    return macos::Library{};
  };
  auto r = macos::show_wheel(whl, o);
  REQUIRE(r);
  CHECK(libfb(*r).disposition == "missing");
  o.fallback_path = {deps + "/fb"};
  r = macos::show_wheel(whl, o);
  REQUIRE(r);
  CHECK(libfb(*r).disposition == "graft");
  CHECK(libfb(*r).path == std::filesystem::canonical(deps + "/fb/libfb.dylib").string());
  unsetenv("DYLD_LIBRARY_PATH");
  unsetenv("DYLD_FALLBACK_LIBRARY_PATH");
}

TEST_CASE("sign_adhoc refuses an old signature that does not end the slice or sits over the load commands") {
  Slice s;
  auto b = s.build();
  REQUIRE(macho::sign_adhoc(b, "x", "t"));
  const uint64_t cs = commands(b).back().offset;
  for (uint32_t dataoff : {0u, 0x40u, 0x1000u}) {  // over the header, inside the commands, before __LINKEDIT
    auto c = b;
    c[cs + 8] = uint8_t(dataoff), c[cs + 9] = uint8_t(dataoff >> 8), c[cs + 10] = 0, c[cs + 11] = 0;
    auto r = macho::sign_adhoc(c, "x", "arm64 slice");
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("arm64 slice: the code signature (") &&
                                      Catch::Contains(") does not end __LINKEDIT and the slice"));
  }
  auto c = b;
  c.push_back(0);  // a byte after the signature would be lost
  CHECK_FALSE(macho::sign_adhoc(c, "x", "t"));
}
