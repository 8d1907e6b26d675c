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

int run_deps(const DepsArgs& a) {
  resolve::ResolveOptions opts;
  opts.sysroot = a.sysroot;
  if (!opts.sysroot.empty()) {
    char buf[PATH_MAX];
    if (!::realpath(opts.sysroot.c_str(), buf)) {
      print_error(a.sysroot + ": --sysroot directory does not exist");
      return exit_usage;
    }
    opts.sysroot = buf;
    if (opts.sysroot == "/") opts.sysroot.clear();
  }
  if (!a.target.empty()) {
    auto p = resolve::find_profile(a.target);
    if (!p) {
      print_error(p.error());
      return exit_usage;
    }
    opts.profile = *p;
  } else if (!a.sysroot.empty()) {
    opts.profile = resolve::detect_profile(a.sysroot);
  }
  opts.ld_library_path = a.ld_library_path;
  // The environment describes this machine's processes, not another root's.
  if (a.sysroot.empty()) opts.from_environment();
  opts.secure = a.secure;
  opts.inhibit_cache = a.inhibit_cache;
  opts.extra_dirs = a.search_dirs;
  if (!a.executable_path.empty()) opts.executable_path = a.executable_path;
  // The tree and its reports need only the headers and dynamic names of each object.
  opts.elf_headers_only = true;
  // Text, --list and --dot show the places tried only under missing libraries; --json and --why show them all.
  const bool lines = a.fleet.json_lines;
  opts.record_tried = a.json || lines || !a.why.empty();
  // --list prints the load order and the missing libraries, nothing else of the tree.
  opts.keep_tree = !(a.list && a.why.empty() && !a.json && !a.dot && !lines);

  // Explicit files must be binaries; files found by walking a directory that are not are skipped silently.
  std::vector<std::string> files;
  std::vector<std::optional<resolve::Resolver::KnownFile>> known;  // per file: what our lstat found
  int rc = exit_ok;
  const Shard shard = a.fleet.shard();
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
      files.push_back(p);
      known.push_back(resolve::Resolver::KnownFile{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                                                   static_cast<uint64_t>(st.st_size)});
      continue;
    }
    WalkResult w = walk_paths({p});
    if (!shard.first()) w.errors.clear();  // reported once, by the first shard
    for (auto& e : w.errors) {
      print_error(e);
      rc = exit_usage;
    }
    bool walked = w.files.size() != 1 || w.files[0] != p;
    for (auto& f : w.files) {
      if (walked) {
        FileKind k = sniff_file(f);
        if (k != FileKind::elf && k != FileKind::macho && k != FileKind::macho_fat && k != FileKind::pe) continue;
      }
      files.push_back(f);
      known.emplace_back();
    }
  }

  if (!shard.all()) {
    std::vector<std::string> mine;
    std::vector<std::optional<resolve::Resolver::KnownFile>> mine_known;
    for (size_t i = 0; i < files.size(); ++i)
      if (shard.takes(i)) {
        mine.push_back(std::move(files[i]));
        mine_known.push_back(known[i]);
      }
    files = std::move(mine);
    known = std::move(mine_known);
  }

  resolve::Resolver resolver(opts);
  report::TextStyle style{stdout_is_color() && !a.json && !a.dot};
  report::DepsTextOptions topts;
  topts.show_tried = !a.no_tried;
  std::vector<report::DepsResult> all;
  bool any_missing = false, any_why = false;
  bool first = true;
  const bool keep_trees = a.json || a.dot;
  // On the resolving thread: the tree, and for text output its rendering (the tree is then freed there, by the
  // thread that allocated it).
  auto resolve_one = [&](size_t i, Rendered& out) {
    auto& r = out.result;
    r.file = files[i];
    auto t = known[i] ? resolver.resolve(r.file, *known[i]) : resolver.resolve(r.file);
    if (!t) {
      r.error = t.error();
      if (lines) out.text = report::dump_line(report::deps_line(r, opts));
      return;
    }
    out.missing = !t->complete();
    if (lines) {
      r.tree = std::move(t.value());
      out.text = report::dump_line(report::deps_line(r, opts));
      r.tree.reset();
      out.shown = true;
      return;
    }
    if (keep_trees) {
      r.tree = std::move(t.value());
      return;
    }
    if (!a.why.empty()) {
      std::string w = report::deps_why(*t, a.why, style);
      if (w.empty()) return;
      out.shown = true;
      out.text = (files.size() > 1 ? report::bold(r.file + ":", style) + "\n" : "") + w;
    } else if (a.list) {
      std::string body = report::deps_to_list(*t, style);
      out.shown = true;
      if (files.size() > 1) {
        out.text.reserve(r.file.size() + 2 + body.size() + body.size() / 16);
        out.text += r.file;
        out.text += ":\n";
        for (size_t s = 0; s < body.size();) {
          size_t e = body.find('\n', s);
          e = e == std::string::npos ? body.size() : e + 1;
          out.text += '\t';
          out.text.append(body, s, e - s);
          s = e;
        }
      } else {
        out.text = std::move(body);
      }
    } else {
      out.shown = true;
      out.text = report::deps_to_text(*t, style, topts);
    }
  };
  // On the calling thread, in file order.
  auto emit = [&](Rendered& out) {
    auto& r = out.result;
    if (r.error) {
      print_error(*r.error);
      rc = exit_usage;
      if (lines) std::fwrite(out.text.data(), 1, out.text.size(), stdout);
      if (keep_trees) all.push_back(std::move(r));
      return;
    }
    if (out.missing) any_missing = true;
    if (keep_trees) {
      all.push_back(std::move(r));
      return;
    }
    if (!out.shown) return;
    if (lines) {  // JSON escapes what is not UTF-8 itself; flushed so a consumer sees each file when it is ready
      std::fwrite(out.text.data(), 1, out.text.size(), stdout);
      std::fflush(stdout);
      return;
    }
    if (!a.why.empty()) any_why = true;
    // Text trees are separated by an empty line.
    if (a.why.empty() && !a.list && !first) std::fputc('\n', stdout);
    std::string text = report::escape_invalid_utf8(out.text);
    std::fwrite(text.data(), 1, text.size(), stdout);
    first = false;
  };
  parallel_for_ordered<Rendered>(files.size(), resolve_one, emit, a.jobs);
  // A damaged or unreadable ld.so.cache, ld.so.conf files not read: said once, never silently ignored.
  std::vector<std::string> warnings = files.empty() ? std::vector<std::string>{} : resolver.warnings();
  for (const auto& w : warnings) print_error("warning: " + w);
  if (a.json) {
    auto j = report::deps_to_json(all, opts);
    j["warnings"] = warnings;
    if (!a.why.empty()) j["why"] = a.why;
    std::puts(report::dump_json(std::move(j), 2).c_str());
  } else if (a.dot) {
    std::fputs(report::escape_invalid_utf8(report::deps_to_dot(all)).c_str(), stdout);
  }
  if (!a.why.empty() && !any_why && !a.json && !a.dot && !lines) {
    print_error(a.why + " is not a dependency of the files given");
    return rc == exit_ok ? exit_failed : rc;
  }
  if (rc != exit_ok) return rc;
  return any_missing ? exit_failed : exit_ok;
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
