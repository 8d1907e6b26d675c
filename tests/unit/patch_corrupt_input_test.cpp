// Corrupt inputs to the writer: each damaged field gives one error naming the structure, the bad value and the
// file offset, in every class and byte order, and nothing is produced.
#include <catch2/catch.hpp>

#include "patch/patch.hpp"
#include "patch_test_elf.hpp"

using namespace ferry;
using namespace ferry::patch;
using ferry::test::TinyElf;

namespace {

TinyElf tiny() {
  TinyElf t;
  t.is64 = GENERATE(true, false);
  t.big = GENERATE(false, true);
  return t;
}

Error patch_error(const std::vector<uint8_t>& b) {
  Edits e;
  e.set_rpath = "/x";
  auto r = patch_image(ByteView(b.data(), b.size()), e, "bad.so");
  REQUIRE_FALSE(r.ok());
  return r.error();
}

}  // namespace

TEST_CASE("a file shorter than its ELF header is refused with its size") {
  TinyElf t = tiny();
  auto b = t.need("libc.so.6").build();
  b.resize(20);
  CHECK(patch_error(b).describe() == "bad.so: ELF header: file is 0x14 bytes, shorter than the header (at offset 0x0)");
}

TEST_CASE("a program header table past the end of the file is refused") {
  TinyElf t = tiny();
  auto b = t.need("libc.so.6").build();
  t.put(b, t.is64 ? 32 : 28, t.is64 ? 8 : 4, 0xfff0);
  Error e = patch_error(b);
  CHECK(e.message.rfind("program header table: ", 0) == 0);
  CHECK(e.message.find("run past the end of the data") != std::string::npos);
  CHECK(e.offset == 0xfff0);
}

TEST_CASE("a dynamic section without DT_NULL is refused") {
  TinyElf t = tiny();
  auto b = t.need("libc.so.6").build();
  uint64_t w = t.is64 ? 8 : 4;
  uint64_t entries = (b.size() - t.dynamic_offset) / (2 * w);
  for (uint64_t i = 0; i < entries; ++i) t.put(b, t.dynamic_offset + i * 2 * w, static_cast<int>(w), 21 /* DT_DEBUG */);
  CHECK(patch_error(b).describe() == "bad.so: PT_DYNAMIC: no DT_NULL among its " + std::to_string(entries) +
                                         " entries (at offset " + hex(t.dynamic_offset) + ")");
}

TEST_CASE("a NEEDED string offset outside .dynstr is refused") {
  TinyElf t = tiny();
  auto b = t.need("libc.so.6").build();
  uint64_t w = t.is64 ? 8 : 4;
  t.put(b, t.dynamic_offset + w, static_cast<int>(w), 0x999);
  CHECK(patch_error(b).message == "dynamic entry tag 1: string offset 0x999 is outside .dynstr (" + hex(t.dynstr_size) + ")");
}

TEST_CASE("a DT_STRTAB no PT_LOAD maps is refused") {
  TinyElf t = tiny();
  auto b = t.need("libc.so.6").build();
  uint64_t w = t.is64 ? 8 : 4;
  // DT_STRTAB is the entry after the NEEDED one.
  t.put(b, t.dynamic_offset + 2 * w + w, static_cast<int>(w), 0x7000000);
  CHECK(patch_error(b).message == "DT_STRTAB 0x7000000 (size " + hex(t.dynstr_size) + ") is not mapped from the file");
}

TEST_CASE("a .dynstr that does not end with NUL is refused") {
  TinyElf t = tiny();
  auto b = t.need("libc.so.6").build();
  b[t.dynstr_offset + t.dynstr_size - 1] = 'x';
  CHECK(patch_error(b).describe() == "bad.so: .dynstr (DT_STRTAB " + hex(t.dynstr_offset) +
                                         ") does not end with a NUL (at offset " + hex(t.dynstr_offset) + ")");
}

TEST_CASE("bytes that are not ELF are refused as unsupported") {
  std::vector<uint8_t> b = {'#', '!', '/', 'b', 'i', 'n', '/', 's', 'h', '\n', 0, 0, 0, 0, 0, 0, 0, 0};
  Error e = patch_error(b);
  CHECK(e.code == ErrorCode::unsupported);
  CHECK(e.describe() == "bad.so: not an ELF file (bad magic) (at offset 0x0)");
}

TEST_CASE("a relocatable object is refused: only executables and shared objects can be patched") {
  TinyElf t = tiny();
  auto b = t.need("libc.so.6").build();
  t.put(b, 16, 2, 1 /* ET_REL */);
  CHECK(patch_error(b).message == "ELF header: e_type 1 is not an executable or shared object; only those can be patched");
}
