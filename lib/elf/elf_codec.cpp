// Whole-record reads and writes for Codec (elf_codec.hpp), field by named field, and the object classification
// every reader shares. The field layouts are checked against <elf.h>'s structures at compile time.
#include "elf/elf_codec.hpp"

#include <elf.h>

#include <cstddef>

namespace ferry::elf {

namespace {

constexpr Codec k64{true, Endian::little}, k32{false, Endian::little};
constexpr bool at(Field f, size_t off, size_t size) { return f.at == off && f.size == size; }

}  // namespace

static_assert(sizeof(Elf64_Ehdr) == 64 && sizeof(Elf32_Ehdr) == 52 && sizeof(Elf64_Phdr) == 56 &&
              sizeof(Elf32_Phdr) == 32 && sizeof(Elf64_Shdr) == 64 && sizeof(Elf32_Shdr) == 40 &&
              sizeof(Elf64_Dyn) == 16 && sizeof(Elf32_Dyn) == 8 && sizeof(Elf64_Sym) == 24 && sizeof(Elf32_Sym) == 16);

FileHeader Codec::file_header(const uint8_t* p) const {
  FileHeader h;
  h.type = static_cast<uint16_t>(read(p, e_type()));
  h.machine = static_cast<uint16_t>(read(p, e_machine()));
  h.version = static_cast<uint32_t>(read(p, e_version()));
  h.entry = read(p, e_entry());
  h.phoff = read(p, e_phoff());
  h.shoff = read(p, e_shoff());
  h.flags = static_cast<uint32_t>(read(p, e_flags()));
  h.ehsize = static_cast<uint16_t>(read(p, e_ehsize()));
  h.phentsize = static_cast<uint16_t>(read(p, e_phentsize()));
  h.phnum = static_cast<uint16_t>(read(p, e_phnum()));
  h.shentsize = static_cast<uint16_t>(read(p, e_shentsize()));
  h.shnum = static_cast<uint16_t>(read(p, e_shnum()));
  h.shstrndx = static_cast<uint16_t>(read(p, e_shstrndx()));
  return h;
}

Segment Codec::phdr(const uint8_t* p) const {
  Segment s;
  s.type = static_cast<uint32_t>(read(p, p_type()));
  s.flags = static_cast<uint32_t>(read(p, p_flags()));
  s.offset = read(p, p_offset());
  s.vaddr = read(p, p_vaddr());
  s.paddr = read(p, p_paddr());
  s.filesz = read(p, p_filesz());
  s.memsz = read(p, p_memsz());
  s.align = read(p, p_align());
  return s;
}

void Codec::put_phdr(uint8_t* p, const Segment& s) const {
  write(p, p_type(), s.type);
  write(p, p_flags(), s.flags);
  write(p, p_offset(), s.offset);
  write(p, p_vaddr(), s.vaddr);
  write(p, p_paddr(), s.paddr);
  write(p, p_filesz(), s.filesz);
  write(p, p_memsz(), s.memsz);
  write(p, p_align(), s.align);
}

SectionHeader Codec::shdr(const uint8_t* p) const {
  SectionHeader s;
  s.name = static_cast<uint32_t>(read(p, sh_name()));
  s.type = static_cast<uint32_t>(read(p, sh_type()));
  s.flags = read(p, sh_flags());
  s.addr = read(p, sh_addr());
  s.offset = read(p, sh_offset());
  s.size = read(p, sh_size());
  s.link = static_cast<uint32_t>(read(p, sh_link()));
  s.info = static_cast<uint32_t>(read(p, sh_info()));
  s.addralign = read(p, sh_addralign());
  s.entsize = read(p, sh_entsize());
  return s;
}

void Codec::put_shdr(uint8_t* p, const SectionHeader& s) const {
  write(p, sh_name(), s.name);
  write(p, sh_type(), s.type);
  write(p, sh_flags(), s.flags);
  write(p, sh_addr(), s.addr);
  write(p, sh_offset(), s.offset);
  write(p, sh_size(), s.size);
  write(p, sh_link(), s.link);
  write(p, sh_info(), s.info);
  write(p, sh_addralign(), s.addralign);
  write(p, sh_entsize(), s.entsize);
}

DynEntry Codec::dyn(const uint8_t* p) const {
  uint64_t raw = read(p, d_tag());
  int64_t tag = is64 ? static_cast<int64_t>(raw) : static_cast<int64_t>(static_cast<int32_t>(raw));
  return {tag, read(p, d_val())};
}

void Codec::put_dyn(uint8_t* p, const DynEntry& d) const {
  write(p, d_tag(), static_cast<uint64_t>(d.tag));
  write(p, d_val(), d.val);
}

Kind classify(uint16_t e_type, uint64_t dt_flags_1, bool has_interpreter, bool has_soname) {
  switch (e_type) {
    case ET_REL: return Kind::relocatable;
    case ET_EXEC: return Kind::executable;
    case ET_CORE: return Kind::core;
    case ET_DYN: return (dt_flags_1 & DF_1_PIE) || (has_interpreter && !has_soname) ? Kind::pie : Kind::shared_object;
    default: return Kind::other;
  }
}

// The named fields are the offsets <elf.h> gives.
static_assert(at(k64.e_phoff(), offsetof(Elf64_Ehdr, e_phoff), 8) && at(k32.e_phoff(), offsetof(Elf32_Ehdr, e_phoff), 4));
static_assert(at(k64.e_shstrndx(), offsetof(Elf64_Ehdr, e_shstrndx), 2) &&
              at(k32.e_shstrndx(), offsetof(Elf32_Ehdr, e_shstrndx), 2));
static_assert(at(k64.e_phnum(), offsetof(Elf64_Ehdr, e_phnum), 2) && at(k32.e_phnum(), offsetof(Elf32_Ehdr, e_phnum), 2));
static_assert(at(k64.e_flags(), offsetof(Elf64_Ehdr, e_flags), 4) && at(k32.e_flags(), offsetof(Elf32_Ehdr, e_flags), 4));
static_assert(at(k64.p_flags(), offsetof(Elf64_Phdr, p_flags), 4) && at(k32.p_flags(), offsetof(Elf32_Phdr, p_flags), 4));
static_assert(at(k64.p_align(), offsetof(Elf64_Phdr, p_align), 8) && at(k32.p_align(), offsetof(Elf32_Phdr, p_align), 4));
static_assert(at(k64.p_memsz(), offsetof(Elf64_Phdr, p_memsz), 8) && at(k32.p_memsz(), offsetof(Elf32_Phdr, p_memsz), 4));
static_assert(at(k64.sh_entsize(), offsetof(Elf64_Shdr, sh_entsize), 8) &&
              at(k32.sh_entsize(), offsetof(Elf32_Shdr, sh_entsize), 4));
static_assert(at(k64.sh_link(), offsetof(Elf64_Shdr, sh_link), 4) && at(k32.sh_link(), offsetof(Elf32_Shdr, sh_link), 4));
static_assert(at(k64.st_shndx(), offsetof(Elf64_Sym, st_shndx), 2) && at(k32.st_shndx(), offsetof(Elf32_Sym, st_shndx), 2));
static_assert(at(k64.st_value(), offsetof(Elf64_Sym, st_value), 8) && at(k32.st_value(), offsetof(Elf32_Sym, st_value), 4));
static_assert(at(k64.st_size(), offsetof(Elf64_Sym, st_size), 8) && at(k32.st_size(), offsetof(Elf32_Sym, st_size), 4));
static_assert(at(k64.st_info(), offsetof(Elf64_Sym, st_info), 1) && at(k32.st_info(), offsetof(Elf32_Sym, st_info), 1));
static_assert(at(k64.r_info(), offsetof(Elf64_Rela, r_info), 8) && at(k32.r_addend(), offsetof(Elf32_Rela, r_addend), 4));

}  // namespace ferry::elf
