// __libc_start_main glue for x86_64 programs linked against glibc >= 2.34. Their _start passes init = NULL,
// and glibc >= 2.34 then runs the program's constructors itself; an older glibc runs them only through init.
// The glue (in the padding after the executable segment) is called instead of __libc_start_main: it passes an
// init function that runs DT_INIT and each DT_INIT_ARRAY entry (argc, argv, envp), then jumps to the real
// __libc_start_main through the program's own GOT slot. Both old and new glibc call a non-NULL init.

#include <cstring>

#include "elf/elf_constants.hpp"
#include "lower/lower_passes.hpp"

namespace ferry::lower {

namespace {

struct Code {
  std::vector<uint8_t> b;
  uint64_t base = 0;  // vaddr of b[0]
  void bytes(std::initializer_list<uint8_t> x) { b.insert(b.end(), x); }
  // A rip-relative 32-bit displacement to `target`, for an instruction ending `tail` bytes after it.
  void rel32(uint64_t target, int tail = 0) {
    int64_t d = int64_t(target) - int64_t(base + b.size() + 4 + tail);
    for (int i = 0; i < 4; ++i) b.push_back(uint8_t(uint64_t(d) >> (8 * i)));
  }
  uint64_t here() const { return base + b.size(); }
};

std::vector<uint8_t> start_glue(uint64_t base, uint64_t got, std::optional<uint64_t> init, uint64_t array,
                                uint64_t count) {
  Code c{{}, base};
  c.bytes({0x48, 0x8d, 0x0d});  // lea rcx, [rip + runner]
  uint64_t runner = base + 7 + 6;
  c.rel32(runner);
  c.bytes({0xff, 0x25});  // jmp [rip + got]
  c.rel32(got);
  c.bytes({0xf3, 0x0f, 0x1e, 0xfa});                    // runner: endbr64
  c.bytes({0x41, 0x57, 0x41, 0x56, 0x41, 0x55, 0x41, 0x54, 0x53});  // push r15, r14, r13, r12, rbx
  c.bytes({0x41, 0x89, 0xfc, 0x49, 0x89, 0xf5, 0x49, 0x89, 0xd6});  // mov r12d, edi; mov r13, rsi; mov r14, rdx
  if (init) {
    c.bytes({0x48, 0x8d, 0x05});  // lea rax, [rip + DT_INIT]
    c.rel32(*init);
    c.bytes({0xff, 0xd0});  // call rax
  }
  c.bytes({0x48, 0x8d, 0x1d});  // lea rbx, [rip + DT_INIT_ARRAY]
  c.rel32(array);
  c.bytes({0x41, 0xbf});  // mov r15d, count
  for (int i = 0; i < 4; ++i) c.b.push_back(uint8_t(count >> (8 * i)));
  // loop: test r15, r15; jz done; mov edi, r12d; mov rsi, r13; mov rdx, r14; call [rbx]; add rbx, 8; dec r15; jmp
  c.bytes({0x4d, 0x85, 0xff, 0x74, 0x14, 0x44, 0x89, 0xe7, 0x4c, 0x89, 0xee, 0x4c, 0x89, 0xf2, 0xff, 0x13,
           0x48, 0x83, 0xc3, 0x08, 0x49, 0xff, 0xcf, 0xeb, 0xe7});
  c.bytes({0x5b, 0x41, 0x5c, 0x41, 0x5d, 0x41, 0x5e, 0x41, 0x5f, 0xc3});  // done: pop rbx..r15; ret
  return c.b;
}

}  // namespace

void for_each_rela(const patch::ElfFile& f, const std::function<void(const RelaEntry&)>& fn) {
  if (!f.is64()) return;
  const uint64_t ent = 3 * f.c.word_size();
  for (auto [tab, size] : {std::pair{elf::dt::rela, elf::dt::relasz}, std::pair{elf::dt::jmprel, elf::dt::pltrelsz}}) {
    auto at = f.find_dyn(tab), len = f.find_dyn(size);
    if (!at || !len) continue;
    auto off = f.find_offset(*at, *len);
    if (!off) continue;
    for (uint64_t o = *off; o + ent <= *off + *len && o + ent <= f.bytes.size(); o += ent) {
      const uint8_t* r = f.bytes.data() + o;
      uint64_t info = f.c.read(r, f.c.r_info());
      fn({o, f.c.read(r, f.c.r_offset()), f.c.r_sym(info), uint32_t(f.c.r_type(info))});
    }
  }
}

std::vector<GotSlot> got_slots(const patch::ElfFile& f, uint64_t sym) {
  std::vector<GotSlot> slots;
  for_each_rela(f, [&](const RelaEntry& r) {
    if (r.sym == sym) slots.push_back({r.r_offset, r.file_offset, r.type});
  });
  return slots;
}

Result<std::vector<GlueSite>> call_glue_sites(
    const patch::ElfFile& f, const Plan& plan, uint32_t jump_slot, const std::string& plt_noun,
    const std::function<std::vector<std::pair<uint64_t, uint64_t>>(uint64_t slot)>& find_plt) {
  std::vector<GlueSite> sites;
  for (const auto& b : plan.bindings) {
    if (b.method != Method::glue || b.new_symbol.empty()) continue;
    auto sym = find_symbol(f, b.new_symbol);
    if (!sym) return f.error("glue for " + b.symbol + ": no symbol " + b.new_symbol, std::nullopt, ErrorCode::unsupported);
    for (const auto& s : got_slots(f, *sym)) {
      if (s.type != jump_slot)
        return f.error(b.symbol + " is used through a GOT entry other than a PLT " + plt_noun + " (its address is taken or "
                       "-fno-plt): ferry's glue only rewrites PLT " + plt_noun + "s", s.reloc_offset, ErrorCode::unsupported);
      auto plt = find_plt(s.vaddr);
      if (plt.empty())
        return f.error("glue for " + b.symbol + ": no PLT " + plt_noun + " goes through its GOT slot", s.reloc_offset,
                       ErrorCode::unsupported);
      sites.push_back({b.new_symbol, s.vaddr, std::move(plt)});
    }
  }
  return sites;
}

std::optional<uint64_t> find_symbol(const patch::ElfFile& f, const std::string& name) {
  for (uint64_t i = 0; i < f.dynsyms.size(); ++i)
    if (f.find_dynstr(f.dynsyms[i].name) == name) return i;
  return std::nullopt;
}

Status add_start_glue(const patch::ElfFile& f, std::vector<uint8_t>& out, std::vector<std::string>& steps) {
  if (f.e_machine == elf::em::aarch64 && f.is64()) return add_start_glue_aarch64(f, out, steps);
  if (f.e_machine == elf::em::intel386 && !f.is64()) return add_start_glue_i386(f, out, steps);
  if (f.e_machine != elf::em::x86_64 || !f.is64()) return f.error("__libc_start_main glue: x86_64, aarch64 and i386 only", std::nullopt, ErrorCode::unsupported);
  std::optional<uint64_t> got;
  if (auto sym = find_symbol(f, "__libc_start_main"))
    for (const auto& s : got_slots(f, *sym))
      if (s.type == elf::r_x86_64::glob_dat || s.type == elf::r_x86_64::jump_slot) got = s.vaddr;
  if (!got) return f.error("__libc_start_main has no GOT slot to call through", std::nullopt, ErrorCode::unsupported);
  uint64_t entry = f.c.read(f.bytes.data(), f.c.e_entry());
  auto eoff = f.find_offset(entry, 64);
  if (!eoff || *eoff + 64 > f.bytes.size())
    return f.error("the entry point is not in the file", std::nullopt, ErrorCode::unsupported);
  // _start's `call *__libc_start_main@GOTPCREL(%rip)` (ff 15 disp32) within its first 64 bytes.
  std::optional<uint64_t> call;
  for (uint64_t i = 0; i + 6 <= 64 && !call; ++i) {
    const uint8_t* p = f.bytes.data() + *eoff + i;
    int32_t d;
    std::memcpy(&d, p + 2, 4);
    if (p[0] == 0xff && p[1] == 0x15 && entry + i + 6 + int64_t(d) == *got) call = i;
  }
  if (!call) return f.error("_start does not call __libc_start_main through its GOT slot", *eoff, ErrorCode::unsupported);
  auto init = f.find_dyn(elf::dt::init);
  uint64_t array = f.find_dyn(elf::dt::init_array).value_or(0), count = f.find_dyn(elf::dt::init_arraysz).value_or(0) / 8;
  auto size = start_glue(0, 0, init, 0, 0).size();
  FERRY_TRY(room, reserve_after_segment(f, out, size, true));
  if (room.made_executable) steps.push_back("segment " + std::to_string(room.phdr) + " made executable for glue (no room after the code)");
  auto code = start_glue(room.vaddr, *got, init, array, count);
  std::copy(code.begin(), code.end(), out.begin() + room.offset);
  // addr32 call glue (67 e8 rel32): the same 6 bytes, the same return address.
  uint8_t* p = &out[*eoff + *call];
  int32_t rel = int32_t(int64_t(room.vaddr) - int64_t(entry + *call + 6));
  p[0] = 0x67, p[1] = 0xe8;
  std::memcpy(p + 2, &rel, 4);
  steps.push_back("glue: " + std::to_string(size) + " bytes after segment " + std::to_string(room.phdr) +
                  "; _start calls it; it runs DT_INIT and " + std::to_string(count) + " DT_INIT_ARRAY entries");
  return {};
}

}  // namespace ferry::lower
