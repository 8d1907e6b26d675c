// Checks every constant of elf_constants.hpp against <elf.h>, the system's copy of the gABI and psABI values.
#include "elf/elf_constants.hpp"

#include <elf.h>

namespace ferry::elf {

static_assert(em::none == EM_NONE && em::intel386 == EM_386 && em::ppc == EM_PPC);
static_assert(em::ppc64 == EM_PPC64 && em::s390 == EM_S390 && em::arm == EM_ARM);
static_assert(em::x86_64 == EM_X86_64 && em::aarch64 == EM_AARCH64 && em::riscv == EM_RISCV);
static_assert(em::loongarch == EM_LOONGARCH && et::none == ET_NONE && et::rel == ET_REL);
static_assert(et::exec == ET_EXEC && et::dyn == ET_DYN && et::core == ET_CORE);
static_assert(pt::null == PT_NULL && pt::load == PT_LOAD && pt::dynamic == PT_DYNAMIC);
static_assert(pt::interp == PT_INTERP && pt::note == PT_NOTE && pt::phdr == PT_PHDR);
static_assert(pt::tls == PT_TLS && pt::gnu_eh_frame == PT_GNU_EH_FRAME && pt::gnu_stack == PT_GNU_STACK);
static_assert(pt::gnu_relro == PT_GNU_RELRO && pt::gnu_property == PT_GNU_PROPERTY && pf::x == PF_X);
static_assert(pf::w == PF_W && pf::r == PF_R && sht::null == SHT_NULL);
static_assert(sht::progbits == SHT_PROGBITS && sht::symtab == SHT_SYMTAB && sht::strtab == SHT_STRTAB);
static_assert(sht::rela == SHT_RELA && sht::hash == SHT_HASH && sht::dynamic == SHT_DYNAMIC);
static_assert(sht::note == SHT_NOTE && sht::nobits == SHT_NOBITS && sht::rel == SHT_REL);
static_assert(sht::dynsym == SHT_DYNSYM && sht::relr == SHT_RELR && sht::gnu_hash == SHT_GNU_HASH);
static_assert(sht::gnu_verdef == SHT_GNU_verdef && sht::gnu_verneed == SHT_GNU_verneed && sht::gnu_versym == SHT_GNU_versym);
static_assert(shf::write == SHF_WRITE && shf::alloc == SHF_ALLOC && shf::execinstr == SHF_EXECINSTR);
static_assert(shn::undef == SHN_UNDEF && dt::null == DT_NULL && dt::needed == DT_NEEDED);
static_assert(dt::pltrelsz == DT_PLTRELSZ && dt::pltgot == DT_PLTGOT && dt::hash == DT_HASH);
static_assert(dt::strtab == DT_STRTAB && dt::symtab == DT_SYMTAB && dt::rela == DT_RELA);
static_assert(dt::relasz == DT_RELASZ && dt::relaent == DT_RELAENT && dt::strsz == DT_STRSZ);
static_assert(dt::syment == DT_SYMENT && dt::init == DT_INIT && dt::fini == DT_FINI);
static_assert(dt::soname == DT_SONAME && dt::rpath == DT_RPATH && dt::rel == DT_REL);
static_assert(dt::relsz == DT_RELSZ && dt::relent == DT_RELENT && dt::pltrel == DT_PLTREL);
static_assert(dt::textrel == DT_TEXTREL && dt::jmprel == DT_JMPREL && dt::bind_now == DT_BIND_NOW);
static_assert(dt::init_array == DT_INIT_ARRAY && dt::fini_array == DT_FINI_ARRAY && dt::init_arraysz == DT_INIT_ARRAYSZ);
static_assert(dt::fini_arraysz == DT_FINI_ARRAYSZ && dt::runpath == DT_RUNPATH && dt::flags == DT_FLAGS);
static_assert(dt::relrsz == DT_RELRSZ && dt::relr == DT_RELR && dt::relrent == DT_RELRENT);
static_assert(dt::gnu_hash == DT_GNU_HASH && dt::versym == DT_VERSYM && dt::relacount == DT_RELACOUNT);
static_assert(dt::relcount == DT_RELCOUNT && dt::flags_1 == DT_FLAGS_1 && dt::verdef == DT_VERDEF);
static_assert(dt::verdefnum == DT_VERDEFNUM && dt::verneed == DT_VERNEED && dt::verneednum == DT_VERNEEDNUM);
static_assert(df::origin == DF_ORIGIN && df::symbolic == DF_SYMBOLIC && df::textrel == DF_TEXTREL);
static_assert(df::bind_now == DF_BIND_NOW && df::static_tls == DF_STATIC_TLS && df_1::now == DF_1_NOW);
static_assert(df_1::nodeflib == DF_1_NODEFLIB && df_1::pie == DF_1_PIE && stt::notype == STT_NOTYPE);
static_assert(stt::object == STT_OBJECT && stt::func == STT_FUNC && stt::section == STT_SECTION);
static_assert(stt::file == STT_FILE && stt::tls == STT_TLS && stt::gnu_ifunc == STT_GNU_IFUNC);
static_assert(stb::local == STB_LOCAL && stb::global == STB_GLOBAL && stb::weak == STB_WEAK);
static_assert(stb::gnu_unique == STB_GNU_UNIQUE && ver_flg::base == VER_FLG_BASE && ver_flg::weak == VER_FLG_WEAK);
static_assert(r_x86_64::none == R_X86_64_NONE && r_x86_64::copy == R_X86_64_COPY && r_x86_64::glob_dat == R_X86_64_GLOB_DAT);
static_assert(r_x86_64::jump_slot == R_X86_64_JUMP_SLOT && r_x86_64::relative == R_X86_64_RELATIVE && r_x86_64::irelative == R_X86_64_IRELATIVE);
static_assert(r_386::jmp_slot == R_386_JMP_SLOT && r_386::relative == R_386_RELATIVE && r_386::irelative == R_386_IRELATIVE);
static_assert(r_aarch64::copy == R_AARCH64_COPY && r_aarch64::glob_dat == R_AARCH64_GLOB_DAT && r_aarch64::jump_slot == R_AARCH64_JUMP_SLOT);
static_assert(r_aarch64::relative == R_AARCH64_RELATIVE && r_aarch64::irelative == R_AARCH64_IRELATIVE);

}  // namespace ferry::elf
