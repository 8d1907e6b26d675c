// `ferry deps FILE|DIR...`: the dependency tree as the loader resolves it, with the rule that found each
// library; --list, --json, --dot, --why NAME. All work is in lib/resolve; rendering in lib/report/deps_*.
#include <climits>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <optional>

#include "cli.hpp"
#include "report/deps_report.hpp"
#include "report/encoding.hpp"
#include "report/json_lines.hpp"
#include "resolve/resolve.hpp"
#include "support/file.hpp"
#include "support/parallel.hpp"

namespace ferry::cli {

namespace {

// One file's answer: the tree (kept for --json and --dot) or its rendered text.
struct Rendered {
  report::DepsResult result;
  std::string text;
  bool shown = false;    // text is printed (--why: the file mentions the library)
  bool missing = false;  // some library is missing
};

struct DepsArgs {
  std::vector<std::string> paths;
  bool list = false, json = false, dot = false, all = false, secure = false, inhibit_cache = false, no_tried = false;
  std::string why;
  std::optional<std::string> ld_library_path;
  std::string sysroot;
  std::string target;
  std::vector<std::string> search_dirs;
  std::string executable_path;
  unsigned jobs = 0;
  FleetArgs fleet;
};

// The resolver's options from the arguments; nullopt (the error printed) for a bad --sysroot or --target.
std::optional<resolve::ResolveOptions> deps_options(const DepsArgs& a) {
  resolve::ResolveOptions opts;
  opts.sysroot = a.sysroot;
  if (!opts.sysroot.empty()) {
    char buf[PATH_MAX];
    if (!::realpath(opts.sysroot.c_str(), buf)) {
      print_error(a.sysroot + ": --sysroot directory does not exist");
      return std::nullopt;
    }
    opts.sysroot = buf;
    if (opts.sysroot == "/") opts.sysroot.clear();
  }
  if (!a.target.empty()) {
    auto p = resolve::find_profile(a.target);
    if (!p) {
      print_error(p.error());
      return std::nullopt;
    }
    opts.profile = *p;
  } else if (!a.sysroot.empty()) {
    opts.profile = resolve::detect_profile(a.sysroot);
  }
  opts.ld_library_path = a.ld_library_path;
  // The environment describes this machine's processes, not another root's.
  if (a.sysroot.empty() && !opts.ld_library_path) opts.ld_library_path = env_ld_library_path();
  opts.secure = a.secure;
  opts.inhibit_cache = a.inhibit_cache;
  opts.extra_dirs = a.search_dirs;
  if (!a.executable_path.empty()) opts.executable_path = a.executable_path;
  // The tree and its reports need only the headers and dynamic names of each object.
  opts.elf_headers_only = true;
  // Text, --list and --dot show the places tried only under missing libraries; --json and --why show them all.
  opts.record_tried = a.json || a.fleet.json_lines || !a.why.empty();
  // --list prints the load order and the missing libraries, nothing else of the tree.
  opts.keep_tree = !(a.list && a.why.empty() && !a.json && !a.dot && !a.fleet.json_lines);
  return opts;
}

// The files to resolve, in order, with what our lstat found for each named regular file.
struct DepsInputs {
  std::vector<std::string> files;
  std::vector<std::optional<resolve::Resolver::KnownFile>> known;
  bool bad_path = false;  // a path could not be walked (the error printed)
};

// Explicit files must be binaries; files found by walking a directory that are not are skipped silently.
DepsInputs collect_inputs(const DepsArgs& a, const resolve::ResolveOptions& opts, const Shard& shard) {
  DepsInputs in;
  for (const auto& given : a.paths) {
    // With --sysroot, an absolute path names a file inside the root unless it already points into it.
    std::string p = given;
    // A file that exists only outside the root (a program built for it) is read from where it is.
    struct stat st;
    if (!opts.sysroot.empty() && !p.empty() && p[0] == '/' && !p.starts_with(opts.sysroot + "/") &&
        (::stat((opts.sysroot + p).c_str(), &st) == 0 || ::stat(p.c_str(), &st) != 0))
      p = opts.sysroot + p;
    // A regular file given by name: one lstat, whose answer the resolver reuses (walk_paths would stat it, and
    // the resolver lstat it again).
    if (opts.sysroot.empty() && ::lstat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      in.files.push_back(p);
      in.known.push_back(resolve::Resolver::KnownFile{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                                                      static_cast<uint64_t>(st.st_size)});
      continue;
    }
    WalkResult w = walk_paths({p});
    if (!shard.first()) w.errors.clear();  // reported once, by the first shard
    for (auto& e : w.errors) {
      print_error(e);
      in.bad_path = true;
    }
    bool walked = w.files.size() != 1 || w.files[0] != p;
    for (auto& f : w.files) {
      if (walked) {
        FileKind k = sniff_file(f);
        if (k != FileKind::elf && k != FileKind::macho && k != FileKind::macho_fat && k != FileKind::pe) continue;
      }
      in.files.push_back(f);
      in.known.emplace_back();
    }
  }
  return in;
}

// This shard's share of the inputs.
DepsInputs take_shard(DepsInputs in, const Shard& shard) {
  if (shard.all()) return in;
  DepsInputs mine;
  mine.bad_path = in.bad_path;
  for (size_t i = 0; i < in.files.size(); ++i)
    if (shard.takes(i)) {
      mine.files.push_back(std::move(in.files[i]));
      mine.known.push_back(in.known[i]);
    }
  return mine;
}

// Resolves files on worker threads and prints them on the calling one, in order: the state of one `ferry deps`.
class DepsRun {
public:
  DepsRun(const DepsArgs& a, const resolve::ResolveOptions& opts, DepsInputs in)
      : a_(a), opts_(opts), in_(std::move(in)), resolver_(opts), style_{stdout_is_color() && !a.json && !a.dot} {
    topts_.show_tried = !a.no_tried;
    if (in_.bad_path) rc_ = exit_usage;
  }

  int run() {
    parallel_for_ordered<Rendered>(
        in_.files.size(), [this](size_t i, Rendered& out) { resolve_one(i, out); },
        [this](Rendered& out) { emit(out); }, a_.jobs);
    return finish();
  }

private:
  bool lines() const { return a_.fleet.json_lines; }
  bool keep_trees() const { return a_.json || a_.dot; }
  report::DepsTextMode mode() const {
    return !a_.why.empty() ? report::DepsTextMode::why : a_.list ? report::DepsTextMode::list : report::DepsTextMode::tree;
  }

  // On the resolving thread: the tree, and for text output its rendering (the tree is then freed there, by the
  // thread that allocated it).
  void resolve_one(size_t i, Rendered& out) {
    auto& r = out.result;
    r.file = in_.files[i];
    auto t = in_.known[i] ? resolver_.resolve(r.file, *in_.known[i]) : resolver_.resolve(r.file);
    if (!t) {
      r.error = t.error();
      if (lines()) out.text = report::dump_line(report::deps_line(r, opts_));
      return;
    }
    out.missing = !t->complete();
    if (lines()) {
      r.tree = std::move(t.value());
      out.text = report::dump_line(report::deps_line(r, opts_));
      r.tree.reset();
      out.shown = true;
    } else if (keep_trees()) {
      r.tree = std::move(t.value());
    } else {
      out.text = report::deps_file_text(r.file, *t, mode(), a_.why, in_.files.size() > 1, style_, topts_);
      out.shown = mode() != report::DepsTextMode::why || !out.text.empty();
    }
  }

  // On the calling thread, in file order.
  void emit(Rendered& out) {
    auto& r = out.result;
    if (r.error) {
      print_error(*r.error);
      rc_ = exit_usage;
      if (lines()) std::fwrite(out.text.data(), 1, out.text.size(), stdout);
      if (keep_trees()) all_.push_back(std::move(r));
      return;
    }
    if (out.missing) any_missing_ = true;
    if (keep_trees()) {
      all_.push_back(std::move(r));
      return;
    }
    if (!out.shown) return;
    if (lines()) {  // JSON escapes what is not UTF-8 itself; flushed so a consumer sees each file when it is ready
      std::fwrite(out.text.data(), 1, out.text.size(), stdout);
      std::fflush(stdout);
      return;
    }
    if (!a_.why.empty()) any_why_ = true;
    // Text trees are separated by an empty line.
    if (a_.why.empty() && !a_.list && !first_) std::fputc('\n', stdout);
    std::string text = report::escape_invalid_utf8(out.text);
    std::fwrite(text.data(), 1, text.size(), stdout);
    first_ = false;
  }

  int finish() {
    // A damaged or unreadable ld.so.cache, ld.so.conf files not read: said once, never silently ignored.
    std::vector<std::string> warnings = in_.files.empty() ? std::vector<std::string>{} : resolver_.warnings();
    for (const auto& w : warnings) print_error("warning: " + w);
    if (a_.json) {
      auto j = report::deps_to_json(all_, opts_);
      j["warnings"] = warnings;
      if (!a_.why.empty()) j["why"] = a_.why;
      std::puts(report::dump_json(std::move(j), 2).c_str());
    } else if (a_.dot) {
      std::fputs(report::escape_invalid_utf8(report::deps_to_dot(all_)).c_str(), stdout);
    }
    if (!a_.why.empty() && !any_why_ && !a_.json && !a_.dot && !lines()) {
      print_error(a_.why + " is not a dependency of the files given");
      return rc_ == exit_ok ? exit_failed : rc_;
    }
    if (rc_ != exit_ok) return rc_;
    return any_missing_ ? exit_failed : exit_ok;
  }

  const DepsArgs& a_;
  const resolve::ResolveOptions& opts_;
  DepsInputs in_;
  resolve::Resolver resolver_;
  report::TextStyle style_;
  report::DepsTextOptions topts_;
  std::vector<report::DepsResult> all_;
  int rc_ = exit_ok;
  bool any_missing_ = false, any_why_ = false, first_ = true;
};

int run_deps(const DepsArgs& a) {
  auto opts = deps_options(a);
  if (!opts) return exit_usage;
  const Shard shard = a.fleet.shard();
  DepsRun run(a, *opts, take_shard(collect_inputs(a, *opts, shard), shard));
  return run.run();
}

}  // namespace

void register_deps(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<DepsArgs>();
  auto* sub = app.add_subcommand("deps", "Resolve shared libraries exactly as the loader does, and say why");
  sub->add_option("paths", args->paths, "files or directories (walked recursively; non-binaries skipped)")->required();
  auto* list = sub->add_flag("-l,--list", args->list, "flat de-duplicated list in load order (ldd's shape)");
  auto* json = sub->add_flag("--json", args->json, "JSON output (schema ferry.deps/1)");
  auto* dot = sub->add_flag("--dot", args->dot, "Graphviz dot output");
  sub->add_option("--why", args->why, "explain how one library (soname, file name or path) is found or not");
  list->excludes(json)->excludes(dot);
  json->excludes(dot);
  add_fleet_options(sub, args->fleet, "ferry.deps/1")->excludes(json)->excludes(dot)->excludes(list);
  sub->add_option("--ld-library-path", args->ld_library_path,
                  "LD_LIBRARY_PATH to model (default: the environment's, none with --sysroot)");
  sub->add_option("--sysroot,--root", args->sysroot,
                  "resolve inside another root (container image, debootstrap, cross sysroot) with its ld.so.cache");
  sub->add_option("--target,--loader", args->target,
                  "loader profile: host, debian12, debian11, centos6, centos7, rhel8, rhel9, musl, macos, windows "
                  "(default: host, or detected from --sysroot)");
  sub->add_flag("--secure", args->secure, "model a setuid program (AT_SECURE): LD_LIBRARY_PATH ignored, $ORIGIN restricted");
  sub->add_flag("--inhibit-cache", args->inhibit_cache, "ignore ld.so.cache, as ld.so --inhibit-cache");
  sub->add_option("-L,--search-dir", args->search_dirs,
                  "extra directory searched first (ELF), or DLL / dylib search dir (PE, Mach-O); repeatable");
  sub->add_option("--executable-path", args->executable_path, "Mach-O: main executable for @executable_path");
  sub->add_flag("--no-tried", args->no_tried, "do not list the directories tried for missing libraries");
  sub->add_option("-j,--jobs", args->jobs, "parallel resolvers (default: all cores)");
  sub->footer("Exit status: 0 everything found, 1 some library is missing, 2 bad arguments or unreadable input.");
  sub->callback([args, &ctx] { ctx.exit_code = run_deps(*args); });
}

}  // namespace ferry::cli
