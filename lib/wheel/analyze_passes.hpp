// The passes of analyze_wheel, in the order it runs them: dist-info -> symlinks -> RECORD lists the members ->
// scratch tree -> scan (sniff, hash, extract ELF) -> RECORD hashes -> decode ELF -> arch and libc -> resolve ->
// versioned symbols -> judge each target. Each takes its inputs and returns its outputs in its signature.
// Internal to lib/wheel: not installed.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wheel/analyze.hpp"
#include "wheel/deflate.hpp"

namespace ferry::wheel {

using RecordIndex = std::map<std::string, const RecordEntry*>;  // RECORD's entries by (normalised) path

// The one top-level .dist-info, its WHEEL text and RECORD (paths normalised as members are).
Status read_dist_info(Analysis& a);
// Symlink members must stay inside the wheel.
Status check_symlinks(Analysis& a);
// RECORD lists every file once and nothing else. A size it gives wrong is not an error: it goes into
// a.record_mismatches (a warning; the output's RECORD gives the member's real size and hash).
Result<RecordIndex> check_record_lists_members(Analysis& a);
// a.scratch (removed by ~Analysis) under `temp_dir`, and a.root inside it.
Status make_scratch_tree(Analysis& a, const std::string& temp_dir);

// An ELF member decoded from its inflated bytes (AnalyzeOptions::decode_in_memory): what read_elf_file would
// give for its path under a.root, with and without symbols, and the identity of the placeholder file there. A
// member that does not decode is written out instead, so the usual path reports its error.
struct DecodedMember {
  elf::ElfInfo info;  // ReadOptions{}: with symbols
  std::shared_ptr<const elf::ElfInfo> loader_view;  // ReadOptions{.symbols = false}: what the resolver reads
  uint64_t dev = 0, ino = 0;
};

struct MemberScan {
  std::vector<const ZipMember*> regular;        // regular-file members
  std::vector<char> is_elf;                     // per regular member; ELF ones are extracted under a.root
  std::vector<std::unique_ptr<DecodedMember>> decoded;  // per regular member: ELF ones decoded in memory, else null
  std::vector<std::optional<Sha256>> digests;   // per regular member, when hashed
  uint64_t trusted = 0;                         // members taken on trust (`trust`): neither inflated nor hashed
  std::vector<std::shared_ptr<PendingDeflateIndex>> indexes;  // per regular member: its deflate blocks, when indexed
  std::vector<std::string> seeds;  // per regular member: its second copy, when indexed (Analysis::seeds)
  std::vector<char> claimed;       // per regular member: ELF taken on trust (Analysis::claimed_elves)
};
// Sniffs every regular member, hashes those that must be checked (all with `verify_all_hashes`) and extracts
// the ELF ones, on `jobs` threads. With `trust` (repair --trust-record: RECORD's lines), a member that is neither
// ELF nor metadata and whose line carries a sha256 is only sniffed: its line is believed. Deflated ELF members of
// `index_from` bytes or more (0: none) are inflated with their block index kept (AnalyzeOptions::index_deflate_from).
Result<MemberScan> scan_members(const Analysis& a, bool verify_all_hashes, unsigned jobs,
                                const ProgressFn* progress = nullptr, const RecordIndex* trust = nullptr,
                                bool decode_in_memory = false, uint64_t index_from = 0);
// Fills a.hashes; a hash taken that disproves RECORD's goes into a.record_mismatches.
void check_record_hashes(Analysis& a, const MemberScan& s, const RecordIndex& rec);
// a.elves from the extracted ELF members (the ones decoded in memory are moved out of `s`, and a.decoded lists them).
Status decode_elves(Analysis& a, MemberScan& s, unsigned jobs);
// a.arch (one for all files), a.family (the libc), a.ucs2, a.pyfpe.
Status judge_arch_and_libc(Analysis& a);
// The wheel's own directories, then siblings, LD_LIBRARY_PATH (from opts), the system (or --ldpaths).
resolve::ResolveOptions resolve_options(const Analysis& a, const ShowOptions& opts);
// Every ELF member's dependency tree, and the wheel directories it reaches only through the wheel.
Status resolve_elves(Analysis& a, const resolve::ResolveOptions& ro, unsigned jobs);
// The symbol versions the wheel's files import, per library (show's summary).
std::vector<VersionedUse> versioned_uses(const std::vector<ElfMember>& elves);
// The targets to judge, best first (a musl wheel: only the running musl's policy, else the newest).
std::vector<const policy::Target*> targets_to_judge(const std::string& arch, policy::Family family,
                                                    const std::optional<std::string>& musl_policy);
// What the wheel reaches outside itself for `t` and what blocks it.
TargetEval evaluate_target(const Analysis& a, const policy::Target& t, const ShowOptions& opts, bool include_drivers);

}  // namespace ferry::wheel
