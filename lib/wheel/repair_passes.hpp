// The passes of an ELF wheel repair, in the order repair_wheel runs them: choose target -> plan grafts -> copy ->
// build edit jobs -> patch -> retag -> provenance -> RECORD -> write. Each takes its inputs and returns its outputs
// in its signature, so a test can run one alone. Internal to lib/wheel: not installed. docs/wheel-contract.md.
#pragma once

#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "patch/patch.hpp"
#include "wheel/analyze.hpp"

namespace ferry::wheel {

// ---- choose target
struct TargetChoice {
  const TargetEval* eval = nullptr;  // what the grafts are planned for: the better target unless --only-plat
  std::string requested;             // the tag the repair was asked for (--plat, or the best reachable)
  std::vector<std::string> abis;     // platform tags to write, best first
  std::vector<std::string> notes;
};
// --plat, or the best target the wheel can reach by grafting; refuses (naming every reason) when it cannot.
Result<TargetChoice> choose_target(const Analysis& a, const RepairOptions& opts);

// ---- plan grafts
struct Graft {
  std::string real_path;            // the library on this system
  std::vector<std::string> names;   // DT_NEEDED names that reach it
  std::shared_ptr<const resolve::LoadedObject> object;
  // Filled by copy_grafts, from the content's hash:
  Sha256 digest{};
  std::string new_name, member, out_path;
};
struct GraftPlan {
  std::string libs_dir;         // "<dist>.libs": where grafts go inside the wheel
  std::vector<Graft> grafts;    // one per real file, by real path
};
// Pure: one graft per real file whatever names reach it.
GraftPlan plan_grafts(const TargetEval& ev, const std::string& libs_dir);
// Every library the target reaches, each with its grafted name when it is grafted (after copy_grafts).
std::vector<ExternalLibrary> reached_libraries(const TargetEval& ev, const GraftPlan& plan);
// One note per library that is not grafted, saying why.
std::vector<std::string> disposition_notes(const TargetEval& ev);
// DT_NEEDED name -> grafted file name.
std::map<std::string, std::string> graft_names(const GraftPlan& plan);

// ---- copy
// Hashes each graft's source, names it (graft_name) and copies it to `out_root`/<member>, on `jobs` threads.
Status copy_grafts(GraftPlan& plan, const std::string& out_root, unsigned jobs);
// Members already where a graft goes. A copy of the very library (same hash) is replaced by the graft; anything
// else is a clash, refused rather than trusted or duplicated (auditwheel reuses whatever file is there).
Result<std::set<std::string>> members_replaced_by_grafts(const GraftPlan& plan, const std::vector<ZipMember>& members,
                                                         const std::map<std::string, Sha256>& hashes,
                                                         const std::string& wheel_path);

// ---- build edit jobs
// Per patched file (EditJob::out): its ranges holding the input's bytes at the same offsets
// (patch::PatchReport::unchanged), for jobs whose input is a member as extracted (EditJob::seed set).
using UnchangedRanges = std::map<std::string, std::vector<std::pair<uint64_t, uint64_t>>>;

struct EditJob {
  std::string member, in, out;
  patch::Edits edits;
  const elf::ElfInfo* before = nullptr;  // nullptr: a graft whose headers were not read
  bool grafted = false;
  std::string seed;  // a copy of `in` the patch writes its output into (Analysis::seeds), or empty
};
// "$ORIGIN/<relative path from the member's directory to `target_dir`>" (both inside the wheel).
std::string origin_path(const std::string& member, const std::string& target_dir);
// The RPATH (or RUNPATH) entries that point inside the wheel (auditwheel's append_rpath_within_wheel).
std::vector<std::string> rpath_entries_within(const elf::ElfInfo& info, const std::string& member);
// .data/scripts member -> where its executable moves behind a Python shim (scripts_shim.hpp).
using ScriptMoves = std::map<std::string, std::string>;
// Edits for every ELF member that needs one, then for every graft; `notes` receives warnings. An executable in
// .data/scripts that needs edits is planned at its new place and listed in `moves`.
std::vector<EditJob> build_edit_jobs(const Analysis& a, const TargetEval& ev, const GraftPlan& plan,
                                     const std::set<std::string>& replaced, const std::string& out_root,
                                     std::vector<std::string>& notes, ScriptMoves& moves);
// Refuses a move onto a member the wheel already has (nothing is overwritten silently).
Status check_script_moves(const ScriptMoves& moves, const std::vector<ZipMember>& members,
                          const std::string& wheel_path);

// ---- patch
// Applies every job (stripping first when `strip` is set, as auditwheel does) on `jobs` threads; returns each
// output read back, in job order. `unchanged` (when given) receives the unchanged ranges of each output written
// by a job with a seed, whose input is its member as extracted.
Result<std::vector<elf::ElfInfo>> apply_edit_jobs(const std::vector<EditJob>& jobs, const StripFile& strip,
                                                  unsigned jobs_n, UnchangedRanges* unchanged = nullptr);
// The SHA-256 and size of every file the jobs wrote, by path, hashed once on `jobs_n` threads: the one digest
// each output file gets, which elf_changes, the SBOM and RECORD all read.
struct FileDigest {
  Sha256 sha{};
  uint64_t size = 0;
};
using FileDigests = std::map<std::string, FileDigest>;
Result<FileDigests> digest_outputs(const std::vector<EditJob>& jobs, unsigned jobs_n);
// Whether a job's output can be hashed while the wheel is written: a large (torch-sized) patched member whose
// headers or size changed, so elf_changes lists it without its digest and only RECORD needs that (0.8 s of wall
// time for 520 MB, otherwise spent before the write starts). Grafts are hashed first: the SBOM names their digests.
bool hash_while_writing(const EditJob& job, const elf::ElfInfo& after);
// What changed, per job; a non-graft whose headers, size and content (`digests` vs `hashes`) are unchanged is
// left out.
std::vector<ElfChange> elf_changes(const std::vector<EditJob>& jobs, const std::vector<elf::ElfInfo>& after,
                                   const std::map<std::string, Sha256>& hashes, const FileDigests& digests);

// ---- retag
struct Retag {
  std::string file_name;                  // of the output wheel
  std::vector<std::string> platform_tags;
  std::optional<std::string> wheel_text;  // the new WHEEL file, when tags change
};
Retag retag(const WheelName& name, const std::string& input_file_name, const std::string& wheel_text,
            const std::vector<std::string>& abis, bool update_tags);
// Notes for member modes and names the output normalises; `changes` says whether there are any.
std::vector<std::string> normalisation_notes(const std::vector<ZipMember>& members, bool& changes);

// ---- provenance
// Warnings for sibling wheels used in place that METADATA's Requires-Dist does not declare.
std::vector<std::string> undeclared_sibling_warnings(const std::vector<ExternalLibrary>& libraries,
                                                     const std::string& metadata);
std::string provenance_json(const std::string& input_file_name, const std::string& policy_tag,
                            const std::vector<std::string>& platform_tags, const GraftPlan& plan,
                            const std::vector<ExternalLibrary>& libraries);

// Which package provides each graft, by its real path. The answer depends on the source paths only, so
// ask_graft_origins asks once for all grafts on a thread of its own, while they are patched and hashed; the future
// never throws (a failed lookup is no answer, as when no package manager is there).
using GraftOrigins = std::map<std::string, std::optional<PackageOrigin>>;
std::future<GraftOrigins> ask_graft_origins(const GraftPlan& plan, const WhichProvidesMany& which_provides);
// The SBOM of the grafts as written (their digests after patching), for the output named `out_name`; nullopt
// when no package owns a graft (sbom.hpp).
Result<std::optional<Sbom>> grafts_sbom(const std::string& out_name, const GraftPlan& plan,
                                        const GraftOrigins& origins, const FileDigests& digests);

// ---- RECORD
struct OutputPlan {
  const Analysis* a = nullptr;
  std::string out_root;                   // where patched members were written
  std::set<std::string> changed;          // members whose patched copy replaces them
  std::set<std::string> replaced;         // members a graft replaces (dropped)
  std::optional<std::string> wheel_text;  // new WHEEL
  std::string provenance;                 // the provenance file's text
  ScriptMoves script_moves;               // scripts replaced by a shim, their executables moved
  std::string sbom_member;                // "" = no SBOM
  std::string sbom_text;
  // Patched files (by path) whose unchanged ranges and CRC-32 are known, their originals emptied
  // (OutputEntry::known).
  std::map<std::string, std::shared_ptr<const KnownChanges>> known;
};
// The output members (without RECORD), in auditwheel's walk order.
std::vector<OutputEntry> output_entries(const OutputPlan& p, const GraftPlan& grafts);
// One RECORD line per entry ("" for directories); copied members keep their checked hash, written files take
// theirs from `digests` (a file missing there is hashed).
Result<std::vector<std::string>> record_lines(const std::vector<OutputEntry>& entries, const Analysis& a,
                                              const FileDigests& digests, unsigned jobs);
// Pure: inserts RECORD, listing `lines` and itself, at its place in walk order.
void insert_record(std::vector<OutputEntry>& entries, const std::vector<std::string>& lines,
                   const std::string& record_member);
// Inserts RECORD at its place in walk order as a late entry (wheel_zip.hpp): when the writer reaches it, `text`
// gives its content (record_lines of every entry, RECORD's own line without a hash among them).
void insert_late_record(std::vector<OutputEntry>& entries, const std::string& record_member,
                        std::function<Result<std::vector<uint8_t>>()> text);

}  // namespace ferry::wheel
