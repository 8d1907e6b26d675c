// elf::Codec against <elf.h>'s structures as the oracle: in each class and byte order, a record Codec writes
// has the bytes of the C structure with the same values (byte-swapped for big-endian), and reads back to them.
#include <elf.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "elf/elf_codec.hpp"

using namespace ferry;
using elf::Codec;

namespace {

template <typename T>
T swapped(T v) {
  T out{};
  auto* s = reinterpret_cast<const uint8_t*>(&v);
  auto* d = reinterpret_cast<uint8_t*>(&out);
  for (size_t i = 0; i < sizeof(T); ++i) d[i] = s[sizeof(T) - 1 - i];
  return out;
}

// The bytes of a structure whose fields are stored in `endian` (the test host is little-endian).
template <typename S>
std::vector<uint8_t> bytes_of(const S& s) {
  std::vector<uint8_t> b(sizeof(S));
  std::memcpy(b.data(), &s, sizeof(S));
  return b;
}

template <typename Phdr>
Phdr make_phdr(bool big) {
  auto f = [&](auto v) { return big ? swapped(v) : v; };
  Phdr p{};
  p.p_type = f(decltype(p.p_type)(PT_LOAD));
  p.p_flags = f(decltype(p.p_flags)(PF_R | PF_X));
  p.p_offset = f(decltype(p.p_offset)(0x1234));
  p.p_vaddr = f(decltype(p.p_vaddr)(0x401234));
  p.p_paddr = f(decltype(p.p_paddr)(0x401235));
  p.p_filesz = f(decltype(p.p_filesz)(0x777));
  p.p_memsz = f(decltype(p.p_memsz)(0x888));
  p.p_align = f(decltype(p.p_align)(0x1000));
  return p;
}

template <typename Shdr>
Shdr make_shdr(bool big) {
  auto f = [&](auto v) { return big ? swapped(v) : v; };
  Shdr s{};
  s.sh_name = f(decltype(s.sh_name)(17));
  s.sh_type = f(decltype(s.sh_type)(SHT_DYNSYM));
  s.sh_flags = f(decltype(s.sh_flags)(SHF_ALLOC));
  s.sh_addr = f(decltype(s.sh_addr)(0x2000));
  s.sh_offset = f(decltype(s.sh_offset)(0x1000));
  s.sh_size = f(decltype(s.sh_size)(0x180));
  s.sh_link = f(decltype(s.sh_link)(5));
  s.sh_info = f(decltype(s.sh_info)(1));
  s.sh_addralign = f(decltype(s.sh_addralign)(8));
  s.sh_entsize = f(decltype(s.sh_entsize)(24));
  return s;
}

elf::Segment segment() { return {PT_LOAD, PF_R | PF_X, 0x1234, 0x401234, 0x401235, 0x777, 0x888, 0x1000}; }

elf::SectionHeader section() {
  elf::SectionHeader s;
  s.name = 17, s.type = SHT_DYNSYM, s.flags = SHF_ALLOC, s.addr = 0x2000, s.offset = 0x1000, s.size = 0x180;
  s.link = 5, s.info = 1, s.addralign = 8, s.entsize = 24;
  return s;
}

bool same(const elf::Segment& a, const elf::Segment& b) {
  return a.type == b.type && a.flags == b.flags && a.offset == b.offset && a.vaddr == b.vaddr && a.paddr == b.paddr &&
         a.filesz == b.filesz && a.memsz == b.memsz && a.align == b.align;
}

// One of the four class/byte orders, and <elf.h>'s bytes for a structure in it.
struct Form {
  bool is64, big;
  Codec codec() const { return Codec{is64, big ? Endian::big : Endian::little}; }
  std::string name() const { return std::string(is64 ? "ELF64 " : "ELF32 ") + (big ? "big-endian" : "little-endian"); }
  template <typename S64, typename S32>
  std::vector<uint8_t> elf_h(S64 (*make64)(bool), S32 (*make32)(bool)) const {
    return is64 ? bytes_of(make64(big)) : bytes_of(make32(big));
  }
};

// Each form in turn: the calling test case runs once per form (a Catch2 generator).
Form each_form() {
  auto [is64, big] = GENERATE(table<bool, bool>({{true, false}, {true, true}, {false, false}, {false, true}}));
  return {is64, big};
}

// The `size` bytes Codec's `put` writes for `record`.
template <typename Record>
std::vector<uint8_t> encode(const Codec& c, uint64_t size, void (Codec::*put)(uint8_t*, const Record&) const,
                            const Record& record) {
  std::vector<uint8_t> out(size);
  (c.*put)(out.data(), record);
  return out;
}

}  // namespace

TEST_CASE("Codec writes program headers with the bytes of <elf.h>'s Phdr in all four class/byte orders") {
  Form f = each_form();
  INFO(f.name());
  auto expect = f.elf_h(make_phdr<Elf64_Phdr>, make_phdr<Elf32_Phdr>);
  CHECK(encode(f.codec(), f.codec().phent(), &Codec::put_phdr, segment()) == expect);
  CHECK(same(f.codec().phdr(expect.data()), segment()));
}

TEST_CASE("Codec reads and writes section headers as <elf.h>'s Shdr lays them out") {
  Form f = each_form();
  INFO(f.name());
  auto expect = f.elf_h(make_shdr<Elf64_Shdr>, make_shdr<Elf32_Shdr>);
  CHECK(encode(f.codec(), f.codec().shent(), &Codec::put_shdr, section()) == expect);
  auto back = f.codec().shdr(expect.data());
  CHECK(back.name == 17);
  CHECK(back.type == SHT_DYNSYM);
  CHECK(back.addr == 0x2000);
  CHECK(back.size == 0x180);
  CHECK(back.link == 5);
  CHECK(back.entsize == 24);
}

TEST_CASE("Codec sign-extends a 32-bit d_tag and reads the ELF header fields at <elf.h>'s offsets") {
  Codec c32{false, Endian::big};
  Elf32_Dyn d{};
  d.d_tag = swapped(Elf32_Sword(-2));  // a processor-specific tag with the top bit set
  d.d_un.d_val = swapped(Elf32_Word(0x40));
  auto b = bytes_of(d);
  CHECK(c32.dyn(b.data()).tag == -2);
  CHECK(c32.dyn(b.data()).val == 0x40);

  Elf64_Ehdr e{};
  e.e_type = ET_DYN, e.e_machine = EM_AARCH64, e.e_entry = 0x1040, e.e_phoff = 64, e.e_shoff = 0x9000;
  e.e_flags = 7, e.e_phentsize = sizeof(Elf64_Phdr), e.e_phnum = 9, e.e_shnum = 30, e.e_shstrndx = 29;
  auto eb = bytes_of(e);
  auto h = Codec{true, Endian::little}.file_header(eb.data());
  CHECK(h.type == ET_DYN);
  CHECK(h.machine == EM_AARCH64);
  CHECK(h.entry == 0x1040);
  CHECK(h.phoff == 64);
  CHECK(h.shoff == 0x9000);
  CHECK(h.flags == 7);
  CHECK(h.phentsize == sizeof(Elf64_Phdr));
  CHECK(h.phnum == 9);
  CHECK(h.shnum == 30);
  CHECK(h.shstrndx == 29);
}
