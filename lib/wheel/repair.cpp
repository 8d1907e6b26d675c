// `ferry repair`: graft external libraries into `<dist>.libs/`, rewrite DT_NEEDED / SONAME / RPATH with ferry's
// ELF writer, regenerate RECORD, WHEEL tags and the file name (auditwheel repair.py + wheeltools.py rules), and
// write the wheel with unchanged members copied raw. repair_elf_wheel is the script; the passes it runs are in
// repair_passes.hpp. docs/wheel-contract.md "repair (step by step)".
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <future>
#include <map>
#include <memory>

#include "support/file.hpp"
#include "wheel/deflate.hpp"
#include "wheel/deflate_reuse.hpp"
#include "wheel/lower_wheel.hpp"
#include "wheel/repair_passes.hpp"

namespace ferry::wheel {

namespace fs = std::filesystem;

namespace {

Status copy_whole(const std::string& from, const std::string& to) {
  std::error_code ec;
  std::string tmp = to + ".ferry-tmp";
  fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
  if (ec) return make_error(ErrorCode::io, "cannot copy: " + ec.message()).with_path(to);
  fs::rename(tmp, to, ec);
  if (ec) return make_error(ErrorCode::io, "cannot rename into place: " + ec.message()).with_path(to);
  return {};
}

// The same file: by device and inode when both exist, else by normalised path.
bool same_file(const std::string& x, const std::string& y) {
  struct stat sx, sy;
  if (::stat(x.c_str(), &sx) == 0 && ::stat(y.c_str(), &sy) == 0) return sx.st_dev == sy.st_dev && sx.st_ino == sy.st_ino;
  std::error_code e1, e2;
  auto cx = fs::weakly_canonical(x, e1), cy = fs::weakly_canonical(y, e2);
  if (e1 || e2) return x == y;  // both failing would otherwise compare two empty paths equal
  return cx == cy;
}

// The input copied as it is to rep.output (already repaired, or pure with --allow-pure-python-wheel).
Result<RepairReport> copy_unchanged(const std::string& wheel_path, RepairReport rep, const std::string& note) {
  rep.unchanged = true;
  rep.notes.push_back(note);
  if (!same_file(rep.output, wheel_path)) FERRY_CHECK(copy_whole(wheel_path, rep.output));
  return rep;
}

std::string member_text(Analysis& a, const std::string& name) {
  std::string text;
  for (auto& m : a.zip.members())
    if (m.name == name)
      if (auto b = a.zip.read(m)) text.assign(b->begin(), b->end());
  return text;
}

Status make_dirs(const std::string& dir, const char* what) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return make_error(ErrorCode::io, std::string("cannot create ") + what + ": " + ec.message()).with_path(dir);
  return {};
}

Result<Analysis> analyze_for_repair(const std::string& wheel_path, const RepairOptions& opts) {
  AnalyzeOptions ao;
  ao.show = &opts;
  ao.include_drivers = opts.include_drivers;
  // Every member's hash is checked against RECORD: the repaired wheel's RECORD carries them, and a hash ferry
  // did not check could be a lie it passes on (large members cost one inflate; --verify-record changes nothing).
  // --trust-record is the user's explicit opt-out for members copied byte for byte (analyze.hpp).
  ao.verify_all_hashes = true;
  ao.trust_record = opts.trust_record;
  ao.index_deflate_from = kFastDeflateFrom;  // a patched member this large reuses its compressed bits
  ao.progress = &opts.progress;
  return analyze_wheel(wheel_path, ao);
}

// A lowered member no edit job rewrote goes into the output as lowered; `changed` gains it.
Status carry_lowered_members(const Lowered& lowered, const Analysis& a, const std::string& out_root,
                             std::set<std::string>& changed) {
  for (auto& m : lowered.members) {
    if (changed.count(m)) continue;
    FERRY_CHECK(make_dirs((fs::path(out_root) / m).parent_path().string(), "the scratch tree"));
    FERRY_CHECK(copy_whole(a.root + "/" + m, out_root + "/" + m));
    changed.insert(m);
  }
  return {};
}

// A large patched file has two readers while the wheel is written: the thread hashing it for RECORD and the
// writer. The last one done with it empties it, so that its dirty pages (500 MB for a torch-sized library) are
// dropped rather than counted against the kernel's dirty limit while the output is written: past that limit the
// writer's own copies are throttled to the disk's speed (docs/wheel-contract.md).
class ScratchRelease {
public:
  explicit ScratchRelease(const std::vector<EditJob>& jobs) {
    for (const EditJob& j : jobs) readers_.try_emplace(j.out, 2);
  }
  bool holds(const std::string& path) const { return readers_.count(path) != 0; }
  void release(const std::string& path) {
    auto it = readers_.find(path);
    if (it != readers_.end() && it->second.fetch_sub(1) == 1) (void)::truncate(path.c_str(), 0);
  }

private:
  std::map<std::string, std::atomic<int>> readers_;  // filled once; only the counts change afterwards
};

// The large patched files (`later`) hashed one by one on a thread of their own while the wheel is written; each
// is released to `released` once hashed.
std::future<Result<FileDigests>> hash_on_a_thread(const std::vector<EditJob>& later,
                                                  const std::shared_ptr<ScratchRelease>& released) {
  return std::async(std::launch::async, [&later, released]() -> Result<FileDigests> {
    FileDigests all;
    for (const EditJob& j : later) {
      FERRY_TRY(d, digest_outputs({j}, 1));
      all.insert(d.begin(), d.end());
      released->release(j.out);
    }
    return all;
  });
}

// The writer's side of ScratchRelease: each entry of a released file lets go of it once it is in the output.
void release_when_written(std::vector<OutputEntry>& entries, const std::shared_ptr<ScratchRelease>& released) {
  for (OutputEntry& e : entries)
    if (released->holds(e.file_path)) e.on_written = [released, path = e.file_path] { released->release(path); };
}

// RECORD is produced when the writer reaches it: by then the large patched members hashed on their own thread
// (`later`) are done. Everything captured lives in the caller until the wheel is written.
void add_late_record(std::vector<OutputEntry>& entries, const Analysis& a, const FileDigests& digests,
                     std::future<Result<FileDigests>>& later, unsigned jobs) {
  auto record = [&entries, &a, &digests, &later, jobs]() -> Result<std::vector<uint8_t>> {
    FERRY_TRY(more, later.get());
    FileDigests all = digests;
    all.insert(more.begin(), more.end());
    FERRY_TRY(lines, record_lines(entries, a, all, jobs));
    std::vector<uint8_t> text;
    for (auto& l : lines) text.insert(text.end(), l.begin(), l.end());
    return text;
  };
  insert_late_record(entries, a.dist_info + "/RECORD", record);
}

Status write_repaired_wheel(Analysis& a, const std::vector<OutputEntry>& entries, const std::string& out,
                            const RepairOptions& opts) {
  ZipWriteOptions zo;
  zo.level = opts.zip_level;
  zo.jobs = opts.jobs;
  zo.source_date_epoch = opts.source_date_epoch;
  zo.progress = opts.progress;
  zo.on_step = opts.on_step;
  return write_wheel_zip(a.zip, entries, out, zo);
}

struct Patched {
  std::vector<elf::ElfInfo> after;  // each job's output read back
  UnchangedRanges unchanged;        // jobs patched from their seed: what the patch copied
  std::map<std::string, std::shared_ptr<const KnownChanges>> known;  // ... with the CRC-32 worked out from it
};

// A member patched from its seed (its unchanged ranges known) needs its extracted original no more once the
// patched file's CRC-32 is worked out from it (patched_crc reads only the changed pages): the original is emptied
// then, before the wheel is written, not once its member is. A torch-sized library in the middle of the archive
// kept its original's dirty pages (1.5 GB) while every member before it was written, and the output's writes
// reached the kernel's throttling point sooner (docs/wheel-contract.md).
Status release_originals(const Analysis& a, const std::vector<EditJob>& jobs, Patched& p) {
  for (const EditJob& j : jobs) {
    auto u = p.unchanged.find(j.out);
    auto ix = a.deflate_indexes.find(j.in.substr(std::min(j.in.size(), a.root.size() + 1)));
    if (u == p.unchanged.end() || ix == a.deflate_indexes.end() || !ix->second) continue;
    const DeflateIndex* index = ix->second->get();
    struct stat st;
    if (!index || ::stat(j.out.c_str(), &st) != 0) continue;
    UniqueFd in(::open(j.in.c_str(), O_RDONLY | O_CLOEXEC)), out(::open(j.out.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in || !out) continue;  // the writer compares the files, and says what is wrong
    FERRY_TRY(crc, patched_crc(in.get(), index->size, index->crc, out.get(), static_cast<uint64_t>(st.st_size),
                               u->second, j.out));
    if (!crc) continue;
    p.known[j.out] = std::make_shared<const KnownChanges>(KnownChanges{std::move(u->second), *crc});
    (void)::truncate(j.in.c_str(), 0);
  }
  return {};
}

// Every edit job applied (apply_edit_jobs). A seed the patch did not take (a member left unchanged) goes then:
// its pages are dropped unwritten instead of counting against the kernel's dirty limit while the wheel is written.
Result<Patched> patch_members(const Analysis& a, const std::vector<EditJob>& jobs, const RepairOptions& opts) {
  Patched p;
  auto after = apply_edit_jobs(jobs, opts.strip, opts.jobs, &p.unchanged);
  for (auto& [member, seed] : a.seeds) (void)::unlink(seed.c_str());
  if (!after) return after.error();
  p.after = std::move(*after);
  FERRY_CHECK(release_originals(a, jobs, p));
  return p;
}

// The report's member counts: copied or written. A copied ELF member taken on trust (Analysis::claimed_elves) is
// one more member whose RECORD line was carried over unchecked.
void count_members(const std::vector<OutputEntry>& entries, const Analysis& a, RepairReport& rep) {
  for (auto& o : entries) {
    const bool copied = o.source == OutputEntry::Source::copy;
    (copied ? rep.members_copied : rep.members_written)++;
    if (copied && a.claimed_elves.count(o.name)) ++rep.members_trusted;
  }
}

// An already repaired wheel, whose output is the input byte for byte: nothing to graft or patch, the tags and
// the member names already right, and a RECORD the members bear out (a wrong one is written anew).
bool already_repaired(const Analysis& a, const std::set<std::string>& changed, const GraftPlan& grafts,
                      const Retag& tags, const std::string& base, bool normalised) {
  return changed.empty() && grafts.grafts.empty() && !tags.wheel_text && tags.file_name == base && !normalised &&
         a.record_mismatches.empty();
}

// The script of an ELF (manylinux/musllinux) repair: each step a pass from repair_passes.hpp.
Result<RepairReport> repair_elf_wheel(const std::string& wheel_path, const RepairOptions& opts) {
  FERRY_TRY(a, analyze_for_repair(wheel_path, opts));
  StepClock clock(&opts.on_step);
  RepairReport rep;
  rep.wheel = wheel_path;
  rep.members_trusted = a.members_trusted;
  rep.warnings = a.record_mismatches;
  FERRY_CHECK(make_dirs(opts.wheel_dir, "the output directory"));
  std::string base = fs::path(wheel_path).filename().string();
  if (a.elves.empty()) {
    if (!opts.allow_pure)
      return make_error(ErrorCode::policy, "this does not look like a platform wheel (no ELF file inside)")
          .with_path(wheel_path);
    rep.output = (fs::path(opts.wheel_dir) / base).string();
    return copy_unchanged(wheel_path, std::move(rep), "pure Python wheel: copied as it is (--allow-pure-python-wheel)");
  }

  // --lower: the wheel's own files are lowered in the scratch tree first, and the wheel is judged again.
  Lowered lowered;
  if (opts.lower) {
    FERRY_TRY(facts, lowering_facts(a));
    FERRY_TRY(target, lowering_target(a, opts, facts));
    FERRY_TRY(l, lower_members(a, *target->target, opts, opts.include_drivers));
    lowered = std::move(l);
  }
  FERRY_TRY(choice, choose_target(a, opts));
  const TargetEval& ev = *choice.eval;
  rep.notes = choice.notes;
  rep.notes.insert(rep.notes.end(), lowered.notes.begin(), lowered.notes.end());
  rep.policy_tag = ev.target->tag();

  GraftPlan grafts = plan_grafts(ev, a.name.distribution + opts.lib_sdir);
  auto dnotes = disposition_notes(ev);
  rep.notes.insert(rep.notes.end(), dnotes.begin(), dnotes.end());
  std::string out_root = a.scratch + "/out";
  FERRY_CHECK(make_dirs(out_root + "/" + grafts.libs_dir, "the scratch tree"));
  FERRY_CHECK(copy_grafts(grafts, out_root, opts.jobs));
  FERRY_TRY(replaced, members_replaced_by_grafts(grafts, a.zip.members(), a.hashes, wheel_path));
  clock.mark("plan and copy the grafts");
  rep.libraries = reached_libraries(ev, grafts);

  // The package lookups (processes the caller spawns) run while the ELF files are patched and hashed.
  auto origins = ask_graft_origins(grafts, opts.which_provides);
  ScriptMoves moves;
  auto jobs = build_edit_jobs(a, ev, grafts, replaced, out_root, rep.notes, moves);
  FERRY_CHECK(check_script_moves(moves, a.zip.members(), wheel_path));
  FERRY_TRY(patched, patch_members(a, jobs, opts));
  clock.mark("patch");
  // Large patched members are hashed on a thread of their own while the wheel is written; RECORD waits for them.
  std::vector<EditJob> now, later;
  for (size_t i = 0; i < jobs.size(); ++i) (hash_while_writing(jobs[i], patched.after[i]) ? later : now).push_back(jobs[i]);
  FERRY_TRY(digests, digest_outputs(now, opts.jobs));
  auto released = std::make_shared<ScratchRelease>(later);
  auto later_digests = hash_on_a_thread(later, released);
  clock.mark("hash the patched files");
  rep.changes = elf_changes(jobs, patched.after, a.hashes, digests);
  std::set<std::string> changed;
  for (auto& c : rep.changes) changed.insert(c.member);
  FERRY_CHECK(carry_lowered_members(lowered, a, out_root, changed));
  add_lowering_changes(lowered, a, rep.changes);
  // The block walks of members that stay as they are stop here: the writer copies their compressed bytes.
  std::erase_if(a.deflate_indexes, [&](const auto& kv) { return !changed.count(kv.first); });

  Retag tags = retag(a.name, base, a.wheel_text, choice.abis, opts.update_tags);
  rep.platform_tags = tags.platform_tags;
  rep.output = (fs::path(opts.wheel_dir) / tags.file_name).string();
  bool normalised = false;
  auto nnotes = normalisation_notes(a.zip.members(), normalised);
  rep.notes.insert(rep.notes.end(), nnotes.begin(), nnotes.end());

  if (already_repaired(a, changed, grafts, tags, base, normalised)) {
    rep.members_copied = a.zip.members().size(), rep.members_trusted += a.claimed_elves.size();
    return copy_unchanged(wheel_path, std::move(rep),
                          "nothing to graft or patch and the tags are already right: the wheel is copied unchanged");
  }
  // Writing over the input (--no-update-tags -w <its folder>) would destroy it if anything went wrong later.
  if (same_file(rep.output, wheel_path))
    return make_error(ErrorCode::usage, "the repaired wheel would replace the input wheel " + rep.output +
                                            "; choose another --wheel-dir")
        .with_path(wheel_path);

  auto warnings = undeclared_sibling_warnings(rep.libraries, member_text(a, a.dist_info + "/METADATA"));
  rep.notes.insert(rep.notes.end(), warnings.begin(), warnings.end());
  OutputPlan op{&a, out_root, changed, replaced, tags.wheel_text,
                provenance_json(base, rep.policy_tag, rep.platform_tags, grafts, rep.libraries), moves, "", "",
                std::move(patched.known)};
  FERRY_TRY(sbom, grafts_sbom(tags.file_name, grafts, origins.get(), digests));
  clock.mark("SBOM: which package provides each graft");
  if (sbom) {
    op.sbom_member = rep.sbom = a.dist_info + "/sboms/ferry.cdx.json";
    op.sbom_text = sbom->text;
    rep.sbom_purls = sbom->purls;
  }
  auto entries = output_entries(op, grafts);
  release_when_written(entries, released);
  add_late_record(entries, a, digests, later_digests, opts.jobs);
  FERRY_CHECK(write_repaired_wheel(a, entries, rep.output, opts));
  count_members(entries, a, rep);
  return rep;
}

}  // namespace

Result<RepairReport> repair_wheel(const std::string& wheel_path, const RepairOptions& opts) {
  // The dispatch point per platform: a macOS (Mach-O) or Windows (PE) repair adds its branch here, chosen by the
  // wheel's platform tags, and lives in its own file. Every other wheel is repaired as an ELF wheel. (macOS wheels
  // are dispatched by the CLI, tools/ferry/cmd_wheel_macos.cpp.)
  if (is_windows_wheel(wheel_path)) return repair_windows_wheel(wheel_path, opts);
  return repair_elf_wheel(wheel_path, opts);
}

}  // namespace ferry::wheel
