// Mach-O reader on hand-made images (a test-only builder describes load commands by name): each malformed case
// gives its own one-line error naming the structure and file offset; kinds, byte orders and fat files decode.
#include <catch2/catch.hpp>

#include <cstring>

#include "macho/macho_info.hpp"

using namespace ferry;

namespace {

enum : uint32_t {
  LC_SEGMENT_64 = 0x19, LC_SYMTAB = 0x2, LC_LOAD_DYLIB = 0xc, LC_ID_DYLIB = 0xd,
  LC_LOAD_WEAK_DYLIB = 0x80000018, LC_RPATH = 0x8000001c, LC_REEXPORT_DYLIB = 0x8000001f,
  LC_LAZY_LOAD_DYLIB = 0x20, LC_LOAD_UPWARD_DYLIB = 0x80000023, LC_VERSION_MIN_IPHONEOS = 0x25,
  LC_BUILD_VERSION = 0x32,
};

struct Bytes {
  std::vector<uint8_t> b;
  Endian e = Endian::little;
  Bytes& u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(uint8_t(v >> (e == Endian::little ? 8 * i : 8 * (3 - i))));
    return *this;
  }
  Bytes& u64(uint64_t v) {
    if (e == Endian::little) return u32(uint32_t(v)).u32(uint32_t(v >> 32));
    return u32(uint32_t(v >> 32)).u32(uint32_t(v));
  }
  Bytes& str(const std::string& s, size_t pad_to) {
    size_t start = b.size();
    b.insert(b.end(), s.begin(), s.end());
    while (b.size() - start < pad_to) b.push_back(0);
    return *this;
  }
};

// A thin Mach-O described by its load commands; fields can be overridden afterwards to corrupt it.
struct MachOBuilder {
  bool is64 = true;
  Endian endian = Endian::little;
  uint32_t cputype = 0x01000007, cpusubtype = 3, filetype = 2, flags = 0x85;
  std::vector<std::vector<uint8_t>> cmds;

  Bytes start() const { Bytes x; x.e = endian; return x; }
  MachOBuilder& raw(std::vector<uint8_t> c) { cmds.push_back(std::move(c)); return *this; }
  MachOBuilder& dylib(uint32_t cmd, const std::string& name, uint32_t cur = 0x10203, uint32_t compat = 0x10000) {
    uint32_t size = uint32_t((24 + name.size() + 1 + 7) / 8 * 8);
    return raw(start().u32(cmd).u32(size).u32(24).u32(2).u32(cur).u32(compat).str(name, size - 24).b);
  }
  MachOBuilder& rpath(const std::string& p) {
    uint32_t size = uint32_t((12 + p.size() + 1 + 7) / 8 * 8);
    return raw(start().u32(LC_RPATH).u32(size).u32(12).str(p, size - 12).b);
  }
  MachOBuilder& build_version(uint32_t platform, uint32_t minos, uint32_t sdk) {
    return raw(start().u32(LC_BUILD_VERSION).u32(24).u32(platform).u32(minos).u32(sdk).u32(0).b);
  }
  std::vector<uint8_t> build() const {
    uint32_t sizeofcmds = 0;
    for (const auto& c : cmds) sizeofcmds += uint32_t(c.size());
    Bytes x = start();
    x.u32(is64 ? 0xfeedfacf : 0xfeedface).u32(cputype).u32(cpusubtype).u32(filetype);
    x.u32(uint32_t(cmds.size())).u32(sizeofcmds).u32(flags);
    if (is64) x.u32(0);
    // magic is always stored in the file's byte order: 0xfeedfacf read as little endian identifies the order
    for (const auto& c : cmds) x.b.insert(x.b.end(), c.begin(), c.end());
    return x.b;
  }
};

void put32(std::vector<uint8_t>& b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + i] = uint8_t(v >> (8 * i));
}
void put32be(std::vector<uint8_t>& b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + i] = uint8_t(v >> (8 * (3 - i)));
}

Result<macho::MachOFile> read(const std::vector<uint8_t>& b) {
  return macho::read_macho(ByteView(b.data(), b.size()), "t.macho");
}

std::string error_of(const std::vector<uint8_t>& b) {
  auto r = read(b);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::format);
  return r.error().describe();
}

// A fat file around the given thin (little-endian) images, each slice aligned to 0x1000, each fat_arch naming
// the cpu its slice's header gives.
std::vector<uint8_t> fat(const std::vector<std::vector<uint8_t>>& slices) {
  std::vector<uint8_t> out(0x1000 * (slices.size() + 1), 0);
  put32be(out, 0, 0xcafebabe);
  put32be(out, 4, uint32_t(slices.size()));
  for (size_t i = 0; i < slices.size(); ++i) {
    size_t a = 8 + 20 * i, off = 0x1000 * (i + 1);
    uint32_t cpu = 0, sub = 0;
    std::memcpy(&cpu, slices[i].data() + 4, 4);
    std::memcpy(&sub, slices[i].data() + 8, 4);
    put32be(out, a, cpu);
    put32be(out, a + 4, sub);
    put32be(out, a + 8, uint32_t(off));
    put32be(out, a + 12, uint32_t(slices[i].size()));
    put32be(out, a + 16, 12);
    std::memcpy(out.data() + off, slices[i].data(), slices[i].size());
  }
  return out;
}

}  // namespace

TEST_CASE("Mach-O builder images decode every dependency kind, rpaths and the install name") {
  auto b = MachOBuilder()
               .dylib(LC_ID_DYLIB, "@rpath/libself.dylib", 0x20304, 0x20000)
               .dylib(LC_LOAD_DYLIB, "/usr/lib/libSystem.B.dylib")
               .dylib(LC_LOAD_WEAK_DYLIB, "@rpath/libweak.dylib")
               .dylib(LC_REEXPORT_DYLIB, "@rpath/libre.dylib")
               .dylib(LC_LOAD_UPWARD_DYLIB, "@rpath/libup.dylib")
               .dylib(LC_LAZY_LOAD_DYLIB, "@rpath/liblazy.dylib")
               .rpath("@loader_path/.")
               .rpath("@executable_path/../Frameworks")
               .build_version(2, 0x0e0000, 0x110200)
               .raw(Bytes().u32(0x80000034).u32(16).u32(0).u32(0).b)  // LC_DYLD_CHAINED_FIXUPS, unknown to LIEF 0.9
               .build();
  auto r = read(b);
  REQUIRE(r.ok());
  const auto& s = r->slices.at(0);
  CHECK(s.warnings.empty());  // LIEF parsed the image and agreed on the header
  REQUIRE(s.id);
  CHECK(s.id->name == "@rpath/libself.dylib");
  CHECK(macho::format_dylib_version(s.id->current_version) == "2.3.4");
  std::vector<std::string> kinds;
  for (const auto& d : s.dependencies) kinds.push_back(d.name + "=" + macho::to_string(d.kind));
  CHECK(kinds == std::vector<std::string>{"/usr/lib/libSystem.B.dylib=load", "@rpath/libweak.dylib=weak",
                                          "@rpath/libre.dylib=reexport", "@rpath/libup.dylib=upward",
                                          "@rpath/liblazy.dylib=lazy"});
  CHECK(s.rpaths == std::vector<std::string>{"@loader_path/.", "@executable_path/../Frameworks"});
  REQUIRE(s.min_os.size() == 1);
  CHECK(s.min_os[0].platform_name == "ios");
  CHECK(macho::format_os_version(s.min_os[0].minos) == "14.0");
  CHECK(macho::format_os_version(s.min_os[0].sdk) == "17.2");
}

TEST_CASE("big-endian 32-bit Mach-O (PowerPC) decodes in its own byte order") {
  MachOBuilder mb;
  mb.is64 = false;
  mb.endian = Endian::big;
  mb.cputype = 18;
  mb.cpusubtype = 0;
  auto r = read(mb.dylib(LC_LOAD_DYLIB, "/usr/lib/libSystem.B.dylib", 0x580000, 0x10000)
                    .raw(Bytes{{}, Endian::big}.u32(LC_VERSION_MIN_IPHONEOS).u32(16).u32(0x40300).u32(0).b)
                    .build());
  REQUIRE(r.ok());
  const auto& s = r->slices.at(0);
  CHECK(s.arch == "ppc");
  CHECK_FALSE(s.is_64);
  CHECK(s.endian == Endian::big);
  REQUIRE(s.dependencies.size() == 1);
  CHECK(macho::format_dylib_version(s.dependencies[0].current_version) == "88.0.0");
  REQUIRE(s.min_os.size() == 1);
  CHECK(s.min_os[0].command == "LC_VERSION_MIN_IPHONEOS");
  CHECK(macho::format_os_version(s.min_os[0].minos) == "4.3");
  CHECK(s.min_os[0].sdk == 0);
}

TEST_CASE("an empty file is not a Mach-O file") {
  CHECK(error_of({}) == "t.macho: file is too small for a Mach-O header (0 bytes) (at offset 0x0)");
}

TEST_CASE("a truncated mach header is reported with its size") {
  auto b = MachOBuilder().build();
  b.resize(20);
  CHECK(error_of(b) == "t.macho: mach header: 0x20 bytes at 0x0 run past the end of the data (0x14) (at offset 0x0)");
}

TEST_CASE("sizeofcmds past the end of the file is an error at the field") {
  auto b = MachOBuilder().rpath("/x").build();
  put32(b, 20, 0x1000);
  CHECK(error_of(b) == "t.macho: mach header: sizeofcmds 0x1000 runs past the end of the slice (0x30) (at offset 0x14)");
}

TEST_CASE("an absurd ncmds is refused before any command is read") {
  auto b = MachOBuilder().rpath("/x").build();
  put32(b, 16, 0xffffffff);
  CHECK(error_of(b) == "t.macho: mach header: ncmds 4294967295 cannot fit in sizeofcmds 0x10 (at offset 0x10)");
}

TEST_CASE("a zero cmdsize, which would loop forever, is an error") {
  auto b = MachOBuilder().rpath("/x").rpath("/y").build();
  put32(b, 32 + 4, 0);
  CHECK(error_of(b) == "t.macho: load command #0 (LC_RPATH): bad cmdsize 0x0 (at offset 0x20)");
}

TEST_CASE("a cmdsize that is not a multiple of 4 is an error") {
  auto b = MachOBuilder().rpath("/x").build();
  put32(b, 32 + 4, 13);
  CHECK(error_of(b) == "t.macho: load command #0 (LC_RPATH): bad cmdsize 0xd (at offset 0x20)");
}

TEST_CASE("a cmdsize running past sizeofcmds is an error") {
  auto b = MachOBuilder().rpath("/x").build();
  put32(b, 32 + 4, 0x100);
  CHECK(error_of(b) == "t.macho: load command #0 (LC_RPATH): cmdsize 0x100 runs past sizeofcmds (0x10) (at offset 0x20)");
}

TEST_CASE("a command header cut off by sizeofcmds is an error") {
  auto b = MachOBuilder().rpath("/x").rpath("/y").build();
  put32(b, 16, 3);
  b.insert(b.end(), 4, 0);
  put32(b, 20, 0x24);
  CHECK(error_of(b) == "t.macho: load command #2: header at 0x40 runs past sizeofcmds (0x24) (at offset 0x40)");
}

TEST_CASE("a dylib name offset outside its command or into its fixed fields is an error") {
  auto [name_offset, shown] = GENERATE(table<uint32_t, const char*>({{0x80, "0x80"}, {4, "0x4"}}));
  INFO("name offset " << shown);
  auto b = MachOBuilder().dylib(LC_LOAD_DYLIB, "/usr/lib/libz.1.dylib").build();
  put32(b, 32 + 8, name_offset);
  CHECK(error_of(b) == "t.macho: load command #0 (LC_LOAD_DYLIB): dylib name offset " + std::string(shown) +
                           " is outside the command (cmdsize 0x30) (at offset 0x20)");
}

TEST_CASE("an rpath without a terminating NUL inside its command is an error") {
  auto b = MachOBuilder().rpath("/opt/lib").build();  // 12 + 9 bytes, padded to 24
  for (size_t i = 32 + 12; i < 32 + 24; ++i) b[i] = 'a';
  CHECK(error_of(b) == "t.macho: load command #0 (LC_RPATH): path at 0x2c is not NUL-terminated (at offset 0x20)");
}

TEST_CASE("a dylib command too small for its fixed fields is an error") {
  auto b = MachOBuilder().raw(Bytes().u32(LC_LOAD_DYLIB).u32(16).u32(12).u32(0).b).build();
  CHECK(error_of(b) == "t.macho: load command #0 (LC_LOAD_DYLIB): cmdsize 0x10 is too small (needs 0x18) (at offset 0x20)");
}

TEST_CASE("an LC_BUILD_VERSION whose tool count does not fit is an error") {
  auto b = MachOBuilder().build_version(1, 0xa0f00, 0xc0000).build();
  put32(b, 32 + 20, 1000);
  CHECK(error_of(b) ==
        "t.macho: load command #0 (LC_BUILD_VERSION): ntools 1000 needs 0x1f58 bytes, cmdsize is 0x18 (at offset 0x20)");
}

TEST_CASE("a symbol table or segment whose range or count does not fit is an error before LIEF sees the image") {
  // LC_SYMTAB (symoff, nsyms) and a __TEXT LC_SEGMENT_64 (filesize, nsects) with no room for sections (cmdsize 72).
  auto symtab = [](uint32_t symoff, uint32_t nsyms) {
    return Bytes().u32(LC_SYMTAB).u32(24).u32(symoff).u32(nsyms).u32(0).u32(0).b;
  };
  auto text = [](uint64_t filesize, uint32_t nsects) {
    return Bytes().u32(LC_SEGMENT_64).u32(72).str("__TEXT", 16).u64(0).u64(0x1000).u64(0).u64(filesize).u32(5).u32(5)
        .u32(nsects).u32(0).b;
  };
  auto [what, command, error] = GENERATE_COPY(table<const char*, std::vector<uint8_t>, const char*>({
      {"a symbol table outside the file", symtab(0x10000, 16),
       "t.macho: load command #0 (LC_SYMTAB): symbol table range 0x10000+0x100 is outside the slice (0x38) (at offset "
       "0x20)"},
      {"a symbol count whose size overflows", symtab(0, 0xffffffff),
       "t.macho: load command #0 (LC_SYMTAB): symbol table range 0x0+0xffffffff0 is outside the slice (0x38) (at "
       "offset 0x20)"},
      {"a segment whose file range is outside the file", text(0x4000, 0),
       "t.macho: load command #0 (LC_SEGMENT_64): segment file range 0x0+0x4000 is outside the slice (0x68) (at "
       "offset 0x20)"},
      {"a segment whose section count does not fit its command", text(0, 1000),
       "t.macho: load command #0 (LC_SEGMENT_64): nsects 1000 needs 0x138c8 bytes, cmdsize is 0x48 (at offset 0x20)"},
  }));
  INFO(what);
  CHECK(error_of(MachOBuilder().raw(command).build()) == error);
}

TEST_CASE("load commands ending before sizeofcmds leave a warning, not an error") {
  auto b = MachOBuilder().rpath("/x").build();
  b.insert(b.end(), 8, 0);
  put32(b, 20, 0x18);
  auto r = read(b);
  REQUIRE(r.ok());
  REQUIRE_FALSE(r->slices[0].warnings.empty());
  CHECK(r->slices[0].warnings[0] == "load commands end at 0x30, sizeofcmds says 0x38");
}

TEST_CASE("a fat file decodes each slice, with errors at file offsets inside the slice") {
  auto thin = MachOBuilder().rpath("/x").build();
  MachOBuilder arm;
  arm.cputype = 0x0100000c, arm.cpusubtype = 0;
  auto f = fat({thin, arm.rpath("/x").build()});
  auto r = read(f);
  REQUIRE(r.ok());
  CHECK(r->fat);
  REQUIRE(r->slices.size() == 2);
  CHECK(r->slices[1].offset == 0x2000);
  CHECK(r->slices[1].rpaths == std::vector<std::string>{"/x"});
  put32(f, 0x2000 + 32 + 4, 0);
  CHECK(error_of(f) == "t.macho: load command #0 (LC_RPATH): bad cmdsize 0x0 (at offset 0x2020)");
}

TEST_CASE("a fat file with two slices of one architecture is an error naming both") {
  auto thin = MachOBuilder().rpath("/x").build();
  CHECK(error_of(fat({thin, thin})) ==
        "t.macho: fat_arch #1 (x86_64): its slice is x86_64, as is fat_arch #0's (a fat file holds one slice per "
        "architecture) (at offset 0x1c)");
  // The fat header may call the second one arm64: its own header decides what it is (the fuzzer's case).
  auto f = fat({thin, thin});
  put32be(f, 8 + 20, 0x0100000c);
  put32be(f, 8 + 24, 0);
  CHECK(error_of(f) ==
        "t.macho: fat_arch #1 (arm64): its slice is x86_64, as is fat_arch #0's (a fat file holds one slice per "
        "architecture) (at offset 0x1c)");
}

TEST_CASE("a fat header with zero architectures is an error") {
  auto f = fat({MachOBuilder().build()});
  put32be(f, 4, 0);
  CHECK(error_of(f) == "t.macho: fat header: nfat_arch is 0 (at offset 0x4)");
}

TEST_CASE("an nfat_arch the file cannot hold is refused before any slice is read") {
  auto f = fat({MachOBuilder().build()});
  put32be(f, 4, 40);
  f.resize(0x300);
  CHECK(error_of(f) == "t.macho: fat header: nfat_arch 40 needs 0x328 bytes, the file has 0x300 (at offset 0x4)");
}

TEST_CASE("a Java class file (0xcafebabe with a class version where nfat_arch would be) is not a Mach-O file") {
  std::vector<uint8_t> cls = {0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x34, 0x00, 0x10};
  cls.resize(0x400);
  auto r = read(cls);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::unsupported);
  CHECK(r.error().describe() == "t.macho: fat header: nfat_arch 52 is not plausible: a Java class file, not a Mach-O "
                                "universal binary (at offset 0x4)");
}

TEST_CASE("a fat slice outside the file is an error naming the fat_arch") {
  auto f = fat({MachOBuilder().build()});
  put32be(f, 8 + 12, 0x10000);
  CHECK(error_of(f) == "t.macho: fat_arch #0 (x86_64): slice 0x1000+0x10000 is outside the file (0x2000) (at offset 0x8)");
}

TEST_CASE("overlapping fat slices are an error") {
  auto thin = MachOBuilder().build();
  auto f = fat({thin, thin});
  put32be(f, 28 + 8, 0x1000);
  CHECK(error_of(f) == "t.macho: fat_arch #1 (x86_64): slice 0x1000+0x20 overlaps fat_arch #0 (at offset 0x1c)");
}

TEST_CASE("a fat slice overlapping the fat header is an error") {
  auto f = fat({MachOBuilder().build()});
  put32be(f, 8 + 8, 0);
  CHECK(error_of(f) == "t.macho: fat_arch #0 (x86_64): slice at 0x0 overlaps the fat header (at offset 0x8)");
}

TEST_CASE("a fat slice that is not a Mach-O image is an error at the slice") {
  auto f = fat({MachOBuilder().build()});
  std::memset(f.data() + 0x1000, 0, 4);
  CHECK(error_of(f) == "t.macho: mach header: bad magic 0x0 (at offset 0x1000)");
}
