// `ferry lower`: rewrites a program's or library's glibc symbol version requirements so that it loads on an
// older glibc (a target's ceiling), or refuses, naming the symbol and why. Passes: gather facts (gather.cpp) ->
// plan per required version (plan.cpp, pure) -> apply (DT_NEEDED through lib/patch, version tables and glue
// here) -> verify (`check -t TARGET` on the output) -> atomic replace. Facts it relies on: docs/lowering.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "elf/elf_constants.hpp"
#include "policy/policy.hpp"
#include "support/bytes.hpp"
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

// The facts of the ELF file `bytes` (named `name` in errors): its version requirements and loader features.
Result<Facts> read_facts(ByteView bytes, const std::string& name);

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

// Reads, lowers, verifies and writes `out` (which may equal `in`) atomically.
Result<LowerReport> lower_file(const std::string& in, const std::string& out, const LowerOptions& opts);

}  // namespace ferry::lower
