// The passes of an ELF wheel repair (repair_passes.hpp), from choosing the target to the RECORD of the output.
// auditwheel's repair.py and wheeltools.py decide what the output holds; docs/wheel-contract.md says which rule
// each pass follows. Workers in parallel_for never throw: every std::filesystem call takes an error_code.
#include "wheel/repair_passes.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "support/file.hpp"
#include "support/parallel.hpp"
#include "support/text.hpp"
#include "wheel/scripts_shim.hpp"

namespace ferry::wheel {

namespace fs = std::filesystem;

namespace {

std::string dir_of(const std::string& member) {
  size_t s = member.rfind('/');
  return s == std::string::npos ? "" : member.substr(0, s);
}

std::string summary_rpath(const elf::ElfInfo& i) { return i.rpath ? *i.rpath : i.runpath.value_or(""); }

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

Error refusal(const std::string& plat, const std::string& why, const std::vector<std::string>& lines,
              const std::string& wheel_path) {
  std::string msg = "cannot repair to \"" + plat + "\": " + why;
  for (auto& l : lines) msg += "\n  " + l;
  return make_error(ErrorCode::policy, msg).with_path(wheel_path);
}

// Why `req` cannot be reached by grafting, as the error repair returns; nullopt when it can.
std::optional<Error> refuse_target(const Analysis& a, const TargetEval& req) {
  std::string plat = req.target->tag();
  if (!req.symbol_reasons.empty())
    return refusal(plat, "too-recent versioned symbols (compile on an older toolchain)", req.symbol_reasons,
                   a.wheel_path);
  if (a.ucs2) return refusal(plat, "it was compiled against a narrow unicode (UCS2) build of Python", {}, a.wheel_path);
  if (!req.blacklist_reasons.empty())
    return refusal(plat, "it depends on black-listed symbols", req.blacklist_reasons, a.wheel_path);
  if (!req.isa_reasons.empty())
    return refusal(plat, "it depends on unsupported ISA extensions", req.isa_reasons, a.wheel_path);
  if (!req.has_missing()) return std::nullopt;
  std::vector<std::string> lines;
  for (auto& [nm, r] : req.libs)
    if (r.lib.disposition == Disposition::missing)
      lines.push_back("required library \"" + nm + "\" (needed by " + join(r.lib.needed_by, ", ") +
                      ") could not be located");
  // The usual causes, in the options users know from auditwheel: the library is built but not on the search
  // path, or another wheel ships it (PyQt6-Qt6, nvidia-*-cu12) and it must not be grafted.
  return refusal(plat,
                 "a library to graft cannot be found (set LD_LIBRARY_PATH; or, when another wheel provides it, "
                 "--exclude SONAME or --sibling DIST)",
                 lines, a.wheel_path);
}

// The target --plat names, or the best reachable one (the least demanding known one when none is).
Result<const TargetEval*> requested_target(const Analysis& a, const RepairOptions& opts, const TargetEval* best) {
  std::string family = policy::to_string(a.family);
  if (opts.plat && *opts.plat != "auto") {
    const TargetEval* req = a.find_eval(*opts.plat);
    if (!req) return make_error(ErrorCode::usage, "--plat " + *opts.plat + ": not a " + family + " tag for " + a.arch);
    return req;
  }
  if (best) return best;
  if (a.evals.empty())
    return make_error(ErrorCode::policy, "no " + family + " target is known for " + a.arch).with_path(a.wheel_path);
  return &a.evals.back();
}

bool needs_disposition(const TargetEval& ev, const std::vector<std::string>& names, Disposition d) {
  return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return ev.libs.at(n).lib.disposition == d; });
}

// RPATH entries from `member` to the library directories of the siblings providing `needed`.
std::vector<std::string> sibling_entries(const Analysis& a, const TargetEval& ev, const std::string& member,
                                         const std::vector<std::string>& needed) {
  std::vector<std::string> out;
  for (auto& n : needed) {
    auto it = ev.libs.find(n);
    if (it == ev.libs.end() || it->second.lib.disposition != Disposition::sibling || !it->second.lib.path) continue;
    for (auto& s : a.siblings) {
      if (s.name != it->second.lib.sibling) continue;
      // The sibling is installed next to this wheel's files: site-packages/<member dir> -> its library dir.
      std::string lib_dir = fs::path(*it->second.lib.path).parent_path().string();
      add_unique(out, origin_path(member, fs::path(lib_dir).lexically_relative(s.site).string()));
    }
  }
  return out;
}

// The job for one wheel member, or nullopt when it needs nothing (no graft, libpython, sibling, internal dir).
std::optional<EditJob> member_job(const Analysis& a, const TargetEval& ev, const ElfMember& e,
                                  const std::map<std::string, std::string>& new_name_of, const std::string& libs_dir,
                                  const std::string& out_root, std::vector<std::string>& notes, ScriptMoves& moves) {
  std::vector<std::string> direct;  // the ext_libs of auditwheel: grafts, libpython, siblings
  patch::Edits ed;
  for (auto& n : e.info.needed) {
    auto it = ev.libs.find(n);
    if (it == ev.libs.end()) continue;
    auto d = it->second.lib.disposition;
    if (d == Disposition::graft) ed.replace_needed.push_back({n, new_name_of.at(n)});
    if (d == Disposition::libpython) ed.remove_needed.push_back(n);
    if (d == Disposition::graft || d == Disposition::libpython || d == Disposition::sibling) direct.push_back(n);
  }
  if (direct.empty() && e.internal_dirs_needed.empty()) return std::nullopt;
  // An executable in .data/scripts moves behind a Python shim; its RPATH is for its new place.
  std::string dest = e.member;
  if (is_data_script(e.member)) {
    dest = moves[e.member] = moved_script_member(a.name.distribution, e.member);
    notes.push_back(e.member + ": moved to " + dest + " behind a Python shim (pip installs scripts away from "
                               "the package, so an RPATH cannot reach " + libs_dir + ")");
  }
  std::vector<std::string> rp = rpath_entries_within(e.info, dest);
  if (needs_disposition(ev, direct, Disposition::graft) || needs_disposition(ev, direct, Disposition::libpython))
    add_unique(rp, origin_path(dest, libs_dir));
  for (auto& d : e.internal_dirs_needed) add_unique(rp, origin_path(dest, d));
  for (auto& p : sibling_entries(a, ev, dest, direct)) add_unique(rp, p);
  ed.set_rpath = join(rp, ":");
  ed.force_rpath = true;
  EditJob job{dest, e.extracted, out_root + "/" + dest, std::move(ed), &e.info, false, {}};
  if (auto seed = a.seeds.find(e.member); seed != a.seeds.end() && e.extracted == a.root + "/" + e.member)
    job.seed = seed->second;
  return job;
}

// The job for one graft: its new SONAME, DT_NEEDED names of other grafts, RPATH to them and to siblings.
EditJob graft_job(const Analysis& a, const TargetEval& ev, const Graft& g,
                  const std::map<std::string, std::string>& new_name_of) {
  patch::Edits ed;
  ed.soname = g.new_name;
  const elf::ElfInfo* info = g.object && g.object->info ? g.object->info.get() : nullptr;
  std::vector<std::string> needed = info ? info->needed : std::vector<std::string>{};
  for (auto& n : needed)
    if (auto it = new_name_of.find(n); it != new_name_of.end()) ed.replace_needed.push_back({n, it->second});
  auto sib = sibling_entries(a, ev, g.member, needed);
  if (!ed.replace_needed.empty() || !sib.empty()) {
    std::vector<std::string> rp;
    if (!ed.replace_needed.empty()) rp.push_back("$ORIGIN");
    rp.insert(rp.end(), sib.begin(), sib.end());
    ed.set_rpath = join(rp, ":");
    ed.force_rpath = true;
  } else if (info && (info->rpath || info->runpath)) {
    ed.remove_rpath = true;
  }
  return EditJob{g.member, g.out_path, g.out_path, std::move(ed), info, true, {}};
}

// One job: strip (into the output first when it is a different file), patch, read the result back.
Result<elf::ElfInfo> apply_edit_job(const EditJob& j, const StripFile& strip,
                                    std::vector<std::pair<uint64_t, uint64_t>>& unchanged) {
  std::error_code ec;
  std::string src = j.in;
  if (strip) {
    if (src != j.out) {
      fs::copy_file(src, j.out, fs::copy_options::overwrite_existing, ec);
      if (ec) return make_error(ErrorCode::io, "cannot copy for --strip: " + ec.message()).with_path(j.out);
      src = j.out;
    }
    FERRY_CHECK(strip(src));
  }
  // The output is a file of ferry's scratch tree, read once by the zip writer and removed: flushing it to the
  // disk (patch_file's default, for a user's file) wrote 520 MB for nothing on a torch-sized member. The wheel
  // written from it is the file that matters.
  patch::PatchOptions po;
  po.fsync = false;
  if (src == j.in) po.seed = j.seed;  // a copy of j.in, not of what --strip made of it
  auto r = patch::patch_file(src, j.out, j.edits, po);
  if (!r) return r.error().with_path(j.member);
  if (!po.seed.empty()) unchanged = std::move(r->unchanged);
  if (!fs::exists(j.out, ec)) {  // nothing to change: patch_file wrote nothing
    fs::copy_file(src, j.out, fs::copy_options::overwrite_existing, ec);
    if (ec) return make_error(ErrorCode::io, "cannot copy: " + ec.message()).with_path(j.out);
  }
  return elf::read_elf_file(j.out);
}

// One RECORD line for an output entry ("" for a directory).
Result<std::string> record_line_of(const OutputEntry& o, const Analysis& a,
                                   const std::map<std::string, const RecordEntry*>& rec, const FileDigests& digests) {
  if (S_ISDIR(o.mode) || (!o.name.empty() && o.name.back() == '/')) return std::string();
  if (o.late_bytes) return record_line(o.name, "", "");  // RECORD itself, produced late
  if (o.source == OutputEntry::Source::bytes)
    return record_line(o.name, record_hash(sha256(o.bytes)), std::to_string(o.bytes.size()));
  if (o.source == OutputEntry::Source::file) {
    if (auto it = digests.find(o.file_path); it != digests.end())
      return record_line(o.name, record_hash(it->second.sha), std::to_string(it->second.size));
    FERRY_TRY(d, sha256_file(o.file_path));
    std::error_code ec;
    uint64_t size = fs::file_size(o.file_path, ec);
    if (ec) return make_error(ErrorCode::io, "cannot read the size: " + ec.message()).with_path(o.file_path);
    return record_line(o.name, record_hash(d), std::to_string(size));
  }
  const ZipMember& m = a.zip.members()[o.input_index];
  if (auto h = a.hashes.find(m.name); h != a.hashes.end())
    return record_line(o.name, record_hash(h->second), std::to_string(m.size));
  if (auto r = rec.find(m.name); r != rec.end() && r->second->hash.starts_with("sha256="))
    return record_line(o.name, r->second->hash, std::to_string(m.size));
  return make_error(ErrorCode::format, "member '" + m.name + "' has no sha256 in RECORD").with_path(a.wheel_path);
}

bool walk_less(const OutputEntry& x, const OutputEntry& y) { return walk_order_less(x.name, y.name); }

}  // namespace

Result<TargetChoice> choose_target(const Analysis& a, const RepairOptions& opts) {
  const TargetEval* best = nullptr;
  for (auto& ev : a.evals)
    if (ev.fine_after_graft(a.ucs2, a.pyfpe)) {
      best = &ev;
      break;
    }
  FERRY_TRY(req, requested_target(a, opts, best));
  if (auto why = refuse_target(a, *req)) return *why;
  TargetChoice c;
  c.eval = req;
  c.requested = req->target->tag();
  c.abis = target_tags(*req->target);
  if (!opts.only_plat && best && best->target->priority > req->target->priority) {
    auto better = target_tags(*best->target);
    c.abis.insert(c.abis.begin(), better.begin(), better.end());
    c.eval = best;
    c.notes.push_back("the wheel is eligible for the better tag " + best->target->tag() + " (--only-plat keeps " +
                      c.requested + " only)");
  }
  return c;
}

GraftPlan plan_grafts(const TargetEval& ev, const std::string& libs_dir) {
  std::map<std::string, Graft> by_path;
  for (auto& [nm, r] : ev.libs) {
    if (r.lib.disposition != Disposition::graft) continue;
    Graft& g = by_path[*r.lib.path];
    g.real_path = *r.lib.path;
    g.object = r.object;
    g.names.push_back(nm);
  }
  GraftPlan plan;
  plan.libs_dir = libs_dir;
  for (auto& [p, g] : by_path) plan.grafts.push_back(std::move(g));
  return plan;
}

std::vector<std::string> disposition_notes(const TargetEval& ev) {
  std::vector<std::string> notes;
  for (auto& [nm, r] : ev.libs) {
    if (r.lib.disposition == Disposition::driver)
      notes.push_back(nm + ": driver or process-singleton library, not grafted (it must come from the system; "
                           "--include-drivers overrides)");
    if (r.lib.disposition == Disposition::excluded) notes.push_back(nm + ": excluded by --exclude, not grafted");
    if (r.lib.disposition == Disposition::sibling)
      notes.push_back(nm + ": provided by the sibling wheel " + r.lib.sibling + ", RPATH points at it");
    if (r.lib.disposition == Disposition::libpython)
      notes.push_back(nm + ": removed from DT_NEEDED (the interpreter provides libpython)");
  }
  return notes;
}

std::map<std::string, std::string> graft_names(const GraftPlan& plan) {
  std::map<std::string, std::string> out;
  for (auto& g : plan.grafts)
    for (auto& n : g.names) out[n] = g.new_name;
  return out;
}

std::vector<ExternalLibrary> reached_libraries(const TargetEval& ev, const GraftPlan& plan) {
  auto names = graft_names(plan);
  std::vector<ExternalLibrary> out;
  for (auto& [nm, r] : ev.libs) {
    out.push_back(r.lib);
    if (auto it = names.find(nm); it != names.end()) out.back().graft_name = it->second;
  }
  return out;
}

Status copy_grafts(GraftPlan& plan, const std::string& out_root, unsigned jobs) {
  std::vector<std::optional<Error>> errs(plan.grafts.size());
  parallel_for(plan.grafts.size(), [&](size_t i) {
    Graft& g = plan.grafts[i];
    std::string host = g.object ? g.object->host_path : g.real_path;
    auto d = sha256_file(host);
    if (!d) {
      errs[i] = d.error();
      return;
    }
    g.digest = *d;
    g.new_name = graft_name(fs::path(g.real_path).filename().string(), to_hex(*d));
    g.member = plan.libs_dir + "/" + g.new_name;
    g.out_path = out_root + "/" + g.member;
    std::error_code ec;
    fs::copy_file(host, g.out_path, fs::copy_options::overwrite_existing, ec);
    if (!ec) fs::permissions(g.out_path, fs::perms::owner_write | fs::perms::owner_read, fs::perm_options::add, ec);
    if (ec) errs[i] = make_error(ErrorCode::io, "cannot copy to " + g.out_path + " for grafting: " + ec.message()).with_path(host);
  }, jobs);
  for (auto& e : errs)
    if (e) return *e;
  return {};
}

Result<std::set<std::string>> members_replaced_by_grafts(const GraftPlan& plan, const std::vector<ZipMember>& members,
                                                         const std::map<std::string, Sha256>& hashes,
                                                         const std::string& wheel_path) {
  std::set<std::string> replaced;
  for (auto& g : plan.grafts)
    for (auto& m : members) {
      std::string key = m.is_dir && !m.name.empty() && m.name.back() == '/' ? m.name.substr(0, m.name.size() - 1)
                                                                            : m.name;
      if (key != g.member && !key.starts_with(g.member + "/")) continue;
      auto h = hashes.find(m.name);
      if (key == g.member && !m.is_dir && !m.is_symlink && h != hashes.end() && h->second == g.digest) {
        replaced.insert(m.name);
        continue;
      }
      return make_error(ErrorCode::format, "the wheel already has a member '" + m.name + "' where " + g.names[0] +
                                               " (" + g.real_path + ") would be grafted, and it is not a copy of "
                                               "that library; rename or remove it")
          .with_path(wheel_path);
    }
  return replaced;
}

std::string origin_path(const std::string& member, const std::string& target_dir) {
  std::string rel = fs::path(target_dir.empty() ? "." : target_dir)
                        .lexically_relative(dir_of(member).empty() ? "." : dir_of(member))
                        .string();
  if (rel.empty() || rel == ".") return "$ORIGIN";
  return "$ORIGIN/" + rel;
}

std::vector<std::string> rpath_entries_within(const elf::ElfInfo& info, const std::string& member) {
  std::vector<std::string> keep;
  const auto& entries = info.rpath ? info.rpath_entries : info.runpath_entries;
  for (auto& e : entries) {
    std::string x = e;
    for (const char* tok : {"${ORIGIN}", "$ORIGIN"}) {
      size_t p;
      while ((p = x.find(tok)) != std::string::npos) x.replace(p, std::string(tok).size(), "/W/" + dir_of(member));
    }
    if (!x.starts_with("/W/")) continue;  // absolute, relative to the cwd, or $LIB/$PLATFORM: outside the wheel
    std::string norm = fs::path(x).lexically_normal().string();
    if (norm != "/W" && !norm.starts_with("/W/")) continue;
    add_unique(keep, e);
  }
  return keep;
}

std::vector<EditJob> build_edit_jobs(const Analysis& a, const TargetEval& ev, const GraftPlan& plan,
                                     const std::set<std::string>& replaced, const std::string& out_root,
                                     std::vector<std::string>& notes, ScriptMoves& moves) {
  auto new_name_of = graft_names(plan);
  std::vector<EditJob> jobs;
  for (auto& e : a.elves) {
    if (replaced.count(e.member)) continue;  // the graft takes its place
    if (auto j = member_job(a, ev, e, new_name_of, plan.libs_dir, out_root, notes, moves))
      jobs.push_back(std::move(*j));
  }
  for (auto& g : plan.grafts) jobs.push_back(graft_job(a, ev, g, new_name_of));
  return jobs;
}

Status check_script_moves(const ScriptMoves& moves, const std::vector<ZipMember>& members,
                          const std::string& wheel_path) {
  for (auto& [script, dest] : moves)
    for (auto& m : members)
      if (m.name == dest || m.name.starts_with(dest + "/"))
        return make_error(ErrorCode::format, "the wheel already has a member '" + m.name + "' where " + script +
                                                 " would move behind its shim; rename or remove it")
            .with_path(wheel_path);
  return {};
}

std::future<GraftOrigins> ask_graft_origins(const GraftPlan& plan, const WhichProvidesMany& which_provides) {
  std::vector<std::string> paths;
  for (auto& g : plan.grafts) paths.push_back(g.real_path);
  return std::async(std::launch::async, [paths, which_provides]() noexcept {
    GraftOrigins out;
    if (!which_provides || paths.empty()) return out;
    try {
      auto answers = which_provides(paths);
      for (size_t i = 0; i < paths.size() && i < answers.size(); ++i) out[paths[i]] = answers[i];
    } catch (const std::exception&) {
      out.clear();  // no package named: the SBOM is left out, provenance still records every graft
    }
    return out;
  });
}

Result<std::optional<Sbom>> grafts_sbom(const std::string& out_name, const GraftPlan& plan,
                                        const GraftOrigins& origins, const FileDigests& digests) {
  std::vector<SbomFile> files;
  for (auto& g : plan.grafts) {
    auto it = digests.find(g.out_path);
    if (it == digests.end())
      return make_error(ErrorCode::verify, "graft " + g.member + " was not hashed after patching").with_path(g.out_path);
    files.push_back({g.member, g.real_path, it->second.sha});
  }
  return make_sbom(out_name, files, [&origins](const std::string& path) -> std::optional<PackageOrigin> {
    auto it = origins.find(path);
    return it == origins.end() ? std::nullopt : it->second;
  });
}

Result<std::vector<elf::ElfInfo>> apply_edit_jobs(const std::vector<EditJob>& jobs, const StripFile& strip,
                                                  unsigned jobs_n, UnchangedRanges* unchanged) {
  for (auto& j : jobs) {  // directories first, by one thread (workers never race creating one)
    std::error_code ec;
    fs::create_directories(fs::path(j.out).parent_path(), ec);
    if (ec) return make_error(ErrorCode::io, "cannot create a directory: " + ec.message()).with_path(j.out);
  }
  std::vector<std::optional<Error>> errs(jobs.size());
  std::vector<elf::ElfInfo> after(jobs.size());
  std::vector<std::vector<std::pair<uint64_t, uint64_t>>> ranges(jobs.size());
  parallel_for(jobs.size(), [&](size_t i) {
    auto r = apply_edit_job(jobs[i], strip, ranges[i]);
    if (!r) errs[i] = r.error();
    else after[i] = std::move(*r);
  }, jobs_n);
  for (auto& e : errs)
    if (e) return *e;
  if (unchanged)
    for (size_t i = 0; i < jobs.size(); ++i)
      if (!ranges[i].empty()) (*unchanged)[jobs[i].out] = std::move(ranges[i]);
  return after;
}

Result<FileDigests> digest_outputs(const std::vector<EditJob>& jobs, unsigned jobs_n) {
  std::vector<FileDigest> got(jobs.size());
  std::vector<std::optional<Error>> errs(jobs.size());
  parallel_for(jobs.size(), [&](size_t i) {
    auto d = sha256_file(jobs[i].out);
    std::error_code ec;
    uint64_t size = d ? fs::file_size(jobs[i].out, ec) : 0;
    if (!d) errs[i] = d.error();
    else if (ec) errs[i] = make_error(ErrorCode::io, "cannot read the size: " + ec.message()).with_path(jobs[i].out);
    else got[i] = {*d, size};
  }, jobs_n);
  FileDigests out;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (errs[i]) return *errs[i];
    out[jobs[i].out] = got[i];
  }
  return out;
}

bool hash_while_writing(const EditJob& job, const elf::ElfInfo& after) {
  constexpr uint64_t kLargeOutput = uint64_t{64} << 20;
  if (job.grafted || !job.before || after.file_size < kLargeOutput) return false;
  const elf::ElfInfo& b = *job.before;
  return b.needed != after.needed || summary_rpath(b) != summary_rpath(after) || b.soname.value_or("") != after.soname.value_or("") ||
         b.file_size != after.file_size;
}

std::vector<ElfChange> elf_changes(const std::vector<EditJob>& jobs, const std::vector<elf::ElfInfo>& after,
                                   const std::map<std::string, Sha256>& hashes, const FileDigests& digests) {
  std::vector<ElfChange> out;
  for (size_t i = 0; i < jobs.size(); ++i) {
    ElfChange c;
    c.member = jobs[i].member;
    c.grafted = jobs[i].grafted;
    if (jobs[i].before) {
      c.needed_before = jobs[i].before->needed;
      c.rpath_before = summary_rpath(*jobs[i].before);
      c.soname_before = jobs[i].before->soname.value_or("");
      c.size_before = jobs[i].before->file_size;
    }
    c.needed_after = after[i].needed;
    c.rpath_after = summary_rpath(after[i]);
    c.soname_after = after[i].soname.value_or("");
    c.size_after = after[i].file_size;
    bool same = !c.grafted && c.needed_before == c.needed_after && c.rpath_before == c.rpath_after &&
                c.soname_before == c.soname_after && c.size_before == c.size_after;
    if (same) {
      auto d = digests.find(jobs[i].out);
      auto h = hashes.find(c.member);
      same = d != digests.end() && h != hashes.end() && d->second.sha == h->second;
    }
    if (!same) out.push_back(std::move(c));
  }
  return out;
}

Retag retag(const WheelName& name, const std::string& input_file_name, const std::string& wheel_text,
            const std::vector<std::string>& abis, bool update_tags) {
  Retag r;
  if (!update_tags) {
    r.file_name = input_file_name;
    r.platform_tags = name.platform_tags;
    return r;
  }
  auto rt = repaired_tags(name, abis, replaced_platforms(abis[0]));
  r.file_name = rt.file_name;
  r.platform_tags = rt.platform_tags;
  r.wheel_text = rewrite_wheel_tags(wheel_text, abis, rt.removed, rt.removed_any);
  return r;
}

std::vector<std::string> normalisation_notes(const std::vector<ZipMember>& members, bool& changes) {
  std::vector<std::string> notes;
  // setuid, setgid and sticky bits never reach the output (pip would install them as they are).
  bool special_modes = std::any_of(members.begin(), members.end(), [](const ZipMember& m) { return (m.mode & 07000) != 0; });
  if (special_modes) notes.push_back("setuid/setgid/sticky bits removed from the wheel's members");
  bool same_names = std::all_of(members.begin(), members.end(),
                                [](const ZipMember& m) { return m.name == m.stored_name; });
  if (!same_names) notes.push_back("member names normalised as pip installs them (e.g. 'a/./b' -> 'a/b')");
  changes = special_modes || !same_names;
  return notes;
}

std::vector<std::string> undeclared_sibling_warnings(const std::vector<ExternalLibrary>& libraries,
                                                     const std::string& metadata) {
  // A sibling wheel used in place must be a declared dependency, or pip will not install it.
  std::set<std::string> used;
  for (auto& l : libraries)
    if (l.disposition == Disposition::sibling) used.insert(l.sibling);
  std::vector<std::string> out;
  if (used.empty()) return out;
  std::set<std::string> declared;
  for (auto& h : parse_headers(metadata))
    if (h.name == "Requires-Dist") declared.insert(pep503_name(h.value.substr(0, h.value.find_first_of(" ;([<>=!~"))));
  for (auto& s : used)
    if (!declared.count(pep503_name(s)))
      out.push_back("warning: libraries are used from the sibling " + s +
                    ", which METADATA does not declare in Requires-Dist: pip will not install it");
  return out;
}

std::string provenance_json(const std::string& input_file_name, const std::string& policy_tag,
                            const std::vector<std::string>& platform_tags, const GraftPlan& plan,
                            const std::vector<ExternalLibrary>& libraries) {
  nlohmann::json prov;
  prov["schema"] = "ferry.provenance/1";
  prov["tool"] = std::string("ferry ") + FERRY_VERSION;
  prov["input"] = input_file_name;
  prov["policy"] = policy_tag;
  prov["platform_tags"] = platform_tags;
  prov["grafted"] = nlohmann::json::array();
  for (auto& g : plan.grafts)
    prov["grafted"].push_back({{"file", g.member}, {"from", g.real_path}, {"names", g.names},
                               {"sha256_of_source", to_hex(g.digest)}});
  prov["not_grafted"] = nlohmann::json::array();
  for (auto& l : libraries)
    if (l.disposition != Disposition::graft)
      prov["not_grafted"].push_back({{"name", l.name}, {"reason", to_string(l.disposition)},
                                     {"path", l.path.value_or("")}, {"sibling", l.sibling}});
  return prov.dump(2) + "\n";
}

std::vector<OutputEntry> output_entries(const OutputPlan& p, const GraftPlan& grafts) {
  const Analysis& a = *p.a;
  std::string prov_member = a.dist_info + "/ferry-provenance.json";
  std::vector<OutputEntry> entries;
  for (auto& m : a.zip.members()) {
    if (m.name == a.dist_info + "/RECORD" || m.name == a.dist_info + "/RECORD.jws" ||
        m.name == a.dist_info + "/RECORD.p7s" || m.name == prov_member || p.replaced.count(m.name) ||
        (!p.sbom_member.empty() && m.name == p.sbom_member))
      continue;
    OutputEntry o;
    o.name = m.name;
    o.mode = m.mode & ~07000u;
    if (auto sh = p.script_moves.find(m.name); sh != p.script_moves.end()) {
      std::string text = script_shim_text(sh->second);
      o.source = OutputEntry::Source::bytes;
      o.bytes.assign(text.begin(), text.end());
      OutputEntry moved;  // the executable at its new place, with the script's mode
      moved.name = sh->second;
      moved.source = OutputEntry::Source::file;
      moved.file_path = p.out_root + "/" + sh->second;
      moved.mode = o.mode;
      entries.push_back(std::move(moved));
    } else if (p.changed.count(m.name)) {
      o.source = OutputEntry::Source::file;
      o.file_path = p.out_root + "/" + m.name;
      if (auto ix = a.deflate_indexes.find(m.name); ix != a.deflate_indexes.end()) {
        o.input_index = m.index;
        o.base_index = ix->second;
        o.base_path = a.root + "/" + m.name;
        if (auto k = p.known.find(o.file_path); k != p.known.end()) o.known = k->second;
      }
    } else if (m.name == a.dist_info + "/WHEEL" && p.wheel_text) {
      o.source = OutputEntry::Source::bytes;
      o.bytes.assign(p.wheel_text->begin(), p.wheel_text->end());
    } else {
      o.source = OutputEntry::Source::copy;
      o.input_index = m.index;
    }
    entries.push_back(std::move(o));
  }
  for (auto& g : grafts.grafts) {
    OutputEntry o;
    o.name = g.member;
    o.source = OutputEntry::Source::file;
    o.file_path = g.out_path;
    o.mode = 0100755;
    entries.push_back(std::move(o));
  }
  OutputEntry o;
  o.name = prov_member;
  o.source = OutputEntry::Source::bytes;
  o.bytes.assign(p.provenance.begin(), p.provenance.end());
  entries.push_back(std::move(o));
  if (!p.sbom_member.empty()) {
    OutputEntry sb;
    sb.name = p.sbom_member;
    sb.source = OutputEntry::Source::bytes;
    sb.bytes.assign(p.sbom_text.begin(), p.sbom_text.end());
    entries.push_back(std::move(sb));
  }
  std::stable_sort(entries.begin(), entries.end(), walk_less);
  return entries;
}

Result<std::vector<std::string>> record_lines(const std::vector<OutputEntry>& entries, const Analysis& a,
                                              const FileDigests& digests, unsigned jobs) {
  std::map<std::string, const RecordEntry*> rec;
  for (auto& e : a.record) rec[e.path] = &e;
  std::vector<std::string> lines(entries.size());
  std::vector<std::optional<Error>> errs(entries.size());
  parallel_for(entries.size(), [&](size_t i) {
    auto l = record_line_of(entries[i], a, rec, digests);
    if (!l) errs[i] = l.error();
    else lines[i] = std::move(*l);
  }, jobs);
  for (auto& e : errs)
    if (e) return *e;
  return lines;
}

void insert_record(std::vector<OutputEntry>& entries, const std::vector<std::string>& lines,
                   const std::string& record_member) {
  OutputEntry rec;
  rec.name = record_member;
  rec.source = OutputEntry::Source::bytes;
  size_t pos = static_cast<size_t>(std::upper_bound(entries.begin(), entries.end(), rec, walk_less) - entries.begin());
  std::string text;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i == pos) text += record_line(record_member, "", "");
    text += lines[i];
  }
  if (pos == entries.size()) text += record_line(record_member, "", "");
  rec.bytes.assign(text.begin(), text.end());
  entries.insert(entries.begin() + static_cast<long>(pos), std::move(rec));
}

void insert_late_record(std::vector<OutputEntry>& entries, const std::string& record_member,
                        std::function<Result<std::vector<uint8_t>>()> text) {
  OutputEntry rec;
  rec.name = record_member;
  rec.source = OutputEntry::Source::bytes;
  rec.late_bytes = std::move(text);
  auto at = std::upper_bound(entries.begin(), entries.end(), rec, walk_less);
  entries.insert(at, std::move(rec));
}

}  // namespace ferry::wheel
