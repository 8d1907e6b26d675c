// Glue for aarch64 (glue.cpp and glue_calls.cpp have the x86_64 versions and the reasons). __libc_start_main,
// for programs linked against glibc >= 2.34: _start's `bl __libc_start_main@plt` goes to ferry's code instead,
// which puts an init function of ours in x3 (the old `init` argument, 0 since 2.34) and branches to the same
// PLT stub. The init function runs
// DT_INIT and each DT_INIT_ARRAY entry with (argc, argv, envp), as glibc's old __libc_csu_init did. The stat
// and mknod families (2.33): the PLT stub branches to glue that inserts the version argument (0 on aarch64).

#include "elf/elf_constants.hpp"
#include "lower/lower_passes.hpp"

namespace ferry::lower {

namespace {

// Appends instructions (a loop, not vector::insert: GCC 12 warns falsely about that).
void put(std::vector<uint32_t>& c, std::initializer_list<uint32_t> x) {
  for (uint32_t w : x) c.push_back(w);
}
uint32_t adr(int rd, int64_t delta) {  // adr xd, pc + delta (+-1 MiB)
  uint32_t imm = uint32_t(delta) & 0x1fffff;
  return 0x10000000u | ((imm & 3) << 29) | ((imm >> 2) << 5) | uint32_t(rd);
}
uint32_t adrp(int rd, uint64_t pc, uint64_t target) {  // adrp xd, page of target
  uint32_t imm = uint32_t((int64_t(target >> 12) - int64_t(pc >> 12))) & 0x1fffff;
  return 0x90000000u | ((imm & 3) << 29) | ((imm >> 2) << 5) | uint32_t(rd);
}
uint32_t add_lo12(int rd, uint64_t target) { return 0x91000000u | uint32_t((target & 0xfff) << 10) | uint32_t(rd << 5) | uint32_t(rd); }
uint32_t branch(uint32_t op, uint64_t pc, uint64_t target) {  // b / bl (+-128 MiB)
  return op | (uint32_t((int64_t(target) - int64_t(pc)) >> 2) & 0x3ffffff);
}

// The glue at `base`: adr x3, runner; b plt; then the runner.
std::vector<uint32_t> start_glue(uint64_t base, uint64_t plt, std::optional<uint64_t> init, uint64_t array, uint64_t count) {
  std::vector<uint32_t> c;
  auto pc = [&] { return base + 4 * c.size(); };
  c.push_back(adr(3, 8));
  c.push_back(branch(0x14000000u, pc(), plt));
  put(c, {0xd503245fu,    // runner: bti c (a no-op without BTI)
                     0xa9bc7bfdu,    // stp x29, x30, [sp, #-64]!
                     0x910003fdu,    // mov x29, sp
                     0xa90153f3u,    // stp x19, x20, [sp, #16]
                     0xa9025bf5u,    // stp x21, x22, [sp, #32]
                     0xa90363f7u,    // stp x23, x24, [sp, #48]
                     0x2a0003f3u,    // mov w19, w0
                     0xaa0103f4u,    // mov x20, x1
                     0xaa0203f5u});  // mov x21, x2
  if (init) {
    c.push_back(adrp(16, pc(), *init));
    c.push_back(add_lo12(16, *init));
    c.push_back(0xd63f0200u);  // blr x16
  }
  c.push_back(adrp(22, pc(), array));
  c.push_back(add_lo12(22, array));
  c.push_back(0xd2800017u | uint32_t((count & 0xffff) << 5));  // mov x23, #count
  uint64_t loop = pc();
  c.push_back(0xb4000000u | (9u << 5) | 23u);  // cbz x23, done (9 instructions on)
  put(c, {0xf84086d0u,    // ldr x16, [x22], #8
                     0x2a1303e0u,    // mov w0, w19
                     0xaa1403e1u,    // mov x1, x20
                     0xaa1503e2u,    // mov x2, x21
                     0xd63f0200u,    // blr x16
                     0xd10006f7u});  // sub x23, x23, #1
  c.push_back(branch(0x14000000u, pc(), loop));
  c.push_back(0xd503201fu);  // nop (keeps `done` 9 instructions after the cbz)
  put(c, {0xa94153f3u,    // done: ldp x19, x20, [sp, #16]
                     0xa9425bf5u,    // ldp x21, x22, [sp, #32]
                     0xa94363f7u,    // ldp x23, x24, [sp, #48]
                     0xa8c47bfdu,    // ldp x29, x30, [sp], #64
                     0xd65f03c0u});  // ret
  return c;
}

uint32_t word(const patch::ElfFile& f, uint64_t off) { return uint32_t(f.c.get(f.bytes.data() + off, 4)); }

// The GOT slot a PLT stub at file offset `off` (vaddr `pc`) jumps through: adrp x16; ldr x17, [x16, #lo]; ...
std::optional<uint64_t> plt_slot(const patch::ElfFile& f, uint64_t off, uint64_t pc) {
  if (off + 8 > f.bytes.size()) return std::nullopt;
  uint32_t a = word(f, off), l = word(f, off + 4);
  if ((a & 0x9f00001f) != 0x90000010 || (l & 0xffc003ff) != 0xf9400211) return std::nullopt;
  int64_t imm = int64_t(((a >> 29) & 3) | (((a >> 5) & 0x7ffff) << 2));
  if (imm & (1 << 20)) imm -= (1 << 21);
  return (pc & ~uint64_t(0xfff)) + uint64_t(imm << 12) + ((l >> 10) & 0xfff) * 8;
}

// Loads `slot` into x17 (and its address into x16, as the PLT stub does: lazy binding reads x16), then `last`.
void through_slot(std::vector<uint32_t>& c, uint64_t base, uint64_t slot, uint32_t last) {
  c.push_back(adrp(16, base + 4 * c.size(), slot));
  c.push_back(0xf9400211u | uint32_t(((slot & 0xfff) / 8) << 10));  // ldr x17, [x16, #lo12]
  c.push_back(add_lo12(16, slot));
  c.push_back(last);
}

// The glue for one call (docs/lowering.md): stat family: arguments shifted up one register, 0 (_STAT_VER) first,
// tail call; mknod family: the device stored on the stack and passed by pointer after 0 (_MKNOD_VER).
std::vector<uint32_t> call_glue(const std::string& to, uint64_t base, uint64_t slot) {
  std::vector<uint32_t> c;
  if (to == "__xmknod" || to == "__xmknodat") {
    bool at = to == "__xmknodat";
    put(c, {0xa9be7bfdu, 0x910003fdu});  // stp x29, x30, [sp, #-32]!; mov x29, sp
    if (at)  // str x3, [sp, #16]; add x4, sp, #16; mov w3, w2; mov x2, x1; mov w1, w0
      put(c, {0xf9000be3u, 0x910043e4u, 0x2a0203e3u, 0xaa0103e2u, 0x2a0003e1u});
    else  // str x2, [sp, #16]; add x3, sp, #16; mov w2, w1; mov x1, x0
      put(c, {0xf9000be2u, 0x910043e3u, 0x2a0103e2u, 0xaa0003e1u});
    c.push_back(0x52800000u);  // mov w0, #0
    through_slot(c, base, slot, 0xd63f0220u);  // blr x17
    put(c, {0xa8c27bfdu, 0xd65f03c0u});  // ldp x29, x30, [sp], #32; ret
    return c;
  }
  if (to.find("fxstatat") != std::string::npos) put(c, {0xaa0303e4u, 0xaa0203e3u});  // mov x4, x3; mov x3, x2
  put(c, {0xaa0103e2u, 0xaa0003e1u, 0x52800000u});  // mov x2, x1; mov x1, x0; mov w0, #0
  through_slot(c, base, slot, 0xd61f0220u);  // br x17
  return c;
}

// File offsets (and vaddrs) of the PLT stubs that jump through `slot`.
std::vector<std::pair<uint64_t, uint64_t>> plt_stubs(const patch::ElfFile& f, uint64_t slot) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (const auto& s : f.shdrs) {
    if (!(s.flags & elf::shf::execinstr) || s.type != elf::sht::progbits || !s.name_str.starts_with(".plt")) continue;
    if (s.offset + s.size > f.bytes.size()) continue;
    for (uint64_t i = 0; i + 16 <= s.size; i += 4)
      if (plt_slot(f, s.offset + i, s.addr + i) == slot) out.push_back({s.offset + i, s.addr + i});
  }
  return out;
}

}  // namespace

Status add_call_glue_aarch64(const patch::ElfFile& f, std::vector<uint8_t>& out, const Plan& plan, std::vector<std::string>& steps) {
  FERRY_TRY(sites, call_glue_sites(f, plan, elf::r_aarch64::jump_slot, "stub", [&](uint64_t slot) { return plt_stubs(f, slot); }));
  if (sites.empty()) return {};
  uint64_t size = 0;
  for (const auto& s : sites) size += 4 * call_glue(s.to, 0, 0).size();
  FERRY_TRY(room, reserve_after_segment(f, out, size, true));
  if (room.made_executable) steps.push_back("segment " + std::to_string(room.phdr) + " made executable for glue (no room after the code)");
  uint64_t at = room.vaddr, off = room.offset;
  for (const auto& s : sites) {
    auto code = call_glue(s.to, at, s.slot);
    for (size_t k = 0; k < code.size(); ++k) f.c.put(&out[off + 4 * k], 4, code[k]);
    for (auto [stub_off, stub_vaddr] : s.plt) f.c.put(&out[stub_off], 4, branch(0x14000000u, stub_vaddr, at));  // b glue
    at += 4 * code.size(), off += 4 * code.size();
    steps.push_back("glue: PLT stub of " + s.to + " goes through ferry's code (version argument inserted)");
  }
  return {};
}

Status add_start_glue_aarch64(const patch::ElfFile& f, std::vector<uint8_t>& out, std::vector<std::string>& steps) {
  std::optional<uint64_t> got;
  if (auto sym = find_symbol(f, "__libc_start_main"))
    for (const auto& s : got_slots(f, *sym))
      if (s.type == elf::r_aarch64::jump_slot) got = s.vaddr;
  if (!got) return f.error("__libc_start_main has no PLT slot to call through", std::nullopt, ErrorCode::unsupported);
  uint64_t entry = f.c.read(f.bytes.data(), f.c.e_entry());
  auto eoff = f.find_offset(entry, 64);
  if (!eoff || *eoff + 64 > f.bytes.size())
    return f.error("the entry point is not in the file", std::nullopt, ErrorCode::unsupported);
  // _start's `bl __libc_start_main@plt` within its first 16 instructions.
  std::optional<uint64_t> call, plt;
  for (uint64_t i = 0; i < 64 && !call; i += 4) {
    uint32_t w = word(f, *eoff + i);
    if ((w & 0xfc000000) != 0x94000000) continue;
    int64_t d = int64_t(w & 0x3ffffff);
    if (d & (1 << 25)) d -= (1 << 26);
    uint64_t target = entry + i + uint64_t(d * 4);
    auto toff = f.find_offset(target, 16);
    if (toff && plt_slot(f, *toff, target) == got) call = i, plt = target;
  }
  if (!call) return f.error("_start does not call __libc_start_main through its PLT stub", *eoff, ErrorCode::unsupported);
  auto init = f.find_dyn(elf::dt::init);
  uint64_t array = f.find_dyn(elf::dt::init_array).value_or(0), count = f.find_dyn(elf::dt::init_arraysz).value_or(0) / 8;
  if (count > 0xffff) return f.error("DT_INIT_ARRAY has more than 65535 entries", std::nullopt, ErrorCode::unsupported);
  uint64_t size = 4 * start_glue(0, 0, init, 0, 0).size();
  FERRY_TRY(room, reserve_after_segment(f, out, size, true));
  if (room.made_executable) steps.push_back("segment " + std::to_string(room.phdr) + " made executable for glue (no room after the code)");
  auto code = start_glue(room.vaddr, *plt, init, array, count);
  for (size_t k = 0; k < code.size(); ++k) f.c.put(&out[room.offset + 4 * k], 4, code[k]);
  f.c.put(&out[*eoff + *call], 4, branch(0x94000000u, entry + *call, room.vaddr));  // bl glue
  steps.push_back("glue: " + std::to_string(size) + " bytes after segment " + std::to_string(room.phdr) +
                  "; _start calls it; it runs DT_INIT and " + std::to_string(count) + " DT_INIT_ARRAY entries");
  return {};
}

}  // namespace ferry::lower
