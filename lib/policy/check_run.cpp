// run_check: inputs -> ELF facts (in parallel, archives read in memory) -> verdicts per target -> fix hints.
// Libraries shipped in the same input (directory, wheel, tarball) are not external; with --sysroot the needed
// libraries are looked up inside the root (ld.so.conf and default directories, through lib/resolve).
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <cstring>
#include <mutex>
#include <set>

#include "elf/elf_info.hpp"
#include "policy/check.hpp"
#include "policy/fix_hints.hpp"
#include "resolve/resolve.hpp"
#include "support/file.hpp"
#include "support/parallel.hpp"
#include "support/text.hpp"

namespace ferry::policy {
namespace {

bool has_archive_name(const std::string& p) {
  for (const char* ext : {".whl", ".zip", ".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.zst", ".tzst",
                          ".tar.bz2"})
    if (p.size() > std::strlen(ext) && p.compare(p.size() - std::strlen(ext), std::strlen(ext), ext) == 0) return true;
  return false;
}

// A directory walk follows symlinks to files, so libfoo.so, libfoo.so.1 and libfoo.so.1.2 are one file seen
// three times: keep one path per inode (the real file's, not a symlink's), in the walk's order.
std::vector<std::string> unique_files(const std::vector<std::string>& files) {
  std::map<std::pair<dev_t, ino_t>, size_t> chosen;  // inode -> index into `keep`
  std::vector<std::pair<std::string, bool>> keep;     // path, still kept
  for (const auto& f : files) {
    struct stat st, lst;
    if (::stat(f.c_str(), &st) != 0) {
      keep.push_back({f, true});  // let the reader report the problem
      continue;
    }
    bool link = ::lstat(f.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode);
    auto key = std::make_pair(st.st_dev, st.st_ino);
    auto it = chosen.find(key);
    if (it == chosen.end()) {
      chosen[key] = keep.size();
      keep.push_back({f, true});
      continue;
    }
    bool kept_is_link = false;
    if (::lstat(keep[it->second].first.c_str(), &lst) == 0) kept_is_link = S_ISLNK(lst.st_mode);
    if (kept_is_link && !link) {  // prefer the real file's path
      keep[it->second].second = false;
      it->second = keep.size();
      keep.push_back({f, true});
    }
  }
  std::vector<std::string> out;
  for (auto& [p, k] : keep)
    if (k) out.push_back(p);
  return out;
}

// One unit of parallel work: a file on disk (ELF, or an archive) belonging to an input.
struct WorkItem {
  std::string path;
  size_t input = 0;
  bool explicit_arg = false;  // given on the command line: non-binaries are errors, not skipped
};

struct Decoded {
  std::string display;
  elf::ElfInfo info;
  bool unsafe = false;
};

struct ItemResult {
  std::vector<Decoded> elves;  // dropped once judged
  std::vector<FileReport> files;
  std::vector<Error> errors;
  bool archive = false;
  std::string archive_kind;
  std::string best_manylinux, best_musllinux;  // archives: over all members
};

// Library lookup inside a sysroot for --sysroot: the root's ld.so.conf directories, then the loader defaults.
class SysrootLookup {
public:
  explicit SysrootLookup(const std::string& root) {
    resolve::ResolveOptions ro;
    ro.sysroot = root;
    ro.profile = resolve::detect_profile(root);
    resolver_ = std::make_unique<resolve::Resolver>(ro);
    dirs_ = resolver_->conf_dirs();
    for (const auto& d : ro.profile.default_dirs) dirs_.push_back(d);
  }
  std::optional<ProvidedLibrary> find(const std::string& name, const elf::ElfInfo& requester) {
    std::vector<std::string> candidates;
    if (name.find('/') != std::string::npos)
      candidates.push_back(name);
    else
      for (const auto& d : dirs_) candidates.push_back(d + "/" + name);
    for (const auto& c : candidates) {
      auto obj = resolver_->load(c);
      if (!obj || !(*obj)->info) continue;
      const elf::ElfInfo& li = *(*obj)->info;
      if (li.machine != requester.machine || li.bits != requester.bits) continue;
      ProvidedLibrary p;
      p.path = c;
      for (const auto& d : li.version_defs) p.versions.insert(d.name);
      return p;
    }
    return std::nullopt;
  }

private:
  std::unique_ptr<resolve::Resolver> resolver_;
  std::vector<std::string> dirs_;
};

void read_archive(const WorkItem& item, const CheckOptions& opts, ItemResult& out) {
  auto fmt = archive::detect_format(item.path);
  if (!fmt) {
    out.errors.push_back(fmt.error());
    return;
  }
  out.archive = true;
  out.archive_kind = *fmt == archive::Format::zip ? "zip" : "tar";
  std::vector<Error> skipped;
  elf::ReadOptions ro;
  auto st = archive::for_each_member(
      item.path, {},
      [&](const archive::Member& m, std::vector<uint8_t>&& bytes) -> Status {
        ByteView view(bytes.data(), bytes.size());
        if (sniff(view) != FileKind::elf) return {};
        std::string display = archive::member_display_path(item.path, m.name);
        auto info = elf::read_elf(view, display, ro);
        if (!info) {
          out.errors.push_back(info.error().with_path(display));
          return {};
        }
        out.elves.push_back({display, std::move(*info), archive::is_unsafe_member_name(m.name)});
        return {};
      },
      opts.limits, &skipped,
      // Only members that start like an ELF file are read whole (archive.hpp ReadLimits: memory follows data).
      [](const uint8_t* head, size_t n) { return sniff(ByteView(head, n)) == FileKind::elf; });
  for (auto& e : skipped) out.errors.push_back(e);
  if (!st) out.errors.push_back(st.error());
}

void read_item(const WorkItem& item, const CheckOptions& opts, ItemResult& out) {
  auto mapped = MappedFile::open(item.path);
  if (!mapped) {
    out.errors.push_back(mapped.error());
    return;
  }
  FileKind kind = sniff(mapped->view());
  if (kind == FileKind::elf) {
    auto info = elf::read_elf(mapped->view(), item.path);
    if (!info) {
      out.errors.push_back(info.error().with_path(item.path));
      return;
    }
    out.elves.push_back({item.path, std::move(*info), false});
    return;
  }
  bool archive_like = kind == FileKind::zip || kind == FileKind::tar || kind == FileKind::gzip ||
                      kind == FileKind::xz || kind == FileKind::zstd;
  if (archive_like && (item.explicit_arg || has_archive_name(item.path))) {
    mapped = MappedFile();  // release the mapping; the archive readers open the file themselves
    read_archive(item, opts, out);
    return;
  }
  if (item.explicit_arg)
    out.errors.push_back(
        make_error(ErrorCode::unsupported, "not an ELF file, zip/wheel or tar archive").with_path(item.path));
}

// The targets one file is checked against: (target, nullptr-reason) pairs in the order of CheckOptions::targets.
using Resolved = std::pair<const Target*, std::pair<std::string, std::string>>;
std::vector<Resolved> targets_for(const CheckOptions& opts, const std::string& arch) {
  std::vector<Resolved> out;
  if (opts.targets.empty()) {
    if (!opts.custom.empty()) {
      for (const auto& t : opts.custom)
        if (t.arch == arch) out.push_back({&t, {}});
      return out;
    }
    for (const auto* t : targets_for_arch(arch)) out.push_back({t, {}});
    return out;
  }
  for (const auto& name : opts.targets) {
    auto t = resolve_target(name, arch, opts.custom);
    if (t) out.push_back({*t, {}});
    else out.push_back({nullptr, {name, t.error().message}});
  }
  return out;
}

// The verdicts of one decoded file against every target it is checked against.
FileReport judge(const Decoded& d, const std::string& input, const Environment& env, const CheckOptions& opts) {
  FileReport fr;
  fr.path = d.display;
  fr.input = input;
  fr.arch = arch_of(d.info);
  fr.kind = elf::to_string(d.info.kind);
  fr.soname = d.info.soname;
  fr.needed = d.info.needed;
  fr.unsafe_name = d.unsafe;
  fr.requirements = summarize(d.info);
  for (const auto& [t, err] : targets_for(opts, fr.arch)) {
    if (t) {
      fr.verdicts.push_back(evaluate(d.info, *t, env, opts.eval));
      continue;
    }
    TargetVerdict v;  // the named target has no variant for this architecture
    v.target = err.first;
    v.tag = err.first;
    v.pass = false;
    Issue i;
    i.kind = IssueKind::architecture;
    i.message = err.second;
    v.issues.push_back(i);
    fr.verdicts.push_back(v);
  }
  if (const Target* o = oldest_target(d.info, env, opts.eval)) {
    fr.oldest_target = o->name;
    fr.oldest_target_description = o->description;
  }
  if (const Target* b = best_policy({&d.info}, Family::manylinux, env, opts.eval)) fr.best_manylinux = b->tag();
  return fr;
}

}  // namespace

Result<const Target*> resolve_target(const std::string& name, const std::string& arch, const std::vector<Target>& custom) {
  bool custom_name = false;
  for (const auto& t : custom) {
    bool match = t.name == name || std::find(t.aliases.begin(), t.aliases.end(), name) != t.aliases.end() ||
                 t.tag() == name;
    if (!match) continue;
    custom_name = true;
    if (t.arch == arch || t.tag() == name) return &t;
  }
  if (custom_name)
    return make_error(ErrorCode::not_found, "target '" + name + "' has no " + arch + " variant in its policy file");
  return find_target(name, arch);
}

Result<Target> target_from_sysroot(const std::string& root, const std::string& arch) {
  auto libc = find_root_library(root, arch, "libc.so.6");
  if (!libc)
    return make_error(ErrorCode::not_found, "no " + arch + " libc.so.6 in the sysroot").with_path(root);
  Target t;
  t.name = "sysroot";
  t.family = Family::custom;
  t.arch = arch;
  t.description = "the libraries of " + root;
  auto learn = [&](const elf::ElfInfo& lib) {
    for (const auto& d : lib.version_defs) {
      if (d.flags & elf::ver_flg::base) continue;  // the file's own name
      auto vn = split_version_name(d.name);
      if (!vn) continue;
      auto& rule = t.versions[vn->ns];
      if (auto num = Version::parse(vn->suffix)) {
        if (!rule.ceiling || *rule.ceiling < *num) rule.ceiling = num;
      } else {
        rule.special.insert(vn->suffix);
      }
    }
  };
  learn(*libc);
  for (const char* so : {"libstdc++.so.6", "libgcc_s.so.1"})
    if (auto lib = find_root_library(root, arch, so)) learn(*lib);
  if (auto g = t.versions.find("GLIBC"); g != t.versions.end() && g->second.ceiling) t.libc_version = *g->second.ceiling;
  // The root's own definitions are checked exactly (missing-version issues); ceilings would only repeat them.
  t.versions.clear();
  // glibc <= 2.33 installs libc.so.6 -> libc-X.Y.so: the release itself (X.Y may define no new version node).
  std::error_code ec;
  auto link = std::filesystem::read_symlink(libc->path, ec).filename().string();
  if (!ec && link.starts_with("libc-") && link.size() > 8 && link.compare(link.size() - 3, 3, ".so") == 0)
    if (auto v = Version::parse(link.substr(5, link.size() - 8))) t.libc_version = *v;
  t.description += " (glibc " + t.libc_version.str() + ")";
  return t;
}

bool FileReport::passed() const {
  return std::all_of(verdicts.begin(), verdicts.end(), [](const TargetVerdict& v) { return v.pass; });
}

bool CheckReport::all_passed() const {
  return std::all_of(files.begin(), files.end(), [](const FileReport& f) { return f.passed(); });
}

namespace {

// 1. Inputs expanded into work items, in a stable order. A directory ships its files' names (symlink names
// included: they are the sonames others need); each archive ships its members. Fills report.inputs (and, on the
// first shard, report.errors for paths that could not be walked); returns the items and each input's shipped names.
struct Expanded {
  std::vector<WorkItem> items;
  std::vector<Environment> dir_envs;  // per input
};
Expanded expand_inputs(const std::vector<std::string>& inputs, const CheckOptions& opts, CheckReport& report) {
  Expanded x;
  size_t expanded = 0;  // position in the expanded list, for --shard
  x.dir_envs.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    InputReport ir;
    ir.input = inputs[i];
    WalkResult w = walk_paths({inputs[i]});
    if (opts.shard.first())
      for (auto& e : w.errors) {
        if (opts.on_error) opts.on_error(e);
        report.errors.push_back(e);
      }
    bool walked = !(w.files.size() == 1 && w.files[0] == inputs[i]);
    ir.kind = walked ? "directory" : "file";
    for (auto& f : w.files)
      if (walked) x.dir_envs[i].shipped.insert(basename_of(f));
    for (auto& f : walked ? unique_files(w.files) : w.files) {
      // Separate debug info (build-id trees, *.debug) is ELF but not a loadable object.
      if (walked && (f.find("/.build-id/") != std::string::npos || f.ends_with(".debug"))) continue;
      if (opts.shard.takes(expanded++)) x.items.push_back({f, i, !walked});
    }
    report.inputs.push_back(ir);
  }
  return x;
}

// What --sysroot provides for the needed names of a file, looked up once per name and machine (thread-safe).
class RootProvider {
public:
  explicit RootProvider(const std::string& sysroot) {
    if (!sysroot.empty()) lookup_ = std::make_unique<SysrootLookup>(sysroot);
  }
  bool active() const { return lookup_ != nullptr; }
  // Adds to `env` what the sysroot provides for the needed names of `info`.
  void provide(const elf::ElfInfo& info, Environment& env) {
    if (!env.sysroot) env.sysroot.emplace();
    for (const auto& n : info.needed) {
      if (env.is_shipped(n) && !is_glibc_library(n)) continue;
      std::string key = n + "\n" + std::to_string(info.machine) + "/" + std::to_string(info.bits);
      std::lock_guard<std::mutex> lock(mu_);
      auto it = found_.find(key);
      if (it == found_.end()) it = found_.emplace(key, lookup_->find(n, info)).first;
      if (it->second) (*env.sysroot)[n] = *it->second;
    }
  }

private:
  std::unique_ptr<SysrootLookup> lookup_;
  std::mutex mu_;
  std::map<std::string, std::optional<ProvidedLibrary>> found_;  // name + machine -> what the root provides
};

// 2. One work item decoded and judged (a worker task): each ELF file against the targets, and an archive's best
// tags over all its members. Decoded files are dropped once judged, so memory does not grow with the input.
void judge_item(const WorkItem& item, const std::string& input, const Environment& dir_env, const CheckOptions& opts,
                RootProvider& root, ItemResult& res) {
  read_item(item, opts, res);
  Environment archive_env;
  const Environment* env = &dir_env;
  if (res.archive) {
    for (const auto& e : res.elves) {
      archive_env.shipped.insert(basename_of(e.display));
      if (e.info.soname) archive_env.shipped.insert(*e.info.soname);
    }
    env = &archive_env;
  }
  for (const auto& d : res.elves) {
    Environment with_root;  // the unit's shipped names by reference, plus what the root provides
    const Environment* use = env;
    if (root.active()) {
      with_root.also_shipped = &env->shipped;
      root.provide(d.info, with_root);
      use = &with_root;
    }
    res.files.push_back(judge(d, input, *use, opts));
  }
  if (res.archive && !res.elves.empty()) {
    std::vector<const elf::ElfInfo*> elves;
    for (const auto& e : res.elves) elves.push_back(&e.info);
    Environment all;
    all.also_shipped = &archive_env.shipped;
    if (root.active())
      for (const auto& e : res.elves) root.provide(e.info, all);
    if (const Target* b = best_policy(elves, Family::manylinux, all, opts.eval)) res.best_manylinux = b->tag();
    if (const Target* b = best_policy(elves, Family::musllinux, all, opts.eval)) res.best_musllinux = b->tag();
  }
  res.elves.clear();
  res.elves.shrink_to_fit();
}

// 4. Fix hints, with one symbol catalog per architecture that has offending symbols (loaded when first needed;
// its sources are added to `hint_sources`).
void add_hints(FileReport& fr, const CheckOptions& opts, std::map<std::string, SymbolCatalog>& catalogs,
               std::vector<std::string>& hint_sources) {
  auto resolved = targets_for(opts, fr.arch);
  for (size_t v = 0; v < fr.verdicts.size(); ++v) {
    auto& verdict = fr.verdicts[v];
    bool any = std::any_of(verdict.issues.begin(), verdict.issues.end(), [](const Issue& i) {
      return i.kind == IssueKind::symbol_version || i.kind == IssueKind::missing_version;
    });
    if (!any || v >= resolved.size() || !resolved[v].first) continue;
    auto it = catalogs.find(fr.arch);
    if (it == catalogs.end()) {
      it = catalogs.emplace(fr.arch, load_symbol_catalog(opts.sysroot, fr.arch)).first;
      for (const auto& src : it->second.sources()) hint_sources.push_back(src);
    }
    add_fix_hints(verdict, *resolved[v].first, it->second);
  }
}

// 5. Each input's range of files, and a directory's best tag: the least compatible of its files' (the manylinux
// policies nest: a file passing one passes every newer one).
void summarize_inputs(CheckReport& report, const std::vector<size_t>& file_input) {
  for (size_t i = 0, pos = 0; i < report.inputs.size(); ++i) {
    InputReport& in = report.inputs[i];
    in.first_file = pos;
    while (pos < report.files.size() && file_input[pos] == i) ++pos;
    in.file_count = pos - in.first_file;
    if (in.kind == "directory" && in.file_count) {
      const Target* least = nullptr;
      bool none = false;
      for (size_t f = in.first_file; f < pos && !none; ++f) {
        const auto& fr = report.files[f];
        auto t = fr.best_manylinux.empty() ? Result<const Target*>(Error{}) : find_target(fr.best_manylinux, fr.arch);
        if (!t) none = true;
        else if (!least || (*t)->priority < least->priority) least = *t;
      }
      if (!none && least) in.best_manylinux = least->tag();
    }
  }
}

}  // namespace

CheckReport run_check(const std::vector<std::string>& inputs, const CheckOptions& opts) {
  CheckReport report;
  report.targets = opts.targets;
  Expanded x = expand_inputs(inputs, opts, report);
  const std::vector<WorkItem>& items = x.items;
  RootProvider root(opts.sysroot);
  std::map<std::string, SymbolCatalog> catalogs;
  std::vector<size_t> file_input;  // input index of each collected file
  size_t emitted = 0;
  // 3. Collect in order, on this thread, as each item is done (opts.on_file streams from here). An input's best
  // tag is its archive's (a wheel); a directory's comes from summarize_inputs.
  auto collect = [&](ItemResult& res) {
    size_t k = emitted++;
    InputReport& in = report.inputs[items[k].input];
    if (res.archive && items[k].explicit_arg) {
      in.kind = res.archive_kind;
      in.best_manylinux = res.best_manylinux;
      in.best_musllinux = res.best_musllinux;
    }
    for (auto& f : res.files) {
      if (opts.hints) add_hints(f, opts, catalogs, report.hint_sources);
      if (opts.on_file) opts.on_file(f, in);
      report.files.push_back(std::move(f));
      file_input.push_back(items[k].input);
    }
    for (auto& e : res.errors) {
      if (opts.on_error) opts.on_error(e);
      report.errors.push_back(std::move(e));
    }
  };
  // Progress counts each item's size on disk (an archive's compressed size); no stat without a callback.
  std::vector<uint64_t> sizes(opts.progress ? items.size() : 0);
  uint64_t bytes_total = 0;
  for (size_t k = 0; k < sizes.size(); ++k) {
    std::error_code ec;
    sizes[k] = std::filesystem::file_size(items[k].path, ec);
    if (ec) sizes[k] = 0;
    bytes_total += sizes[k];
  }
  ProgressMeter meter(&opts.progress, "checking", items.size(), bytes_total);
  // Results are stored by index: the order stays stable whatever the number of jobs.
  parallel_for_ordered<ItemResult>(items.size(), [&](size_t k, ItemResult& res) {
    judge_item(items[k], inputs[items[k].input], x.dir_envs[items[k].input], opts, root, res);
    meter.add(1, sizes.empty() ? 0 : sizes[k]);
  }, collect, opts.jobs);
  meter.finish();
  summarize_inputs(report, file_input);
  return report;
}

}  // namespace ferry::policy
