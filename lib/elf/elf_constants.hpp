// The project's names for ELF constants (System V gABI, the GNU extensions, the psABI relocation types ferry
// uses), for every module outside lib/elf and lib/patch: those include no <elf.h>. Each is <elf.h>'s name, lower
// case, in a namespace per prefix: EM_X86_64 is elf::em::x86_64, DT_RELR is elf::dt::relr. Distinct names keep
// this header usable next to <elf.h> (whose macros would rewrite their own names) and next to LIEF's headers
// (which clash with <elf.h>). elf_constants.cpp checks every value against <elf.h>.
#pragma once

#include <cstdint>

namespace ferry::elf {

namespace em {  // e_machine
inline constexpr uint16_t none = 0, intel386 = 3, ppc = 20, ppc64 = 21, s390 = 22, arm = 40, x86_64 = 62,
                          aarch64 = 183, riscv = 243, loongarch = 258;
}  // namespace em
namespace et {  // e_type
inline constexpr uint16_t none = 0, rel = 1, exec = 2, dyn = 3, core = 4;
}  // namespace et
namespace pt {  // p_type
inline constexpr uint32_t null = 0, load = 1, dynamic = 2, interp = 3, note = 4, phdr = 6, tls = 7,
                          gnu_eh_frame = 0x6474e550, gnu_stack = 0x6474e551, gnu_relro = 0x6474e552,
                          gnu_property = 0x6474e553;
}  // namespace pt
namespace pf {  // p_flags
inline constexpr uint32_t x = 1, w = 2, r = 4;
}  // namespace pf
namespace sht {  // sh_type
inline constexpr uint32_t null = 0, progbits = 1, symtab = 2, strtab = 3, rela = 4, hash = 5, dynamic = 6, note = 7,
                          nobits = 8, rel = 9, dynsym = 11, relr = 19, gnu_hash = 0x6ffffff6,
                          gnu_verdef = 0x6ffffffd, gnu_verneed = 0x6ffffffe, gnu_versym = 0x6fffffff;
}  // namespace sht
namespace shf {  // sh_flags
inline constexpr uint64_t write = 1, alloc = 2, execinstr = 4;
}  // namespace shf
namespace shn {  // st_shndx
inline constexpr uint16_t undef = 0;
}  // namespace shn
namespace dt {  // d_tag (signed, as Elf64_Sxword)
inline constexpr int64_t null = 0, needed = 1, pltrelsz = 2, pltgot = 3, hash = 4, strtab = 5, symtab = 6, rela = 7,
                         relasz = 8, relaent = 9, strsz = 10, syment = 11, init = 12, fini = 13, soname = 14,
                         rpath = 15, rel = 17, relsz = 18, relent = 19, pltrel = 20, textrel = 22, jmprel = 23,
                         bind_now = 24, init_array = 25, fini_array = 26, init_arraysz = 27, fini_arraysz = 28,
                         runpath = 29, flags = 30, relrsz = 35, relr = 36, relrent = 37, gnu_hash = 0x6ffffef5,
                         versym = 0x6ffffff0, relacount = 0x6ffffff9, relcount = 0x6ffffffa, flags_1 = 0x6ffffffb,
                         verdef = 0x6ffffffc, verdefnum = 0x6ffffffd, verneed = 0x6ffffffe, verneednum = 0x6fffffff;
}  // namespace dt
namespace df {  // DT_FLAGS bits
inline constexpr uint64_t origin = 1, symbolic = 2, textrel = 4, bind_now = 8, static_tls = 0x10;
}  // namespace df
namespace df_1 {  // DT_FLAGS_1 bits
inline constexpr uint64_t now = 1, nodeflib = 0x800, pie = 0x8000000;
}  // namespace df_1
namespace stt {  // ELF64_ST_TYPE(st_info)
inline constexpr uint8_t notype = 0, object = 1, func = 2, section = 3, file = 4, tls = 6, gnu_ifunc = 10;
}  // namespace stt
namespace stb {  // ELF64_ST_BIND(st_info)
inline constexpr uint8_t local = 0, global = 1, weak = 2, gnu_unique = 10;
}  // namespace stb
namespace ver_flg {  // vna_flags and vd_flags
inline constexpr uint16_t base = 1, weak = 2;
}  // namespace ver_flg
namespace r_x86_64 {  // x86-64 psABI relocation types
inline constexpr uint32_t none = 0, copy = 5, glob_dat = 6, jump_slot = 7, relative = 8, irelative = 37;
}  // namespace r_x86_64
namespace r_386 {  // i386 psABI relocation types
inline constexpr uint32_t jmp_slot = 7, relative = 8, irelative = 42;
}  // namespace r_386
namespace r_aarch64 {  // AArch64 ELF ABI relocation types
inline constexpr uint32_t copy = 1024, glob_dat = 1025, jump_slot = 1026, relative = 1027, irelative = 1032;
}  // namespace r_aarch64

}  // namespace ferry::elf
