// The ELF reader on real fixtures (each class/byte order) and on corrupted copies: decoded values are exact,
// and every malformed input gives one error naming the structure and offset, never a crash.
#include <elf.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>

#include "elf/elf_info.hpp"
#include "support/file.hpp"

using namespace ferry;

namespace {

std::string fixture(const std::string& name) {
  const char* dir = std::getenv("FERRY_FIXTURES");
  REQUIRE(dir != nullptr);
  return std::string(dir) + "/elf/" + name;
}

std::vector<uint8_t> load(const std::string& name) {
  auto r = read_file(fixture(name));
  REQUIRE(r.ok());
  return r.value();
}

Result<elf::ElfInfo> parse(std::vector<uint8_t>& bytes) {
  return elf::read_elf(ByteView(bytes.data(), bytes.size()), "test.elf");
}

void put64(std::vector<uint8_t>& b, uint64_t off, uint64_t v) { std::memcpy(&b[off], &v, 8); }
void put32(std::vector<uint8_t>& b, uint64_t off, uint32_t v) { std::memcpy(&b[off], &v, 4); }

// File offset of the first dynamic entry with `tag` in a 64-bit little-endian file.
uint64_t dyn_entry(std::vector<uint8_t>& b, int64_t tag) {
  auto info = parse(b);
  REQUIRE(info.ok());
  for (const auto& s : info->segments)
    if (s.type == PT_DYNAMIC)
      for (uint64_t o = s.offset; o + 16 <= s.offset + s.filesz; o += 16) {
        int64_t t;
        std::memcpy(&t, &b[o], 8);
        if (t == tag) return o;
      }
  FAIL("no dynamic tag " << tag);
  return 0;
}

// app_runpath with the value of its first `tag` dynamic entry set to `value`, parsed.
Result<elf::ElfInfo> parse_with_dyn(int64_t tag, uint64_t value) {
  auto b = load("app_runpath");
  put64(b, dyn_entry(b, tag) + 8, value);
  return parse(b);
}

}  // namespace

TEST_CASE("a RUNPATH program decodes needed, runpath entries and pinned versions") {
  auto b = load("app_runpath");
  auto r = parse(b);
  REQUIRE(r.ok());
  CHECK(r->bits == 64);
  CHECK(r->kind == elf::Kind::pie);
  CHECK(r->needed == std::vector<std::string>{"libver.so.1", "libc.so.6"});
  CHECK(*r->runpath == "$ORIGIN:/opt/ferry/lib");
  CHECK(r->runpath_entries == std::vector<std::string>{"$ORIGIN", "/opt/ferry/lib"});
  CHECK_FALSE(r->rpath);
  auto* libc = r->find_version_need("libc.so.6");
  REQUIRE(libc);
  bool pinned = false;
  for (const auto& v : libc->versions)
    if (v.name == "GLIBC_2.2.5")
      pinned = std::find(v.symbols.begin(), v.symbols.end(), "memcpy") != v.symbols.end();
  CHECK(pinned);
  auto* ver = r->find_version_need("libver.so.1");
  REQUIRE(ver);
  REQUIRE(ver->versions.size() == 2);
}

TEST_CASE("an RPATH with an empty entry keeps the empty entry, which the loader reads as the current directory") {
  auto b = load("app_rpath");
  auto r = parse(b);
  REQUIRE(r.ok());
  CHECK(*r->rpath == "$ORIGIN/../lib::/usr/local/lib");
  CHECK(r->rpath_entries == std::vector<std::string>{"$ORIGIN/../lib", "", "/usr/local/lib"});
  CHECK_FALSE(r->runpath);
}

TEST_CASE("a library's own version definitions are decoded with the base name first") {
  auto b = load("libver.so.1");
  auto r = parse(b);
  REQUIRE(r.ok());
  CHECK(r->kind == elf::Kind::shared_object);
  CHECK(*r->soname == "libver.so.1");
  REQUIRE(r->version_defs.size() == 3);
  CHECK(r->version_defs[0].name == "libver.so.1");
  CHECK(r->version_defs[1].name == "VERS_1.0");
  CHECK(r->version_defs[2].name == "VERS_2.0");
  CHECK(r->version_defs[2].parents == std::vector<std::string>{"VERS_1.0"});
}

TEST_CASE("a file without section headers decodes the same through PT_DYNAMIC") {
  auto a = load("app_runpath");
  auto b = load("app_noshdr");
  auto ra = parse(a);
  auto rb = parse(b);
  REQUIRE(ra.ok());
  REQUIRE(rb.ok());
  CHECK_FALSE(rb->has_section_headers);
  CHECK(rb->needed == ra->needed);
  CHECK(rb->runpath == ra->runpath);
  CHECK(rb->imported_symbols == ra->imported_symbols);
  REQUIRE(rb->version_needs.size() == ra->version_needs.size());
  for (size_t i = 0; i < ra->version_needs.size(); ++i)
    for (size_t j = 0; j < ra->version_needs[i].versions.size(); ++j)
      CHECK(rb->version_needs[i].versions[j].symbols == ra->version_needs[i].versions[j].symbols);
}

TEST_CASE("32-bit, big-endian and AArch64 files decode with their class, byte order and machine") {
  struct Case {
    const char* name;
    int bits;
    Endian endian;
    const char* machine;
  };
  for (auto c : {Case{"app32", 32, Endian::little, "i386"}, Case{"app_bigendian", 64, Endian::big, "s390"},
                 Case{"app_aarch64", 64, Endian::little, "aarch64"}}) {
    auto path = fixture(c.name);
    if (sniff_file(path) != FileKind::elf) {
      WARN(std::string("fixture not built (compiler missing): ") + c.name);
      continue;
    }
    auto r = elf::read_elf_file(path);
    REQUIRE(r.ok());
    CHECK(r->bits == c.bits);
    CHECK(r->endian == c.endian);
    CHECK(r->machine_name == c.machine);
    CHECK(r->needed == std::vector<std::string>{"libc.so.6"});
    CHECK(r->runpath.has_value());
    CHECK(r->find_version_need("libc.so.6") != nullptr);
  }
}

TEST_CASE("loader features: DT_RELR, executable stack, x86-64-v3 ISA note, hash styles") {
  CHECK(elf::read_elf_file(fixture("plain_relr"))->relr);
  CHECK(*elf::read_elf_file(fixture("plain_execstack"))->exec_stack);
  CHECK((elf::read_elf_file(fixture("plain_v3"))->properties.x86_isa_needed & 4) != 0);
  auto sysv = elf::read_elf_file(fixture("plain_hash_sysv"));
  CHECK((sysv->sysv_hash && !sysv->gnu_hash));
  auto gnu = elf::read_elf_file(fixture("plain_hash_gnu"));
  CHECK((gnu->gnu_hash && !gnu->sysv_hash));
  // Symbol counts must not depend on which hash table gives the count.
  CHECK(sysv->imported_symbols == gnu->imported_symbols);
  CHECK(elf::read_elf_file(fixture("app_now"))->has_nodeflib());
  CHECK_FALSE(elf::read_elf_file(fixture("plain_nobuildid"))->build_id);
  CHECK(elf::read_elf_file(fixture("plain.o"))->kind == elf::Kind::relocatable);
}

TEST_CASE("empty, tiny and foreign files are refused with one clear line") {
  std::vector<uint8_t> empty;
  CHECK(parse(empty).error().message == "empty file");
  std::vector<uint8_t> tiny(10, 0x7f);
  CHECK(parse(tiny).error().message == "file too small for an ELF identification (0xa bytes)");
  std::vector<uint8_t> text(64, 'a');
  CHECK(parse(text).error().message == "not an ELF file");
  auto b = load("app_runpath");
  b.resize(40);
  CHECK(parse(b).error().message == "truncated ELF header (0x28 of 0x40 bytes)");
  auto c = load("app_runpath");
  c[EI_CLASS] = 7;
  CHECK(parse(c).error().message == "e_ident[EI_CLASS]: invalid class 7");
  CHECK(parse(c).error().path == "test.elf");
}

TEST_CASE("a program header table pointing past the end of the file is an error, not a read") {
  auto b = load("app_runpath");
  put64(b, 0x20, 0xfffffffffff0ULL);  // e_phoff
  auto r = parse(b);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("program header table"));
}

TEST_CASE("every truncation of a real file gives an error or a result, never a crash") {
  auto full = load("app_runpath");
  for (size_t len = 0; len < full.size(); len += 97) {
    std::vector<uint8_t> part(full.begin(), full.begin() + len);
    auto r = parse(part);
    if (!r.ok()) CHECK_FALSE(r.error().message.empty());
  }
}

TEST_CASE("a DT_NEEDED string offset past .dynstr names the entry and the table size") {
  auto r = parse_with_dyn(DT_NEEDED, 0x7fffff);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::StartsWith("DT_NEEDED #0: string offset 0x7fffff is past the end of .dynstr (0x"));
}

TEST_CASE("a DT_STRTAB address outside every segment is reported with the dynamic table offset") {
  auto r = parse_with_dyn(DT_STRTAB, 0x7fff0000);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "DT_STRTAB: address 0x7fff0000 is not mapped by any PT_LOAD");
  CHECK(r.error().offset.has_value());
}

TEST_CASE("an absurd DT_VERNEEDNUM is bounded by the table size instead of looping") {
  auto r = parse_with_dyn(DT_VERNEEDNUM, 0xffffffff);
  // The real chain ends with vn_next == 0, so decoding stops there with the true entries.
  REQUIRE(r.ok());
  CHECK(r->version_needs.size() == 2);
}

TEST_CASE("a Vernaux name offset past .dynstr names the Verneed and Vernaux index") {
  auto b = load("app_runpath");
  auto info = parse(b);
  REQUIRE(info.ok());
  uint64_t at = dyn_entry(b, DT_VERNEED);
  uint64_t vaddr;
  std::memcpy(&vaddr, &b[at + 8], 8);
  uint64_t off = 0;
  for (const auto& s : info->segments)
    if (s.type == PT_LOAD && vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz) off = s.offset + (vaddr - s.vaddr);
  REQUIRE(off != 0);
  uint32_t aux;
  std::memcpy(&aux, &b[off + 8], 4);
  put32(b, off + aux + 8, 0x7ffffff0);  // vna_name of the first Vernaux
  auto r = parse(b);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::StartsWith("Verneed #0 Vernaux #0: vna_name 0x7ffffff0 is past the end of .dynstr"));
}
