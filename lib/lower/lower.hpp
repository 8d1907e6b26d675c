// `ferry lower`: rewrites a program's or library's glibc symbol version requirements so that it loads on an
// older glibc (a target's ceiling), or refuses, naming the symbol and why. Passes: gather facts (gather.cpp) ->
// plan per required version (plan.cpp, pure) -> apply (DT_NEEDED through lib/patch, version tables and glue
// here) -> verify (`check -t TARGET` on the output) -> atomic replace. Facts it relies on: docs/lowering.md.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "elf/elf_constants.hpp"
#include "patch/elf_file.hpp"
#include "policy/policy.hpp"
#include "support/result.hpp"

namespace ferry::lower {

// How one required symbol version is lowered.
enum class Method {
  keep,     // already within the target
  rebind,   // same library, an older version with the same behaviour for callers
  moved,    // glibc 2.34 merged the library into libc: the old library, its old version (DT_NEEDED added)
  glue,     // a few instructions ferry adds, reached through a rewritten call
  refused,  // nothing older exists; `reason` says what to do instead
};
const char* to_string(Method m);

// One row of an architecture's built-in table (glibc_<arch>.inc, made by scripts/gen-lower-table.sh).
struct Rule {
  const char* name;
  const char* library;      // where the new version lives
  Method method;
  const char* old_library;  // where the older version lives
  const char* old_version;
};
const std::vector<Rule>& x86_64_rules();
// The table for an ELF e_machine (EM_X86_64, EM_AARCH64, EM_386); empty for any other machine.
const std::vector<Rule>& rules_for(uint16_t machine);
const Rule* find_rule(const std::string& name, const std::string& library, uint16_t machine = elf::em::x86_64);
// The policy architecture ferry lower handles for an e_machine ("x86_64", "aarch64", "i686"), or "".
std::string lower_arch(uint16_t machine);
// glibc's first symbol version on a 64-bit architecture (fcntl and __xstat live there), or "" (i386).
std::string baseline_version(uint16_t machine);

// A symbol the file imports with a version requirement (facts read from .dynsym/.gnu.version/.gnu.version_r).
struct Requirement {
  uint64_t index = 0;       // .dynsym index
  std::string symbol;
  std::string library;      // vn_file of its Verneed
  std::string version;      // vna_name
  uint16_t other = 0;       // vna_other (the .gnu.version value)
  bool via_got = false;     // a relocation other than a PLT slot's uses it (address taken, or -fno-plt calls)
};
struct Facts {
  std::vector<Requirement> requirements;  // symbols bound to a Verneed version (imports, copied data), .dynsym order
  std::vector<std::pair<std::string, std::string>> versions;  // every {file, version} the Verneeds name
  bool is_program = false;  // has PT_INTERP (the kernel starts it)
  bool relr = false;        // DT_RELR present
  uint64_t relr_count = 0;  // relative relocations it packs
  bool gnu_hash_only = false;  // DT_GNU_HASH without DT_HASH
  uint16_t machine = elf::em::x86_64;  // e_machine (EM_X86_64 by default): picks the table and which glue exists
  std::vector<std::string> needed;
};
Result<Facts> gather(const patch::ElfFile& f);

// One line of the plan: a symbol's binding before and after.
struct Binding {
  std::string symbol;
  std::string library, version;          // as the file requires it now
  Method method = Method::keep;
  std::string new_library, new_version;  // after lowering (empty when refused; new_version empty: unversioned)
  std::string reason;                    // why refused, or what the glue does
  std::string new_symbol;                // the symbol the binding goes to when glue calls another one
};
// A loader feature the target lacks and how it is lowered (DT_RELR expanded, DT_HASH added).
struct Feature {
  std::string name;    // "DT_RELR", "DT_HASH"
  std::string method;  // "expand", "add"
  std::string detail;
};
struct Plan {
  std::vector<Binding> bindings;          // only requirements above the target, in .dynsym order
  std::vector<Feature> features;          // loader features lowered (apply_plan in this order)
  std::vector<std::string> add_needed;    // old libraries to add as DT_NEEDED
  std::vector<std::string> problems;      // version requirements without a symbol that the target lacks
  bool refused() const;
  bool has_feature(const std::string& name) const;
};
// Pure: what to do with each requirement above `target`'s ceilings. add_dt_hash: add DT_HASH whatever the
// target (--add-dt-hash); it is added anyway for a target before glibc 2.5.
Plan make_plan(const Facts& facts, const policy::Target& target, bool add_dt_hash = false);

struct LowerOptions {
  std::string target;  // any built-in target with a glibc ceiling: manylinux2014, debian11, vfx2022, ...
  bool dry_run = false;
  bool verify = true;  // run `check -t TARGET` on the output before it replaces anything
  bool add_dt_hash = false;  // a SysV hash table (DT_HASH) for files with only DT_GNU_HASH, whatever the target
};
struct LowerReport {
  std::string input, output, target;
  std::string glibc;  // the target's glibc version
  Plan plan;
  bool changed = false;
  std::vector<std::string> steps;  // what apply did, in words
};

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

// Reads, lowers, verifies and writes `out` (which may equal `in`) atomically.
Result<LowerReport> lower_file(const std::string& in, const std::string& out, const LowerOptions& opts);

}  // namespace ferry::lower
