// `ferry repair`: graft external libraries into `<dist>.libs/`, rewrite DT_NEEDED / SONAME / RPATH with ferry's
// ELF writer, regenerate RECORD, WHEEL tags and the file name (auditwheel repair.py + wheeltools.py rules), and
// write the wheel with unchanged members copied raw. wheels.md "repair (step by step)".
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "patch/patch.hpp"
#include "support/file.hpp"
#include "support/parallel.hpp"
#include "wheel/analyze.hpp"
#include "wheel/scripts_shim.hpp"
#include "support/text.hpp"

extern char** environ;

namespace ferry::wheel {

namespace fs = std::filesystem;

namespace {


std::vector<std::string> tags_of(const policy::Target& t) {
  std::vector<std::string> out{t.tag()};
  for (auto& a : t.aliases) out.push_back(a + "_" + t.arch);
  return out;
}

std::string dir_of(const std::string& member) {
  size_t s = member.rfind('/');
  return s == std::string::npos ? "" : member.substr(0, s);
}

// "$ORIGIN/<relative path from the member's directory to `target_dir`>" (both inside the wheel).
std::string origin_path(const std::string& member, const std::string& target_dir) {
  std::string rel = fs::path(target_dir.empty() ? "." : target_dir)
                        .lexically_relative(dir_of(member).empty() ? "." : dir_of(member))
                        .string();
  if (rel.empty() || rel == ".") return "$ORIGIN";
  return "$ORIGIN/" + rel;
}

// Keeps the RPATH entries that point inside the wheel (auditwheel's append_rpath_within_wheel).
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
    if (std::find(keep.begin(), keep.end(), e) == keep.end()) keep.push_back(e);
  }
  return keep;
}

Status run_strip(const std::string& path) {
  const char* argv[] = {"strip", "-s", path.c_str(), nullptr};
  pid_t pid;
  if (posix_spawnp(&pid, "strip", nullptr, nullptr, const_cast<char* const*>(argv), environ) != 0)
    return make_error(ErrorCode::io, "--strip: cannot run strip (binutils)").with_path(path);
  int st = 0;
  waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return make_error(ErrorCode::io, "strip failed").with_path(path);
  return {};
}

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
  return fs::weakly_canonical(x, e1) == fs::weakly_canonical(y, e2);
}

std::string summary_rpath(const elf::ElfInfo& i) { return i.rpath ? *i.rpath : i.runpath.value_or(""); }

}  // namespace

Result<RepairReport> repair_wheel(const std::string& wheel_path, const RepairOptions& opts) {
  if (is_windows_wheel(wheel_path)) return repair_windows_wheel(wheel_path, opts);
  AnalyzeOptions ao;
  ao.show = &opts;
  ao.include_drivers = opts.include_drivers;
  // Every member's hash is checked against RECORD: the repaired wheel's RECORD carries them, and a hash ferry
  // did not check could be a lie it passes on (large members cost one inflate; --verify-record changes nothing).
  ao.verify_all_hashes = true;
  ao.progress = &opts.progress;
  FERRY_TRY(a, analyze_wheel(wheel_path, ao));
  RepairReport rep;
  rep.wheel = wheel_path;
  std::error_code ec;
  fs::create_directories(opts.wheel_dir, ec);
  if (ec) return make_error(ErrorCode::io, "cannot create the output directory: " + ec.message()).with_path(opts.wheel_dir);
  std::string base = fs::path(wheel_path).filename().string();

  if (a.elves.empty()) {
    if (!opts.allow_pure)
      return make_error(ErrorCode::policy, "this does not look like a platform wheel (no ELF file inside)")
          .with_path(wheel_path);
    rep.output = (fs::path(opts.wheel_dir) / base).string();
    rep.unchanged = true;
    rep.notes.push_back("pure Python wheel: copied as it is (--allow-pure-python-wheel)");
    if (!same_file(rep.output, wheel_path)) FERRY_CHECK(copy_whole(wheel_path, rep.output));
    return rep;
  }

  // The target: --plat, or the best one the wheel can reach by grafting.
  const TargetEval* best = nullptr;
  for (auto& ev : a.evals)
    if (ev.fine_after_graft(a.ucs2, a.pyfpe)) {
      best = &ev;
      break;
    }
  const TargetEval* req = nullptr;
  if (opts.plat && *opts.plat != "auto") {
    req = a.find_eval(*opts.plat);
    if (!req)
      return make_error(ErrorCode::usage, "--plat " + *opts.plat + ": not a " +
                                              std::string(policy::to_string(a.family)) + " tag for " + a.arch);
  } else {
    req = best ? best : (a.evals.empty() ? nullptr : &a.evals.back());
    if (!req) return make_error(ErrorCode::policy, "no " + std::string(policy::to_string(a.family)) +
                                                       " target is known for " + a.arch).with_path(wheel_path);
  }
  std::string plat = req->target->tag();
  auto refuse = [&](const std::string& why, const std::vector<std::string>& lines) {
    std::string msg = "cannot repair to \"" + plat + "\": " + why;
    for (auto& l : lines) msg += "\n  " + l;
    return make_error(ErrorCode::policy, msg).with_path(wheel_path);
  };
  if (!req->symbol_reasons.empty())
    return refuse("too-recent versioned symbols (compile on an older toolchain)", req->symbol_reasons);
  if (a.ucs2) return refuse("it was compiled against a narrow unicode (UCS2) build of Python", {});
  if (!req->blacklist_reasons.empty()) return refuse("it depends on black-listed symbols", req->blacklist_reasons);
  if (!req->isa_reasons.empty()) return refuse("it depends on unsupported ISA extensions", req->isa_reasons);
  if (req->has_missing()) {
    std::vector<std::string> lines;
    for (auto& [nm, r] : req->libs)
      if (r.lib.disposition == Disposition::missing)
        lines.push_back("required library \"" + nm + "\" (needed by " + join(r.lib.needed_by, ", ") +
                        ") could not be located");
    return refuse("a library to graft cannot be found (set LD_LIBRARY_PATH?)", lines);
  }

  std::vector<std::string> abis = tags_of(*req->target);
  const TargetEval* ev = req;
  if (!opts.only_plat && best && best->target->priority > req->target->priority) {
    auto better = tags_of(*best->target);
    abis.insert(abis.begin(), better.begin(), better.end());
    ev = best;
    rep.notes.push_back("the wheel is eligible for the better tag " + best->target->tag() + " (--only-plat keeps " +
                        plat + " only)");
  }
  rep.policy_tag = ev->target->tag();

  // Plan the grafts: one copy per real file, whatever names reach it.
  std::string libs_dir = a.name.distribution + opts.lib_sdir;
  std::string out_root = a.scratch + "/out";
  fs::create_directories(out_root + "/" + libs_dir, ec);
  struct Graft {
    std::string real_path, new_name, member, out_path;
    std::vector<std::string> names;  // DT_NEEDED names that reach it
    std::shared_ptr<const resolve::LoadedObject> object;
    Sha256 digest{};
  };
  std::map<std::string, Graft> grafts;            // by real path
  std::map<std::string, std::string> new_name_of; // DT_NEEDED name -> grafted file name
  for (auto& [nm, r] : ev->libs) {
    rep.libraries.push_back(r.lib);
    if (r.lib.disposition == Disposition::driver)
      rep.notes.push_back(nm + ": driver or process-singleton library, not grafted (it must come from the system; "
                               "--include-drivers overrides)");
    if (r.lib.disposition == Disposition::excluded) rep.notes.push_back(nm + ": excluded by --exclude, not grafted");
    if (r.lib.disposition == Disposition::sibling)
      rep.notes.push_back(nm + ": provided by the sibling wheel " + r.lib.sibling + ", RPATH points at it");
    if (r.lib.disposition == Disposition::libpython)
      rep.notes.push_back(nm + ": removed from DT_NEEDED (the interpreter provides libpython)");
    if (r.lib.disposition != Disposition::graft) continue;
    Graft& g = grafts[*r.lib.path];
    g.real_path = *r.lib.path;
    g.object = r.object;
    g.names.push_back(nm);
  }
  std::vector<Graft*> glist;
  for (auto& [p, g] : grafts) glist.push_back(&g);
  std::vector<std::optional<Error>> gerr(glist.size());
  parallel_for(glist.size(), [&](size_t i) {
    Graft& g = *glist[i];
    std::string host = g.object ? g.object->host_path : g.real_path;
    auto d = sha256_file(host);
    if (!d) {
      gerr[i] = d.error();
      return;
    }
    g.digest = *d;
    g.new_name = graft_name(fs::path(g.real_path).filename().string(), to_hex(*d));
    g.member = libs_dir + "/" + g.new_name;
    g.out_path = out_root + "/" + g.member;
    std::error_code e2;
    fs::copy_file(host, g.out_path, fs::copy_options::overwrite_existing, e2);
    if (e2) gerr[i] = make_error(ErrorCode::io, "cannot copy for grafting: " + e2.message()).with_path(host);
    else fs::permissions(g.out_path, fs::perms::owner_write | fs::perms::owner_read, fs::perm_options::add, e2);
  }, opts.jobs);
  for (auto& e : gerr)
    if (e) return *e;
  // A member already named like a graft (auditwheel reuses whatever file is there). A copy of the very library
  // being grafted is replaced by the graft; anything else is a clash ferry refuses rather than trust or duplicate.
  std::set<std::string> replaced_by_graft;
  for (auto* g : glist)
    for (auto& m : a.zip.members()) {
      std::string key = m.is_dir && !m.name.empty() && m.name.back() == '/' ? m.name.substr(0, m.name.size() - 1)
                                                                            : m.name;
      if (key != g->member && !key.starts_with(g->member + "/")) continue;
      auto h = a.hashes.find(m.name);
      if (key == g->member && !m.is_dir && !m.is_symlink && h != a.hashes.end() && h->second == g->digest) {
        replaced_by_graft.insert(m.name);
        continue;
      }
      return make_error(ErrorCode::format, "the wheel already has a member '" + m.name + "' where " + g->names[0] +
                                               " (" + g->real_path + ") would be grafted, and it is not a copy of "
                                               "that library; rename or remove it")
          .with_path(wheel_path);
    }
  for (auto* g : glist)
    for (auto& n : g->names) new_name_of[n] = g->new_name;
  for (auto& l : rep.libraries)
    if (auto it = new_name_of.find(l.name); it != new_name_of.end()) l.graft_name = it->second;

  // Edits for every ELF: wheel members first, then grafted libraries.
  struct Job {
    std::string member, in, out;
    patch::Edits edits;
    const elf::ElfInfo* before = nullptr;
    std::shared_ptr<const elf::ElfInfo> before_owned;
    bool grafted = false;
  };
  std::vector<Job> jobs;
  std::map<std::string, std::string> script_shims;  // .data/scripts member -> where its executable moved
  auto sibling_entries = [&](const std::string& member, const std::vector<std::string>& needed) {
    std::vector<std::string> out;
    for (auto& n : needed) {
      auto it = ev->libs.find(n);
      if (it == ev->libs.end() || it->second.lib.disposition != Disposition::sibling || !it->second.lib.path) continue;
      for (auto& s : a.siblings) {
        if (s.name != it->second.lib.sibling) continue;
        // The sibling is installed next to this wheel's files: site-packages/<member dir> -> its library dir.
        std::string lib_dir = fs::path(*it->second.lib.path).parent_path().string();
        std::string rel_to_site = fs::path(lib_dir).lexically_relative(s.site).string();
        std::string p = origin_path(member, rel_to_site);
        if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
      }
    }
    return out;
  };
  for (auto& e : a.elves) {
    if (replaced_by_graft.count(e.member)) continue;  // the graft takes its place
    std::vector<std::string> direct;  // the ext_libs of auditwheel: grafts, libpython, siblings
    patch::Edits ed;
    for (auto& n : e.info.needed) {
      auto it = ev->libs.find(n);
      if (it == ev->libs.end()) continue;
      auto d = it->second.lib.disposition;
      if (d == Disposition::graft) ed.replace_needed.push_back({n, new_name_of[n]});
      if (d == Disposition::libpython) ed.remove_needed.push_back(n);
      if (d == Disposition::graft || d == Disposition::libpython || d == Disposition::sibling) direct.push_back(n);
    }
    if (direct.empty() && e.internal_dirs_needed.empty()) continue;
    // An executable in .data/scripts moves behind a Python shim (scripts_shim.hpp); its RPATH is for its new place.
    std::string dest = e.member;
    if (is_data_script(e.member)) {
      dest = moved_script_member(a.name.distribution, e.member);
      for (auto& m : a.zip.members())
        if (m.name == dest || m.name.starts_with(dest + "/"))
          return make_error(ErrorCode::format, "the wheel already has a member '" + m.name + "' where " + e.member +
                                                   " would move behind its shim; rename or remove it")
              .with_path(wheel_path);
      script_shims[e.member] = dest;
      rep.notes.push_back(e.member + ": moved to " + dest + " behind a Python shim (pip installs scripts away from "
                                     "the package, so an RPATH cannot reach " + libs_dir + ")");
    }
    std::vector<std::string> rp = rpath_entries_within(e.info, dest);
    auto add = [&](const std::string& p) {
      if (std::find(rp.begin(), rp.end(), p) == rp.end()) rp.push_back(p);
    };
    bool grafts_needed = std::any_of(direct.begin(), direct.end(), [&](const std::string& n) {
      return ev->libs.at(n).lib.disposition == Disposition::graft;
    });
    if (grafts_needed || std::any_of(direct.begin(), direct.end(), [&](const std::string& n) {
          return ev->libs.at(n).lib.disposition == Disposition::libpython;
        }))
      add(origin_path(dest, libs_dir));
    for (auto& d : e.internal_dirs_needed) add(origin_path(dest, d));
    for (auto& p : sibling_entries(dest, direct)) add(p);
    ed.set_rpath = join(rp, ":");
    ed.force_rpath = true;
    Job j;
    j.member = dest;
    j.in = e.extracted;
    j.out = out_root + "/" + dest;
    j.edits = std::move(ed);
    j.before = &e.info;
    jobs.push_back(std::move(j));
  }
  for (auto* g : glist) {
    patch::Edits ed;
    ed.soname = g->new_name;
    const elf::ElfInfo* info = g->object && g->object->info ? g->object->info.get() : nullptr;
    std::vector<std::string> needed = info ? info->needed : std::vector<std::string>{};
    for (auto& n : needed)
      if (auto it = new_name_of.find(n); it != new_name_of.end()) ed.replace_needed.push_back({n, it->second});
    auto sib = sibling_entries(g->member, needed);
    if (!ed.replace_needed.empty() || !sib.empty()) {
      std::vector<std::string> rp;
      if (!ed.replace_needed.empty()) rp.push_back("$ORIGIN");
      rp.insert(rp.end(), sib.begin(), sib.end());
      ed.set_rpath = join(rp, ":");
      ed.force_rpath = true;
    } else if (info && (info->rpath || info->runpath)) {
      ed.remove_rpath = true;
    }
    Job j;
    j.member = g->member;
    j.in = g->out_path;
    j.out = g->out_path;
    j.edits = std::move(ed);
    j.before = info;
    j.grafted = true;
    jobs.push_back(std::move(j));
  }

  // Apply (strip first, as auditwheel does), in parallel; then read every result back.
  std::vector<std::optional<Error>> jerr(jobs.size());
  std::vector<std::optional<elf::ElfInfo>> after(jobs.size());
  for (auto& j : jobs) {  // directories first, by one thread (workers never race creating one)
    std::error_code e2;
    fs::create_directories(fs::path(j.out).parent_path(), e2);
  }
  parallel_for(jobs.size(), [&](size_t i) {
    Job& j = jobs[i];
    std::error_code e2;
    std::string src = j.in;
    if (opts.strip) {
      if (src != j.out) {
        fs::copy_file(src, j.out, fs::copy_options::overwrite_existing, e2);
        src = j.out;
      }
      if (auto s = run_strip(src); !s) {
        jerr[i] = s.error();
        return;
      }
    }
    auto r = patch::patch_file(src, j.out, j.edits);
    if (!r) {
      jerr[i] = r.error().with_path(j.member);
      return;
    }
    if (!fs::exists(j.out)) fs::copy_file(src, j.out, fs::copy_options::overwrite_existing, e2);
    auto info = elf::read_elf_file(j.out);
    if (!info) jerr[i] = info.error();
    else after[i] = std::move(*info);
  }, opts.jobs);
  for (auto& e : jerr)
    if (e) return *e;
  std::set<std::string> changed_members;
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
    c.needed_after = after[i]->needed;
    c.rpath_after = summary_rpath(*after[i]);
    c.soname_after = after[i]->soname.value_or("");
    c.size_after = after[i]->file_size;
    bool same = !c.grafted && c.needed_before == c.needed_after && c.rpath_before == c.rpath_after &&
                c.soname_before == c.soname_after && c.size_before == c.size_after;
    if (same) {
      auto d = sha256_file(jobs[i].out);
      same = d && a.hashes.count(c.member) && *d == a.hashes[c.member];
    }
    if (same) continue;
    changed_members.insert(c.member);
    rep.changes.push_back(std::move(c));
  }

  // Tags, WHEEL, file name.
  std::string out_name = base;
  std::optional<std::string> new_wheel_text;
  if (opts.update_tags) {
    auto rt = repaired_tags(a.name, abis, replaced_platforms(abis[0]));
    out_name = rt.file_name;
    rep.platform_tags = rt.platform_tags;
    new_wheel_text = rewrite_wheel_tags(a.wheel_text, abis, rt.removed, rt.removed_any);
  } else {
    rep.platform_tags = a.name.platform_tags;
  }
  rep.output = (fs::path(opts.wheel_dir) / out_name).string();

  // setuid, setgid and sticky bits never reach the output (pip would install them as they are).
  bool special_modes = std::any_of(a.zip.members().begin(), a.zip.members().end(),
                                   [](const ZipMember& m) { return (m.mode & 07000) != 0; });
  if (special_modes) rep.notes.push_back("setuid/setgid/sticky bits removed from the wheel's members");
  bool same_names = std::all_of(a.zip.members().begin(), a.zip.members().end(),
                                [](const ZipMember& m) { return m.name == m.stored_name; });
  if (!same_names) rep.notes.push_back("member names normalised as pip installs them (e.g. 'a/./b' -> 'a/b')");

  // Nothing to do (an already repaired wheel): the input is the output, byte for byte.
  if (changed_members.empty() && glist.empty() && !new_wheel_text && out_name == base && !special_modes &&
      same_names) {
    rep.unchanged = true;
    rep.notes.push_back("nothing to graft or patch and the tags are already right: the wheel is copied unchanged");
    if (!same_file(rep.output, wheel_path)) FERRY_CHECK(copy_whole(wheel_path, rep.output));
    rep.members_copied = a.zip.members().size();
    return rep;
  }

  // Writing over the input (--no-update-tags -w <its folder>) would destroy it if anything went wrong later.
  if (same_file(rep.output, wheel_path))
    return make_error(ErrorCode::usage, "the repaired wheel would replace the input wheel " + rep.output +
                                            "; choose another --wheel-dir")
        .with_path(wheel_path);

  // A sibling wheel used in place must be a declared dependency, or pip will not install it.
  std::set<std::string> used_siblings;
  for (auto& l : rep.libraries)
    if (l.disposition == Disposition::sibling) used_siblings.insert(l.sibling);
  if (!used_siblings.empty()) {
    std::string metadata;
    for (auto& m : a.zip.members())
      if (m.name == a.dist_info + "/METADATA")
        if (auto b = a.zip.read(m)) metadata.assign(b->begin(), b->end());
    std::set<std::string> declared;
    for (auto& h : parse_headers(metadata))
      if (h.name == "Requires-Dist") {
        size_t end = h.value.find_first_of(" ;([<>=!~");
        declared.insert(pep503_name(h.value.substr(0, end)));
      }
    for (auto& s : used_siblings)
      if (!declared.count(pep503_name(s)))
        rep.notes.push_back("warning: libraries are used from the sibling " + s +
                            ", which METADATA does not declare in Requires-Dist: pip will not install it");
  }

  // Provenance.
  nlohmann::json prov;
  prov["schema"] = "ferry.provenance/1";
  prov["tool"] = std::string("ferry ") + FERRY_VERSION;
  prov["input"] = base;
  prov["policy"] = rep.policy_tag;
  prov["platform_tags"] = rep.platform_tags;
  prov["grafted"] = nlohmann::json::array();
  for (auto* g : glist)
    prov["grafted"].push_back({{"file", g->member}, {"from", g->real_path}, {"names", g->names},
                               {"sha256_of_source", to_hex(g->digest)}});
  prov["not_grafted"] = nlohmann::json::array();
  for (auto& l : rep.libraries)
    if (l.disposition != Disposition::graft)
      prov["not_grafted"].push_back({{"name", l.name}, {"reason", to_string(l.disposition)},
                                     {"path", l.path.value_or("")}, {"sibling", l.sibling}});
  std::string prov_text = prov.dump(2) + "\n";
  std::string prov_member = a.dist_info + "/ferry-provenance.json";

  // SBOM of what was grafted (sbom.hpp), hashed as written, named for the output file.
  std::vector<SbomFile> sbom_files;
  for (auto* g : glist) {
    FERRY_TRY(d, sha256_file(g->out_path));
    sbom_files.push_back({g->member, g->real_path, d});
  }
  FERRY_TRY(sbom, make_sbom(out_name, sbom_files, opts.which_provides));
  if (sbom) {
    rep.sbom = a.dist_info + "/sboms/ferry.cdx.json";
    rep.sbom_purls = sbom->purls;
  }

  // Output members, in auditwheel's walk order.
  std::vector<OutputEntry> entries;
  std::map<std::string, const RecordEntry*> rec;
  for (auto& e : a.record) rec[e.path] = &e;
  std::string record_member = a.dist_info + "/RECORD";
  for (auto& m : a.zip.members()) {
    if (m.name == record_member || m.name == a.dist_info + "/RECORD.jws" || m.name == a.dist_info + "/RECORD.p7s" ||
        m.name == prov_member || m.name == rep.sbom || replaced_by_graft.count(m.name))
      continue;
    OutputEntry o;
    o.name = m.name;
    o.mode = m.mode & ~07000u;
    if (auto sh = script_shims.find(m.name); sh != script_shims.end()) {
      std::string text = script_shim_text(sh->second);
      o.source = OutputEntry::Source::bytes;
      o.bytes.assign(text.begin(), text.end());
      OutputEntry moved;  // the executable at its new place, with the script's mode
      moved.name = sh->second;
      moved.source = OutputEntry::Source::file;
      moved.file_path = out_root + "/" + sh->second;
      moved.mode = o.mode;
      entries.push_back(std::move(moved));
    } else if (changed_members.count(m.name)) {
      o.source = OutputEntry::Source::file;
      o.file_path = out_root + "/" + m.name;
    } else if (m.name == a.dist_info + "/WHEEL" && new_wheel_text) {
      o.source = OutputEntry::Source::bytes;
      o.bytes.assign(new_wheel_text->begin(), new_wheel_text->end());
    } else {
      o.source = OutputEntry::Source::copy;
      o.input_index = m.index;
    }
    entries.push_back(std::move(o));
  }
  for (auto* g : glist) {
    OutputEntry o;
    o.name = g->member;
    o.source = OutputEntry::Source::file;
    o.file_path = g->out_path;
    o.mode = 0100755;
    entries.push_back(std::move(o));
  }
  {
    OutputEntry o;
    o.name = prov_member;
    o.source = OutputEntry::Source::bytes;
    o.bytes.assign(prov_text.begin(), prov_text.end());
    entries.push_back(std::move(o));
  }
  if (sbom) {
    OutputEntry o;
    o.name = rep.sbom;
    o.source = OutputEntry::Source::bytes;
    o.bytes.assign(sbom->text.begin(), sbom->text.end());
    entries.push_back(std::move(o));
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const OutputEntry& x, const OutputEntry& y) { return walk_order_less(x.name, y.name); });

  // RECORD: hashes of what is written; copied members keep their (checked) hash.
  std::vector<std::string> lines(entries.size());
  std::vector<std::optional<Error>> herr(entries.size());
  parallel_for(entries.size(), [&](size_t i) {
    const OutputEntry& o = entries[i];
    if (S_ISDIR(o.mode) || (!o.name.empty() && o.name.back() == '/')) return;
    if (o.source == OutputEntry::Source::bytes) {
      lines[i] = record_line(o.name, record_hash(sha256(o.bytes)), std::to_string(o.bytes.size()));
    } else if (o.source == OutputEntry::Source::file) {
      auto d = sha256_file(o.file_path);
      if (!d) {
        herr[i] = d.error();
        return;
      }
      lines[i] = record_line(o.name, record_hash(*d), std::to_string(fs::file_size(o.file_path)));
    } else {
      const ZipMember& m = a.zip.members()[o.input_index];
      if (auto h = a.hashes.find(m.name); h != a.hashes.end())
        lines[i] = record_line(o.name, record_hash(h->second), std::to_string(m.size));
      else if (auto r = rec.find(m.name); r != rec.end() && r->second->hash.starts_with("sha256="))
        lines[i] = record_line(o.name, r->second->hash, std::to_string(m.size));
      else
        herr[i] = make_error(ErrorCode::format, "member '" + m.name + "' has no sha256 in RECORD").with_path(wheel_path);
    }
  }, opts.jobs);
  for (auto& e : herr)
    if (e) return *e;
  std::string record_text;
  OutputEntry rec_entry;
  rec_entry.name = record_member;
  rec_entry.source = OutputEntry::Source::bytes;
  size_t rec_pos = static_cast<size_t>(
      std::upper_bound(entries.begin(), entries.end(), rec_entry,
                       [](const OutputEntry& x, const OutputEntry& y) { return walk_order_less(x.name, y.name); }) -
      entries.begin());
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i == rec_pos) record_text += record_line(record_member, "", "");
    record_text += lines[i];
  }
  if (rec_pos == entries.size()) record_text += record_line(record_member, "", "");
  rec_entry.bytes.assign(record_text.begin(), record_text.end());
  entries.insert(entries.begin() + static_cast<long>(rec_pos), std::move(rec_entry));

  ZipWriteOptions zo;
  zo.level = opts.zip_level;
  zo.jobs = opts.jobs;
  zo.source_date_epoch = opts.source_date_epoch;
  zo.progress = opts.progress;
  FERRY_CHECK(write_wheel_zip(a.zip, entries, rep.output, zo));
  for (auto& o : entries) (o.source == OutputEntry::Source::copy ? rep.members_copied : rep.members_written)++;
  return rep;
}

}  // namespace ferry::wheel
