// The one place ferry turns ELF bytes into numbers and back: a Codec fixes a file's class and byte order once,
// names every field of the gABI's fixed-layout records (ELF header, program header, section header, dynamic
// entry, symbol, relocation) by its offset and width for that class, and reads and writes whole records. The
// full reader, the header-only reader (read_headers.hpp) and the writer's view (lib/patch) all decode through it.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

#include "elf/elf_ident.hpp"
#include "elf/elf_info.hpp"
#include "support/bytes.hpp"

namespace ferry::elf {

// A field of a record: its byte offset from the record's start and its width in bytes.
struct Field {
  uint8_t at = 0;
  uint8_t size = 0;
};

// The ELF header after e_ident, as written.
struct FileHeader {
  uint16_t type = 0, machine = 0;
  uint32_t version = 0;
  uint64_t entry = 0, phoff = 0, shoff = 0;
  uint32_t flags = 0;
  uint16_t ehsize = 0, phentsize = 0, phnum = 0, shentsize = 0, shnum = 0, shstrndx = 0;
};

struct SectionHeader {
  uint32_t name = 0, type = 0;
  uint64_t flags = 0, addr = 0, offset = 0, size = 0;
  uint32_t link = 0, info = 0;
  uint64_t addralign = 0, entsize = 0;
};

struct DynEntry {
  int64_t tag = 0;  // signed: a 32-bit d_tag is sign-extended, as gelf_getdyn does
  uint64_t val = 0;
};

struct Codec {
  bool is64 = true;
  Endian endian = Endian::little;

  static Codec of(const Ident& id) { return Codec{id.bits == 64, id.endian}; }
  int bits() const { return is64 ? 64 : 32; }

  uint64_t word_size() const { return is64 ? 8 : 4; }
  uint64_t ehdr_size() const { return is64 ? 64 : 52; }
  uint64_t phent() const { return is64 ? 56 : 32; }
  uint64_t shent() const { return is64 ? 64 : 40; }
  uint64_t dynent() const { return is64 ? 16 : 8; }
  uint64_t syment() const { return is64 ? 24 : 16; }

  // An unsigned integer of n bytes (1..8) at p, in the file's byte order. The widths of ELF fields (1, 2, 4,
  // 8) are one load each, swapped when the file's order is not the host's: readers call this per symbol.
  uint64_t get(const uint8_t* p, int n) const {
    switch (n) {
      case 1: return p[0];
      case 2: return ordered(load<uint16_t>(p));
      case 4: return ordered(load<uint32_t>(p));
      case 8: return ordered(load<uint64_t>(p));
      default: break;
    }
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[endian == Endian::little ? i : n - 1 - i]) << (8 * i);
    return v;
  }
  void put(uint8_t* p, int n, uint64_t v) const {
    switch (n) {
      case 1: p[0] = static_cast<uint8_t>(v); return;
      case 2: return store(p, ordered(static_cast<uint16_t>(v)));
      case 4: return store(p, ordered(static_cast<uint32_t>(v)));
      case 8: return store(p, ordered(v));
      default: break;
    }
    for (int i = 0; i < n; ++i) p[endian == Endian::little ? i : n - 1 - i] = static_cast<uint8_t>(v >> (8 * i));
  }
  uint64_t read(const uint8_t* record, Field f) const { return get(record + f.at, f.size); }
  void write(uint8_t* record, Field f, uint64_t v) const { put(record + f.at, f.size, v); }

  // ELF header (gABI "ELF Header").
  constexpr Field e_type() const { return {16, 2}; }
  constexpr Field e_machine() const { return {18, 2}; }
  constexpr Field e_version() const { return {20, 4}; }
  constexpr Field e_entry() const { return {24, w()}; }
  constexpr Field e_phoff() const { return {uint8_t(is64 ? 32 : 28), w()}; }
  constexpr Field e_shoff() const { return {uint8_t(is64 ? 40 : 32), w()}; }
  constexpr Field e_flags() const { return {uint8_t(is64 ? 48 : 36), 4}; }
  constexpr Field e_ehsize() const { return {uint8_t(is64 ? 52 : 40), 2}; }
  constexpr Field e_phentsize() const { return {uint8_t(is64 ? 54 : 42), 2}; }
  constexpr Field e_phnum() const { return {uint8_t(is64 ? 56 : 44), 2}; }
  constexpr Field e_shentsize() const { return {uint8_t(is64 ? 58 : 46), 2}; }
  constexpr Field e_shnum() const { return {uint8_t(is64 ? 60 : 48), 2}; }
  constexpr Field e_shstrndx() const { return {uint8_t(is64 ? 62 : 50), 2}; }

  // Program header: the 64-bit layout moves p_flags up next to p_type.
  constexpr Field p_type() const { return {0, 4}; }
  constexpr Field p_flags() const { return {uint8_t(is64 ? 4 : 24), 4}; }
  constexpr Field p_offset() const { return {uint8_t(is64 ? 8 : 4), w()}; }
  constexpr Field p_vaddr() const { return {uint8_t(is64 ? 16 : 8), w()}; }
  constexpr Field p_paddr() const { return {uint8_t(is64 ? 24 : 12), w()}; }
  constexpr Field p_filesz() const { return {uint8_t(is64 ? 32 : 16), w()}; }
  constexpr Field p_memsz() const { return {uint8_t(is64 ? 40 : 20), w()}; }
  constexpr Field p_align() const { return {uint8_t(is64 ? 48 : 28), w()}; }

  // Section header.
  constexpr Field sh_name() const { return {0, 4}; }
  constexpr Field sh_type() const { return {4, 4}; }
  constexpr Field sh_flags() const { return {8, w()}; }
  constexpr Field sh_addr() const { return {uint8_t(is64 ? 16 : 12), w()}; }
  constexpr Field sh_offset() const { return {uint8_t(is64 ? 24 : 16), w()}; }
  constexpr Field sh_size() const { return {uint8_t(is64 ? 32 : 20), w()}; }
  constexpr Field sh_link() const { return {uint8_t(is64 ? 40 : 24), 4}; }
  constexpr Field sh_info() const { return {uint8_t(is64 ? 44 : 28), 4}; }
  constexpr Field sh_addralign() const { return {uint8_t(is64 ? 48 : 32), w()}; }
  constexpr Field sh_entsize() const { return {uint8_t(is64 ? 56 : 36), w()}; }

  // Dynamic entry.
  constexpr Field d_tag() const { return {0, w()}; }
  constexpr Field d_val() const { return {w(), w()}; }

  // Symbol: the 64-bit layout puts st_info, st_other and st_shndx before st_value.
  constexpr Field st_name() const { return {0, 4}; }
  constexpr Field st_value() const { return {uint8_t(is64 ? 8 : 4), w()}; }
  constexpr Field st_size() const { return {uint8_t(is64 ? 16 : 8), w()}; }
  constexpr Field st_info() const { return {uint8_t(is64 ? 4 : 12), 1}; }
  constexpr Field st_other() const { return {uint8_t(is64 ? 5 : 13), 1}; }
  constexpr Field st_shndx() const { return {uint8_t(is64 ? 6 : 14), 2}; }

  // Relocation (Rel and Rela share r_offset and r_info; r_sym/r_type split r_info by class).
  constexpr Field r_offset() const { return {0, w()}; }
  constexpr Field r_info() const { return {w(), w()}; }
  constexpr Field r_addend() const { return {uint8_t(2 * w()), w()}; }
  uint64_t r_sym(uint64_t info) const { return is64 ? info >> 32 : info >> 8; }
  uint64_t r_type(uint64_t info) const { return is64 ? info & 0xffffffffu : info & 0xffu; }
  uint64_t r_info_of(uint64_t sym, uint64_t type) const { return is64 ? (sym << 32) | type : (sym << 8) | type; }

  // Whole records. Each pointer must have the record's size available (the caller has range-checked it).
  FileHeader file_header(const uint8_t* p) const;
  Segment phdr(const uint8_t* p) const;
  void put_phdr(uint8_t* p, const Segment& s) const;
  SectionHeader shdr(const uint8_t* p) const;
  void put_shdr(uint8_t* p, const SectionHeader& s) const;
  DynEntry dyn(const uint8_t* p) const;
  void put_dyn(uint8_t* p, const DynEntry& d) const;

private:
  constexpr uint8_t w() const { return is64 ? 8 : 4; }
  template <class T>
  static T load(const uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  template <class T>
  static void store(uint8_t* p, T v) {
    std::memcpy(p, &v, sizeof v);
  }
  template <class T>
  T ordered(T v) const {
    if ((endian == Endian::little) == (std::endian::native == std::endian::little)) return v;
    if constexpr (sizeof(T) == 2) return __builtin_bswap16(v);
    else if constexpr (sizeof(T) == 4) return __builtin_bswap32(v);
    else return __builtin_bswap64(v);
  }
};

// What kind of object an ELF file is, from e_type and (for ET_DYN) its dynamic flags, PT_INTERP and DT_SONAME:
// DF_1_PIE is set by modern linkers; older PIEs are recognised by an interpreter without a SONAME (libc.so.6 has
// PT_INTERP too, but also a SONAME).
Kind classify(uint16_t e_type, uint64_t dt_flags_1, bool has_interpreter, bool has_soname);

}  // namespace ferry::elf
