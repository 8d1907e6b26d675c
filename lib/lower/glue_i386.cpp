// __libc_start_main glue for i386 programs linked against glibc >= 2.34 (the x86_64 version and the reason are
// in glue.cpp): _start's `call __libc_start_main@plt` goes to ferry's code instead, which stores the address of
// an init function of ours in the `init` argument on the stack (0 since 2.34) and jumps to the same PLT entry.
// The init function runs DT_INIT and each DT_INIT_ARRAY entry with (argc, argv, envp), cdecl, the stack 16-byte
// aligned at each call as the i386 psABI wants, as glibc's old __libc_csu_init did.

#include <cstring>

#include "elf/elf_constants.hpp"
#include "lower/lower_passes.hpp"

namespace ferry::lower {

namespace {

void put32(std::vector<uint8_t>& c, uint32_t v) {
  for (int i = 0; i < 4; ++i) c.push_back(uint8_t(v >> (8 * i)));
}

// The glue at `base`, entering `plt`. The runner finds itself with call/pop (i386 has no pc-relative lea).
std::vector<uint8_t> start_glue(uint32_t base, uint32_t plt, std::optional<uint32_t> init, uint32_t array, uint32_t count) {
  std::vector<uint8_t> c;
  auto add = [&](std::initializer_list<uint8_t> x) {
    for (uint8_t b : x) c.push_back(b);
  };
  add({0xe8, 0, 0, 0, 0, 0x58});  // call 1f; 1: pop eax
  uint32_t here = base + 5;
  add({0x8d, 0x80});  // lea eax, [eax + runner - 1b]
  size_t runner_disp = c.size();
  put32(c, 0);
  add({0x89, 0x44, 0x24, 0x10});  // mov [esp + 16], eax: the `init` argument
  add({0xe9});                    // jmp plt
  put32(c, plt - (base + uint32_t(c.size()) + 4));
  uint32_t runner = base + uint32_t(c.size());
  uint32_t rd = runner - here;
  std::memcpy(&c[runner_disp], &rd, 4);
  add({0x55, 0x53, 0x56, 0x57});  // runner: push ebp, ebx, esi, edi
  add({0xe8, 0, 0, 0, 0, 0x5b});  // call 2f; 2: pop ebx
  uint32_t two = base + uint32_t(c.size()) - 1;
  if (init) {
    add({0x8d, 0x83});  // lea eax, [ebx + DT_INIT - 2b]
    put32(c, *init - two);
    add({0x83, 0xec, 0x0c, 0xff, 0xd0, 0x83, 0xc4, 0x0c});  // sub esp, 12; call eax; add esp, 12
  }
  add({0x8d, 0xb3});  // lea esi, [ebx + DT_INIT_ARRAY - 2b]
  put32(c, array - two);
  add({0xbf});  // mov edi, count
  put32(c, count);
  // loop: test edi, edi; jz done; push envp; push argv; push argc; call [esi]; add esp, 12; add esi, 4; dec edi; jmp loop
  add({0x85, 0xff, 0x74, 0x17, 0xff, 0x74, 0x24, 0x1c, 0xff, 0x74, 0x24, 0x1c, 0xff, 0x74, 0x24, 0x1c, 0xff, 0x16,
       0x83, 0xc4, 0x0c, 0x83, 0xc6, 0x04, 0x4f, 0xeb, 0xe5});
  add({0x5f, 0x5e, 0x5b, 0x5d, 0xc3});  // done: pop edi, esi, ebx, ebp; ret
  return c;
}

// __libc_start_main's GOT slot: its R_386_JMP_SLOT in DT_JMPREL (REL entries, 8 bytes).
std::optional<uint32_t> jump_slot(const patch::ElfFile& f, uint64_t sym) {
  auto at = f.find_dyn(elf::dt::jmprel), len = f.find_dyn(elf::dt::pltrelsz);
  if (!at || !len) return std::nullopt;
  auto off = f.find_offset(*at, *len);
  if (!off) return std::nullopt;
  const uint64_t ent = 2 * f.c.word_size();  // Elf32_Rel: r_offset, r_info
  for (uint64_t o = *off; o + ent <= *off + *len && o + ent <= f.bytes.size(); o += ent) {
    const uint8_t* r = f.bytes.data() + o;
    uint64_t info = f.c.read(r, f.c.r_info());
    if (f.c.r_sym(info) == sym && f.c.r_type(info) == elf::r_386::jmp_slot) return uint32_t(f.c.read(r, f.c.r_offset()));
  }
  return std::nullopt;
}

}  // namespace

Status add_start_glue_i386(const patch::ElfFile& f, std::vector<uint8_t>& out, std::vector<std::string>& steps) {
  auto sym = find_symbol(f, "__libc_start_main");
  auto got = sym ? jump_slot(f, *sym) : std::nullopt;
  if (!got) return f.error("__libc_start_main has no PLT slot to call through", std::nullopt, ErrorCode::unsupported);
  uint32_t gotplt = uint32_t(f.find_dyn(elf::dt::pltgot).value_or(0));  // what %ebx holds in a PIC PLT entry
  uint32_t entry = uint32_t(f.c.read(f.bytes.data(), f.c.e_entry()));
  auto eoff = f.find_offset(entry, 64);
  if (!eoff || *eoff + 64 > f.bytes.size())
    return f.error("the entry point is not in the file", std::nullopt, ErrorCode::unsupported);
  // _start's `call __libc_start_main@plt` (e8 rel32) within its first 64 bytes; the PLT entry is
  // `jmp *slot` (ff 25 abs32) or, in a PIE, `jmp *slot-GOT(%ebx)` (ff a3 disp32).
  std::optional<uint32_t> call, plt;
  for (uint32_t i = 0; i + 5 <= 64 && !call; ++i) {
    const uint8_t* p = f.bytes.data() + *eoff + i;
    if (p[0] != 0xe8) continue;
    int32_t d;
    std::memcpy(&d, p + 1, 4);
    uint32_t target = entry + i + 5 + uint32_t(d);
    auto toff = f.find_offset(target, 6);
    if (!toff || *toff + 6 > f.bytes.size()) continue;
    const uint8_t* q = f.bytes.data() + *toff;
    uint32_t v;
    std::memcpy(&v, q + 2, 4);
    if (q[0] == 0xff && ((q[1] == 0x25 && v == *got) || (q[1] == 0xa3 && gotplt + v == *got))) call = i, plt = target;
  }
  if (!call) return f.error("_start does not call __libc_start_main through its PLT entry", *eoff, ErrorCode::unsupported);
  auto init = f.find_dyn(elf::dt::init);
  std::optional<uint32_t> init32;
  if (init) init32 = uint32_t(*init);
  uint32_t array = uint32_t(f.find_dyn(elf::dt::init_array).value_or(0)), count = uint32_t(f.find_dyn(elf::dt::init_arraysz).value_or(0) / 4);
  auto size = start_glue(0, 0, init32, 0, 0).size();
  FERRY_TRY(room, reserve_after_segment(f, out, size, true));
  if (room.made_executable) steps.push_back("segment " + std::to_string(room.phdr) + " made executable for glue (no room after the code)");
  auto code = start_glue(uint32_t(room.vaddr), *plt, init32, array, count);
  std::copy(code.begin(), code.end(), out.begin() + room.offset);
  int32_t rel = int32_t(uint32_t(room.vaddr) - (entry + *call + 5));  // call glue: the same 5 bytes
  std::memcpy(&out[*eoff + *call + 1], &rel, 4);
  steps.push_back("glue: " + std::to_string(size) + " bytes after segment " + std::to_string(room.phdr) +
                  "; _start calls it; it runs DT_INIT and " + std::to_string(count) + " DT_INIT_ARRAY entries");
  return {};
}

}  // namespace ferry::lower
