// `ferry lower`'s passes over the writer's view of the file (patch::ElfFile): gathering facts, the version
// tables, glue, DT_RELR and DT_HASH, room after a segment. Internal to lib/lower (not installed): lower.hpp is the
// public API, which does not expose the writer's view.
#pragma once

#include <functional>
#include <optional>

#include "lower/lower.hpp"
#include "patch/elf_file.hpp"

namespace ferry::lower {

// The facts `make_plan` needs, read from .dynsym/.gnu.version/.gnu.version_r and the dynamic table.
Result<Facts> gather(const patch::ElfFile& f);

// Applies `plan` to an image: DT_NEEDED additions through lib/patch, then version tables and glue.
Result<std::vector<uint8_t>> apply_plan(ByteView in, const std::string& path, const Plan& plan,
                                        const policy::Target& target, std::vector<std::string>& steps);
// Version tables rewritten for `plan` (in place, or in the padding after a segment when they grow).
Status rewrite_versions(const patch::ElfFile& f, std::vector<uint8_t>& out, const Plan& plan,
                        const policy::Target& target, std::vector<std::string>& steps);
// __libc_start_main glue (x86_64, aarch64, i386): the program's _start calls ferry's code, which passes an init function that
// runs the program's DT_INIT and DT_INIT_ARRAY (glibc < 2.34 only runs them through that argument).
Status add_start_glue(const patch::ElfFile& f, std::vector<uint8_t>& out, std::vector<std::string>& steps);
Status add_start_glue_aarch64(const patch::ElfFile& f, std::vector<uint8_t>& out, std::vector<std::string>& steps);
Status add_call_glue_aarch64(const patch::ElfFile& f, std::vector<uint8_t>& out, const Plan& plan, std::vector<std::string>& steps);
Status add_start_glue_i386(const patch::ElfFile& f, std::vector<uint8_t>& out, std::vector<std::string>& steps);

// Stat-family glue (x86_64): `stat` is renamed `__xstat` (through lib/patch), and its PLT jump goes to a few
// instructions that insert the _STAT_VER argument first. __libc_single_threaded: its GOT slot points at a
// zero byte ferry adds, or its copy relocation is dropped ("not single-threaded", always safe).
Status add_call_glue(const patch::ElfFile& f, std::vector<uint8_t>& out, const Plan& plan, std::vector<std::string>& steps);
Status add_data_glue(const patch::ElfFile& f, std::vector<uint8_t>& out, const Plan& plan, std::vector<std::string>& steps);
// DT_RELR -> R_X86_64_RELATIVE entries of a new .rela.dyn; the DT_RELR tags go (relr.cpp).
Result<std::vector<uint64_t>> decode_relr(const patch::ElfFile& f);
Status expand_relr(const patch::ElfFile& f, std::vector<uint8_t>& out, std::vector<std::string>& steps);
// A SysV hash table of .dynsym, and DT_HASH pointing at it in a spare dynamic entry (hash.cpp).
Result<std::vector<uint8_t>> sysv_hash_table(const patch::ElfFile& f);
Status add_dt_hash(const patch::ElfFile& f, std::vector<uint8_t>& out, std::vector<std::string>& steps);
// Rewrites the dynamic section's entries where they are, DT_NULL after them (fails when they do not fit).
Status write_dynamic(const patch::ElfFile& f, std::vector<uint8_t>& out, const std::vector<patch::Dyn>& entries);

// The GOT slot the loader fills for dynamic symbol `sym`, and the relocation's file offset and type.
struct GotSlot { uint64_t vaddr = 0, reloc_offset = 0; uint32_t type = 0; };
// Every entry of the 64-bit RELA tables (DT_RELA and DT_JMPREL), decoded through the file's elf::Codec: its
// file offset, r_offset, symbol index and type.
struct RelaEntry { uint64_t file_offset = 0, r_offset = 0, sym = 0; uint32_t type = 0; };
void for_each_rela(const patch::ElfFile& f, const std::function<void(const RelaEntry&)>& fn);
std::vector<GotSlot> got_slots(const patch::ElfFile& f, uint64_t sym);
std::optional<uint64_t> find_symbol(const patch::ElfFile& f, const std::string& name);
// Where call glue goes for each glued binding of `plan`: the renamed symbol's GOT slot and the PLT code (file
// offset, vaddr) that jumps through it, found by the architecture's `find_plt`. A slot other than a PLT slot
// (`jump_slot` type) is refused: the glue reaches calls through the PLT only. `plt_noun` names that code in
// errors ("jump", "stub").
struct GlueSite { std::string to; uint64_t slot = 0; std::vector<std::pair<uint64_t, uint64_t>> plt; };
Result<std::vector<GlueSite>> call_glue_sites(
    const patch::ElfFile& f, const Plan& plan, uint32_t jump_slot, const std::string& plt_noun,
    const std::function<std::vector<std::pair<uint64_t, uint64_t>>(uint64_t slot)>& find_plt);

// Bytes free after a PT_LOAD (zero, used by no section or header, and mappable without reaching the next
// segment's first page); reserves them by growing the segment. Returns the vaddr of the reserved range. For code
// (exec) a read-only segment is made executable when no executable one has room.
struct Room {
  size_t phdr = 0;
  uint64_t offset = 0, vaddr = 0, size = 0;
  bool made_executable = false;  // code went after a read-only segment, which is now R+X
};
// A PT_LOAD that ends the file and is the highest in memory grows with the file.
Result<Room> reserve_after_segment(const patch::ElfFile& f, std::vector<uint8_t>& out, uint64_t bytes, bool exec);
// Whether an error is reserve_after_segment's "no room" (apply_plan then adds a PT_LOAD and tries again).
bool is_no_room(const Error& e);

}  // namespace ferry::lower
