// Glue for calls and data glibc < 2.33 lacks (x86_64). stat(path, buf) became a real function in 2.33; before,
// it was __xstat(_STAT_VER, path, buf) with _STAT_VER = 1 on x86_64 (same struct stat). The symbol is renamed
// (lib/patch) so its GOT slot gets __xstat; the PLT's `jmp *slot` goes to glue that shifts the arguments right
// by one, puts 1 first and jumps through the same slot (lazy binding still resolves through it).

#include <cstring>
#include <map>

#include "elf/elf_constants.hpp"
#include "lower/lower_passes.hpp"

namespace ferry::lower {

namespace {

void put_rel32(std::vector<uint8_t>& c, uint64_t at_vaddr, uint64_t target) {
  int32_t d = int32_t(int64_t(target) - int64_t(at_vaddr + 4));
  for (int i = 0; i < 4; ++i) c.push_back(uint8_t(uint32_t(d) >> (8 * i)));
}

// The glue for one call, at `at`, reaching the real function through GOT slot `slot`. stat family: shift the
// arguments right by one, put _STAT_VER (1) first, tail-jump. mknod family: the device goes to the stack and
// is passed by pointer after _MKNOD_VER (0), so the glue calls and returns.
std::vector<uint8_t> glue_body(const std::string& to, uint64_t at, uint64_t slot) {
  std::vector<uint8_t> c;
  auto add = [&](std::initializer_list<uint8_t> x) {
    for (uint8_t b : x) c.push_back(b);  // (not insert: GCC 12 warns falsely about it)
  };
  if (to == "__xmknod") {
    add({0x52, 0x48, 0x89, 0xe1, 0x89, 0xf2, 0x48, 0x89, 0xfe, 0x31, 0xff});  // push rdx; rcx=rsp; edx=esi; rsi=rdi; edi=0
  } else if (to == "__xmknodat") {  // push rcx; r8=rsp; ecx=edx; rdx=rsi; esi=edi; edi=0
    add({0x51, 0x49, 0x89, 0xe0, 0x89, 0xd1, 0x48, 0x89, 0xf2, 0x89, 0xfe, 0x31, 0xff});
  } else {
    if (to.find("fxstatat") != std::string::npos) add({0x49, 0x89, 0xc8, 0x48, 0x89, 0xd1});  // r8=rcx; rcx=rdx
    add({0x48, 0x89, 0xf2, 0x48, 0x89, 0xfe, 0xbf, 0x01, 0x00, 0x00, 0x00});  // rdx=rsi; rsi=rdi; edi=1
    add({0xff, 0x25});  // jmp [rip + slot]
    put_rel32(c, at + c.size(), slot);
    return c;
  }
  add({0xff, 0x15});  // call [rip + slot]; add rsp, 8; ret
  put_rel32(c, at + c.size(), slot);
  add({0x48, 0x83, 0xc4, 0x08, 0xc3});
  return c;
}

// File offsets and vaddrs of `jmp *slot(%rip)` (ff 25) in the PLT sections.
std::vector<std::pair<uint64_t, uint64_t>> plt_jumps(const patch::ElfFile& f, uint64_t slot) {
  std::vector<std::pair<uint64_t, uint64_t>> sites;
  for (const auto& s : f.shdrs) {
    if (!(s.flags & elf::shf::execinstr) || s.type != elf::sht::progbits || !s.name_str.starts_with(".plt")) continue;
    for (uint64_t i = 0; i + 6 <= s.size && s.offset + s.size <= f.bytes.size(); ++i) {
      const uint8_t* p = f.bytes.data() + s.offset + i;
      int32_t d;
      std::memcpy(&d, p + 2, 4);
      if (p[0] == 0xff && p[1] == 0x25 && s.addr + i + 6 + int64_t(d) == slot) sites.push_back({s.offset + i, s.addr + i});
    }
  }
  return sites;
}

}  // namespace

Status add_call_glue(const patch::ElfFile& f, std::vector<uint8_t>& out, const Plan& plan, std::vector<std::string>& steps) {
  if (f.e_machine == elf::em::aarch64) return add_call_glue_aarch64(f, out, plan, steps);
  FERRY_TRY(sites, call_glue_sites(f, plan, elf::r_x86_64::jump_slot, "jump", [&](uint64_t slot) { return plt_jumps(f, slot); }));
  if (sites.empty()) return {};
  uint64_t size = 0;
  for (const auto& s : sites) size += glue_body(s.to, 0, 0).size();
  FERRY_TRY(room, reserve_after_segment(f, out, size, true));
  if (room.made_executable) steps.push_back("segment " + std::to_string(room.phdr) + " made executable for glue (no room after the code)");
  std::vector<uint8_t> code;
  for (const auto& s : sites) {
    uint64_t entry = room.vaddr + code.size();
    auto body = glue_body(s.to, entry, s.slot);
    for (uint8_t b : body) code.push_back(b);
    for (auto [off, vaddr] : s.plt) {  // jmp rel32 to the glue, nop: the same 6 bytes
      std::vector<uint8_t> j{0xe9};
      put_rel32(j, vaddr + 1, entry);
      j.push_back(0x90);
      std::copy(j.begin(), j.end(), out.begin() + off);
    }
    steps.push_back("glue: PLT jump of " + s.to + " goes through ferry's code (version argument inserted)");
  }
  std::copy(code.begin(), code.end(), out.begin() + room.offset);
  return {};
}

Status add_data_glue(const patch::ElfFile& f, std::vector<uint8_t>& out, const Plan& plan, std::vector<std::string>& steps) {
  (void)plan;
  auto sym = find_symbol(f, "__libc_single_threaded");
  if (!sym) return {};
  auto slots = got_slots(f, *sym);
  // The same relocations by another number on aarch64 (both use 24-byte RELA entries).
  const bool a64 = f.e_machine == elf::em::aarch64;
  const uint32_t copy = a64 ? elf::r_aarch64::copy : elf::r_x86_64::copy, glob_dat = a64 ? elf::r_aarch64::glob_dat : elf::r_x86_64::glob_dat,
                 relative = a64 ? elf::r_aarch64::relative : elf::r_x86_64::relative;
  // A copy relocation (a program's own copy of the variable) is dropped: the copy keeps its zero.
  for (const auto& s : slots)
    if (s.type == copy) f.c.write(&out[s.reloc_offset], f.c.r_info(), f.c.r_info_of(*sym, elf::r_x86_64::none));
  std::erase_if(slots, [&](const GotSlot& s) { return s.type == copy; });
  if (slots.empty()) {
    steps.push_back("glue: __libc_single_threaded's copy relocation dropped (the program's copy stays 0)");
    return {};
  }
  FERRY_TRY(room, reserve_after_segment(f, out, 16, false));  // zeros: "not single-threaded"
  for (const auto& s : slots) {
    if (s.type != glob_dat)
      return f.error("__libc_single_threaded is relocated by type " + std::to_string(s.type) +
                     " (a copy relocation?): only a GOT entry can be pointed at ferry's definition",
                     s.reloc_offset, ErrorCode::unsupported);
    f.c.write(&out[s.reloc_offset], f.c.r_info(), f.c.r_info_of(0, relative));
    f.c.write(&out[s.reloc_offset], f.c.r_addend(), room.vaddr);
  }
  steps.push_back("glue: __libc_single_threaded's GOT entry points at a zero byte ferry added");
  return {};
}

}  // namespace ferry::lower
