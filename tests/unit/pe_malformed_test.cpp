// PE reader on hand-made images (a test-only builder places tables in one .rdata section by RVA): each malformed
// case gives its own one-line error naming the structure and file offset; shared or overlapping tables cannot make
// decoding grow beyond the file; old VA-based delay-load descriptors decode.
#include <catch2/catch.hpp>

#include <cstring>

#include "pe/pe_info.hpp"

using namespace ferry;

namespace {

constexpr uint32_t kRdataRva = 0x1000, kRdataRaw = 0x200;
constexpr uint64_t kImageBase = 0x140000000;
constexpr size_t kDirs = 0x58 + 112;  // data directory array of a PE32+ image built below
constexpr size_t kSections = 0x58 + 0xf0;

void put16(std::vector<uint8_t>& b, size_t off, uint16_t v) {
  b[off] = uint8_t(v);
  b[off + 1] = uint8_t(v >> 8);
}
void put32(std::vector<uint8_t>& b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + i] = uint8_t(v >> (8 * i));
}
void put64(std::vector<uint8_t>& b, size_t off, uint64_t v) {
  put32(b, off, uint32_t(v));
  put32(b, off + 4, uint32_t(v >> 32));
}

// A PE32+ image with DOS header, COFF header, optional header with 16 directories and one .rdata section at
// RVA 0x1000 (file offset 0x200) whose contents the test writes by RVA.
struct PeBuilder {
  std::vector<uint8_t> rdata = std::vector<uint8_t>(0x200, 0);
  uint32_t dirs[16][2] = {};

  PeBuilder& at(uint32_t rva, const std::vector<uint8_t>& bytes) {
    size_t off = rva - kRdataRva;
    if (rdata.size() < off + bytes.size()) rdata.resize((off + bytes.size() + 0x1ff) / 0x200 * 0x200, 0);
    std::memcpy(rdata.data() + off, bytes.data(), bytes.size());
    return *this;
  }
  PeBuilder& u32(uint32_t rva, uint32_t v) {
    return at(rva, {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)});
  }
  PeBuilder& u64(uint32_t rva, uint64_t v) { return u32(rva, uint32_t(v)).u32(rva + 4, uint32_t(v >> 32)); }
  PeBuilder& str(uint32_t rva, const std::string& s) {
    std::vector<uint8_t> b(s.begin(), s.end());
    b.push_back(0);
    return at(rva, b);
  }
  PeBuilder& dir(int i, uint32_t rva, uint32_t size) {
    dirs[i][0] = rva;
    dirs[i][1] = size;
    return *this;
  }
  // An import descriptor at `rva` for `dll` whose lookup table is at `ilt`.
  PeBuilder& import(uint32_t rva, uint32_t ilt, uint32_t name) {
    return u32(rva, ilt).u32(rva + 12, name).u32(rva + 16, ilt);
  }
  std::vector<uint8_t> build() const {
    std::vector<uint8_t> b(kRdataRaw + rdata.size(), 0);
    b[0] = 'M', b[1] = 'Z';
    put32(b, 0x3c, 0x40);
    std::memcpy(b.data() + 0x40, "PE\0\0", 4);
    put16(b, 0x44, 0x8664);
    put16(b, 0x46, 1);
    put16(b, 0x54, 0xf0);
    put16(b, 0x56, 0x22);
    put16(b, 0x58, 0x20b);
    put64(b, 0x58 + 24, kImageBase);
    put32(b, 0x58 + 32, 0x1000);
    put32(b, 0x58 + 36, 0x200);
    put16(b, 0x58 + 40, 6);
    put16(b, 0x58 + 48, 6);
    put32(b, 0x58 + 56, 0x1000 + uint32_t(rdata.size()));
    put32(b, 0x58 + 60, 0x200);
    put16(b, 0x58 + 68, 3);
    put32(b, 0x58 + 108, 16);
    for (int i = 0; i < 16; ++i) {
      put32(b, kDirs + 8 * i, dirs[i][0]);
      put32(b, kDirs + 8 * i + 4, dirs[i][1]);
    }
    std::memcpy(b.data() + kSections, ".rdata", 6);
    put32(b, kSections + 8, uint32_t(rdata.size()));
    put32(b, kSections + 12, kRdataRva);
    put32(b, kSections + 16, uint32_t(rdata.size()));
    put32(b, kSections + 20, kRdataRaw);
    put32(b, kSections + 36, 0x40000040);
    std::memcpy(b.data() + kRdataRaw, rdata.data(), rdata.size());
    return b;
  }
};

// A valid image importing ExitProcess from KERNEL32.dll: descriptor at 0x1000, ILT at 0x1100, names at 0x1180.
PeBuilder kernel32() {
  PeBuilder p;
  p.dir(1, 0x1000, 40).import(0x1000, 0x1100, 0x1180).str(0x1180, "KERNEL32.dll");
  p.u64(0x1100, 0x11a0).at(0x11a0, {0x7a, 0x01}).str(0x11a2, "ExitProcess");
  return p;
}

Result<pe::PeInfo> read(const std::vector<uint8_t>& b) { return pe::read_pe(ByteView(b.data(), b.size()), "t.exe"); }

std::string error_of(const std::vector<uint8_t>& b) {
  auto r = read(b);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::format);
  return r.error().describe();
}

}  // namespace

TEST_CASE("the PE test builder's image decodes, so each malformed case below fails for its own reason") {
  auto r = read(kernel32().build());
  REQUIRE(r.ok());
  REQUIRE(r->imports.size() == 1);
  CHECK(r->imports[0].name == "KERNEL32.dll");
  REQUIRE(r->imports[0].functions.size() == 1);
  CHECK(r->imports[0].functions[0].name == "ExitProcess");
  CHECK(r->imports[0].functions[0].hint == 0x17a);
  CHECK(r->warnings.empty());
}

TEST_CASE("an empty file is not a PE image") {
  CHECK(error_of({}) == "t.exe: DOS header: not an MZ image (0 bytes) (at offset 0x0)");
}

TEST_CASE("e_lfanew past the end of the file is an error at the DOS header field") {
  auto b = kernel32().build();
  put32(b, 0x3c, 0xfffffff0);
  CHECK(error_of(b) == "t.exe: DOS header: e_lfanew 0xfffffff0 points past the end of the file (0x400) (at offset 0x3c)");
}

TEST_CASE("a missing PE signature is an error at e_lfanew") {
  auto b = kernel32().build();
  b[0x41] = 'X';
  CHECK(error_of(b) == "t.exe: PE signature at 0x40 is missing (at offset 0x40)");
}

TEST_CASE("an unknown optional header magic is an error") {
  auto b = kernel32().build();
  put16(b, 0x58, 0x999);
  CHECK(error_of(b) == "t.exe: optional header: bad magic 0x999 (expected 0x10b or 0x20b) (at offset 0x58)");
}

TEST_CASE("an optional header too small for its fixed fields is an error") {
  auto b = kernel32().build();
  put16(b, 0x54, 0x60);
  CHECK(error_of(b) ==
        "t.exe: optional header: SizeOfOptionalHeader 0x60 is too small for PE32+ (needs 0x70) (at offset 0x54)");
}

TEST_CASE("data directories that do not fit in the optional header are an error") {
  auto b = kernel32().build();
  put16(b, 0x54, 0x80);
  CHECK(error_of(b) ==
        "t.exe: optional header: NumberOfRvaAndSizes 16 does not fit in SizeOfOptionalHeader 0x80 (at offset 0xc4)");
}

TEST_CASE("a section table running past the end of the file is an error") {
  auto b = kernel32().build();
  put16(b, 0x46, 0xffff);
  CHECK(error_of(b) ==
        "t.exe: section table: 0x27ffd8 bytes at 0x148 run past the end of the data (0x400) (at offset 0x148)");
}

TEST_CASE("section raw data outside the file is an error naming the section") {
  auto b = kernel32().build();
  put32(b, kSections + 20, 0x10000);
  CHECK(error_of(b) == "t.exe: section #0 (.rdata): raw data 0x10000+0x200 is outside the file (0x400) (at offset 0x148)");
}

TEST_CASE("an import directory RVA outside every section is an error at the directory entry") {
  auto b = kernel32().dir(1, 0x9000, 40).build();
  CHECK(error_of(b) == "t.exe: import directory: RVA 0x9000 is outside every section (at offset 0xd0)");
}

TEST_CASE("an RVA in the uninitialised tail of a section is not backed by the file") {
  auto b = kernel32().dir(1, 0x1300, 40).build();
  put32(b, kSections + 8, 0x1000);  // VirtualSize larger than SizeOfRawData
  CHECK(error_of(b) == "t.exe: import directory: RVA 0x1300 is outside every section (at offset 0xd0)");
}

TEST_CASE("import descriptors without a terminating entry are an error") {
  // One valid descriptor ending exactly at the end of .rdata: no room for the all-zero terminator.
  auto b = kernel32().import(0x11ec, 0x1100, 0x1180).dir(1, 0x11ec, 20).build();
  CHECK(error_of(b) ==
        "t.exe: import directory at 0x3ec runs past the end of its section without a terminating descriptor (at "
        "offset 0x400)");
}

TEST_CASE("an import descriptor whose name RVA is outside every section is an error at the field") {
  auto b = kernel32().u32(0x100c, 0x9000).build();
  CHECK(error_of(b) == "t.exe: import descriptor #0 name: RVA 0x9000 is outside every section (at offset 0x20c)");
}

TEST_CASE("a DLL name without a terminating NUL inside its section is an error") {
  auto p = kernel32();
  p.u32(0x100c, 0x11f8).at(0x11f8, {'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'});
  CHECK(error_of(p.build()) ==
        "t.exe: import descriptor #0 name: string at 0x3f8 is not terminated within its section (at offset 0x3f8)");
}

TEST_CASE("an import lookup table without a terminating entry is an error") {
  auto p = kernel32();
  p.u32(0x1000, 0x11f8).u32(0x1010, 0x11f8).u64(0x11f8, 0x8000000000000001ull);
  CHECK(error_of(p.build()) ==
        "t.exe: import descriptor #0 (KERNEL32.dll): lookup table at 0x3f8 runs past the end of its section without "
        "a terminating entry (at offset 0x3f8)");
}

TEST_CASE("a hint/name RVA outside every section is an error at the lookup table entry") {
  auto b = kernel32().u64(0x1100, 0x9000).build();
  CHECK(error_of(b) == "t.exe: import descriptor #0 (KERNEL32.dll): lookup table entry #0 hint/name: RVA 0x9000 is "
                       "outside every section (at offset 0x300)");
}

TEST_CASE("absurdly long import names are refused") {
  auto p = kernel32();
  p.str(0x1400, std::string(5000, 'x')).u64(0x1100, 0x13fe);
  CHECK(error_of(p.build()) == "t.exe: import descriptor #0 (KERNEL32.dll): lookup table entry #0 name: string at "
                               "0x600 is longer than 4096 bytes (at offset 0x600)");
}

TEST_CASE("many descriptors sharing one long lookup table cannot make decoding outgrow the file") {
  // 400 descriptors x 3000 entries would be 1.2 million functions from a 32 KiB file.
  PeBuilder p;
  p.str(0x1000, "A.dll");
  for (uint32_t i = 0; i < 400; ++i) p.import(0x1010 + 20 * i, 0x3000, 0x1000);
  for (uint32_t i = 0; i < 3000; ++i) p.u64(0x3000 + 8 * i, 0x8000000000000000ull | i);
  p.u64(0x3000 + 8 * 3000, 0);
  p.dir(1, 0x1010, 20 * 401);
  auto b = p.build();
  auto e = error_of(b);
  CHECK(e.find("t.exe: import descriptor #") == 0);
  CHECK(e.find(": tables decode to more entries than the file holds (overlapping tables?)") != std::string::npos);
}

TEST_CASE("a delay-load descriptor whose name is outside every section is an error at the field") {
  auto p = kernel32();
  p.dir(13, 0x1040, 64).u32(0x1040, 1).u32(0x1044, 0x9000);
  CHECK(error_of(p.build()) ==
        "t.exe: delay-load descriptor #0 name: RVA 0x9000 is outside every section (at offset 0x244)");
}

TEST_CASE("an old delay-load descriptor holding VAs instead of RVAs decodes") {
  auto p = kernel32();
  // Attributes 0: Visual C++ 6 layout, name and name-table fields are virtual addresses.
  p.dir(13, 0x1040, 64).u32(0x1040, 0).u32(0x1044, uint32_t(0x400000 + 0x1190)).u32(0x1050, uint32_t(0x400000 + 0x1120));
  p.str(0x1190, "OLD.dll").u64(0x1120, 0x400000 + 0x11a0);
  auto b = p.build();
  put64(b, 0x58 + 24, 0x400000);
  auto r = read(b);
  REQUIRE(r.ok());
  REQUIRE(r->delay_imports.size() == 1);
  CHECK(r->delay_imports[0].name == "OLD.dll");
  REQUIRE(r->delay_imports[0].functions.size() == 1);
  CHECK(r->delay_imports[0].functions[0].name == "ExitProcess");
}

TEST_CASE("an export address table count that runs past its section is an error") {
  auto p = kernel32();
  p.dir(0, 0x1040, 40).u32(0x104c, 0x1190).str(0x1190, "me.dll").u32(0x1054, 0xffffffff).u32(0x105c, 0x1100);
  CHECK(error_of(p.build()) == "t.exe: export address table: 4294967295 entries at 0x300 run past the end of its "
                               "section (at offset 0x300)");
}

TEST_CASE("an export name pointer table that runs past its section is an error") {
  auto p = kernel32();
  p.dir(0, 0x1040, 40).u32(0x104c, 0x1190).str(0x1190, "me.dll").u32(0x1054, 1).u32(0x105c, 0x1100);
  p.u32(0x1058, 0x10000).u32(0x1060, 0x1100).u32(0x1064, 0x1100);
  CHECK(error_of(p.build()) == "t.exe: export ordinal table: 65536 entries at 0x300 run past the end of its section "
                               "(at offset 0x300)");
}

TEST_CASE("the export directory gives the DLL's own name and its exported names") {
  auto p = kernel32();
  p.dir(0, 0x1040, 40).u32(0x104c, 0x1190).str(0x1190, "me.dll").u32(0x1054, 2).u32(0x105c, 0x11c0);
  p.u32(0x1058, 2).u32(0x1060, 0x11d0).u32(0x1064, 0x11e0).u32(0x11d0, 0x1180).u32(0x11d4, 0x11a2);
  auto r = read(p.build());
  REQUIRE(r.ok());
  CHECK(r->export_name == std::optional<std::string>("me.dll"));
  CHECK(r->export_count == 2);
  CHECK(r->exported_names == std::vector<std::string>{"KERNEL32.dll", "ExitProcess"});
}
