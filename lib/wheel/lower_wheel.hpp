// `repair --lower` / `show --lower`: ferry lower applied to a wheel's own ELF files (never to grafted system
// libraries: those are chosen by policy and must already fit the target), so repair can reach an older
// manylinux tag than the build machine's. Internal to lib/wheel: not installed. docs/lowering.md.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "lower/lower.hpp"
#include "wheel/analyze.hpp"

namespace ferry::wheel {

// The lowering facts of each ELF member, read once (in a.elves order).
Result<std::vector<lower::Facts>> lowering_facts(const Analysis& a);
// Why lowering the wheel's own files cannot reach `ev`'s target, one line each (empty: it can): each symbol
// lowering refuses (member, symbol@version, reason), and what lowering does not change (grafted libraries'
// symbol versions, black-listed symbols, ISA, missing libraries, UCS2).
std::vector<std::string> lowering_blockers(const Analysis& a, const TargetEval& ev, const std::vector<lower::Facts>& facts);
// The target --plat names, else the best one lowering reaches; an error naming every blocker when --plat's
// cannot be reached, or (no --plat) when not even the least demanding target can.
Result<const TargetEval*> lowering_target(const Analysis& a, const ShowOptions& opts, const std::vector<lower::Facts>& facts);

struct Lowered {
  std::set<std::string> members;    // members rewritten in the scratch tree
  std::vector<std::string> notes;   // one per member: what was lowered, to which target
  std::map<std::string, elf::ElfInfo> before;  // each lowered member as the wheel had it
};
// What lowering changed in each member, for repair's report: `changes` (from the edit jobs, which read the
// lowered files) get the members' original DT_NEEDED and size; a lowered member no job touched gets an entry.
void add_lowering_changes(const Lowered& l, const Analysis& a, std::vector<ElfChange>& changes);
// Lowers every ELF member that needs it to `t` in the scratch tree (lower::lower_file: verified by check before
// it replaces the extracted copy), then reads, resolves and judges the wheel again (a.elves, a.evals).
Result<Lowered> lower_members(Analysis& a, const policy::Target& t, const ShowOptions& opts, bool include_drivers);

}  // namespace ferry::wheel
