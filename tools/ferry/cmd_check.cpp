// `ferry check PATH...`: will these binaries run on a target (manylinux, musllinux, a distro, a custom policy,
// or an actual root)? Which symbol says no, and how to fix it. The work is policy::run_check; rendering is in
// lib/report/check_*.cpp (--html: check_html.cpp, with the graphs of lib/resolve). Exit 0 all pass, 1 something
// fails a target, 2 usage or input errors.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli.hpp"
#include "progress_line.hpp"
#include "policy/check.hpp"
#include "report/check_html.hpp"
#include "report/check_report.hpp"
#include "report/encoding.hpp"
#include "report/json_lines.hpp"
#include "support/file.hpp"

namespace ferry::cli {

namespace {

struct CheckArgs {
  std::vector<std::string> paths;
  std::vector<std::string> targets;
  std::vector<std::string> policies;
  std::string sysroot;
  std::string arch;
  std::string output;
  bool list_targets = false, json = false, sarif = false, junit = false, github = false, markdown = false, html = false;
  bool no_hints = false, quiet = false, auditwheel = false, no_isa = false, progress = false;
  unsigned jobs = 0;
  uint64_t max_member_size = uint64_t{4} << 30;
  FleetArgs fleet;
};

int list_targets(const CheckArgs& a, const std::vector<policy::Target>& custom) {
  std::vector<const policy::Target*> ts;
  for (const auto& t : custom)
    if (a.arch.empty() || t.arch == a.arch) ts.push_back(&t);
  for (const auto* t : policy::targets_for_arch(a.arch)) ts.push_back(t);
  if (a.json) {
    std::printf("%s\n", report::dump_json(report::targets_to_json(ts), 2).c_str());
  } else {
    report::TextStyle style{stdout_is_color()};
    std::fputs(report::targets_to_text(ts, style).c_str(), stdout);
  }
  return exit_ok;
}

// --html: the dependency graphs are resolved as `ferry deps` would (this machine's loader, or the sysroot's).
std::string html_report(const CheckArgs& a, const policy::CheckReport& r) {
  resolve::ResolveOptions ro;
  ro.sysroot = a.sysroot;
  if (!a.sysroot.empty()) ro.profile = resolve::detect_profile(a.sysroot);
  else ro.ld_library_path = env_ld_library_path();
  report::HtmlOptions ho;
  ho.version = FERRY_VERSION;
  return report::check_to_html(r, report::dependency_graphs(r, ro), ho);
}

// Every target name must mean something for some architecture; a typo is a usage error, not a failed check.
bool targets_known(const CheckArgs& a, const std::vector<policy::Target>& custom) {
  for (const auto& name : a.targets) {
    bool known = false;
    Error first;
    for (const char* arch : {"x86_64", "aarch64", "i686", "ppc64le", "s390x", "armv7l", "riscv64", "loongarch64", "ppc64"}) {
      auto t = policy::resolve_target(name, a.arch.empty() ? arch : a.arch, custom);
      if (t) {
        known = true;
        break;
      }
      if (first.message.empty()) first = t.error();
    }
    if (!known) {
      print_error(first);
      return false;
    }
  }
  return true;
}

// The report in the format asked for (empty for --json-lines: its lines were written as files were judged).
std::string render_check(const policy::CheckReport& r, const CheckArgs& a) {
  std::string out;
  if (a.fleet.json_lines) {
    // Written as they came.
  } else if (a.json) out = report::dump_json(report::check_to_json(r), 2) + "\n";
  else if (a.sarif) out = report::dump_json(report::check_to_sarif(r), 2) + "\n";
  else if (a.junit) out = report::check_to_junit(r);
  else if (a.github) out = report::check_to_github(r);
  else if (a.markdown) out = report::check_to_markdown(r);
  else if (a.html) out = html_report(a, r);
  else {
    report::TextStyle style{a.output.empty() && stdout_is_color()};
    report::CheckTextOptions topts;
    topts.hints = !a.no_hints;
    topts.quiet = a.quiet;
    out = report::check_to_text(r, style, topts);
  }
  // Text formats: names that are not UTF-8 are written as \xHH, as in the JSON formats (report/encoding.hpp).
  if (!a.json && !a.sarif && !a.html && !a.fleet.json_lines) out = report::escape_invalid_utf8(out);
  return out;
}

int run_check(const CheckArgs& a) {
  std::vector<policy::Target> custom;
  for (const auto& p : a.policies) {
    auto r = policy::read_policy_file(p);
    if (!r) {
      print_error(r.error());
      return exit_usage;
    }
    for (auto& t : *r) custom.push_back(std::move(t));
  }
  if (a.list_targets) return list_targets(a, custom);
  if (a.paths.empty()) {
    print_error("check: give files, directories, wheels or tarballs to check (or --list-targets)");
    return exit_usage;
  }
  if (!targets_known(a, custom)) return exit_usage;
  if (!a.sysroot.empty() && !std::filesystem::is_directory(a.sysroot)) {
    print_error(a.sysroot + ": --sysroot is not a directory");
    return exit_usage;
  }
  policy::CheckOptions opts;
  opts.targets = a.targets;
  if (!a.arch.empty())
    for (auto& t : opts.targets)
      if (policy::find_target(t, a.arch).ok()) t = (*policy::find_target(t, a.arch))->tag();
  if (opts.targets.empty() && custom.empty() && !a.sysroot.empty()) {
    // --sysroot alone: the root itself is the target (its libc/libstdc++/libgcc_s versions), for every arch it has.
    for (const char* arch : {"x86_64", "i686", "aarch64", "armv7l", "ppc64le", "s390x", "riscv64", "loongarch64"})
      if (auto t = policy::target_from_sysroot(a.sysroot, arch)) custom.push_back(std::move(*t));
    if (custom.empty()) {
      print_error(a.sysroot + ": --sysroot has no libc.so.6 for any architecture");
      return exit_usage;
    }
  }
  if (opts.targets.empty())  // --policy without --target: gate on every target the policy files define
    for (const auto& t : custom)
      if (std::find(opts.targets.begin(), opts.targets.end(), t.name) == opts.targets.end()) opts.targets.push_back(t.name);
  opts.custom = std::move(custom);
  opts.sysroot = a.sysroot;
  opts.hints = !a.no_hints;
  opts.jobs = a.jobs;
  opts.eval.auditwheel_compat = a.auditwheel;
  opts.eval.check_isa = !a.no_isa;
  opts.limits.max_member_size = a.max_member_size;
  opts.shard = a.fleet.shard();
  opts.progress = progress_callback(a.progress);
  // --json-lines: each file's line is written (and flushed) as soon as it and every file before it are judged.
  auto write_line = [](const nlohmann::json& j) {
    std::string line = report::dump_line(j);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
  };
  if (a.fleet.json_lines) {
    const std::vector<std::string> targets = opts.targets;
    opts.on_file = [&, targets](const policy::FileReport& f, const policy::InputReport& in) {
      write_line(report::check_line(f, in, targets));
    };
    opts.on_error = [&](const Error& e) { write_line(report::error_line("ferry.check/1", e.path, e)); };
  }
  policy::CheckReport r = policy::run_check(a.paths, opts);

  const std::string out = render_check(r, a);
  for (const auto& e : r.errors) print_error(e);
  if (a.output.empty() || a.output == "-") {
    std::fwrite(out.data(), 1, out.size(), stdout);
  } else {
    auto st = atomic_write(a.output, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(out.data()), out.size()));
    if (!st) {
      print_error(st.error());
      return exit_usage;
    }
  }
  if (!r.errors.empty()) return exit_usage;
  if (r.targets.empty()) return exit_ok;  // an overview (no target, no policy, no sysroot) gates nothing
  return r.all_passed() ? exit_ok : exit_failed;
}

}  // namespace

void register_check(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<CheckArgs>();
  auto* sub = app.add_subcommand(
      "check", "Will it run on CentOS 6, manylinux2014, Ubuntu 20.04? Which symbol says no, and how to fix it");
  sub->add_option("paths", args->paths,
                  "ELF files, directories (recursive), wheels/zips and tarballs (.tar, .tar.gz, .tar.xz, .tar.zst; "
                  "read in memory)");
  sub->add_option("-t,--target,--plat", args->targets,
                  "target to gate on (repeatable): manylinux2014, manylinux_2_28, musllinux_1_2, centos7, rhel9, "
                  "debian11, ubuntu-20.04, ...; a tag like manylinux2014_aarch64 pins the architecture")
      ->allow_extra_args(false);
  sub->add_option("--policy", args->policies, "JSON file with custom targets (ferry.policy/1 or auditwheel's format)")
      ->allow_extra_args(false);
  sub->add_option("--sysroot", args->sysroot,
                  "check against the libraries of a root: every needed library must be there and define every "
                  "required version");
  sub->add_option("--arch", args->arch, "architecture for target names and --list-targets (default: each file's)");
  sub->add_flag("--list-targets", args->list_targets, "list built-in (and --policy) targets with their ceilings");
  auto* json = sub->add_flag("--json", args->json, "JSON output (schema ferry.check/1)");
  auto* sarif = sub->add_flag("--sarif", args->sarif, "SARIF 2.1.0 (GitHub code scanning)");
  auto* junit = sub->add_flag("--junit", args->junit, "JUnit XML (CI test reports)");
  auto* github = sub->add_flag("--github", args->github, "GitHub workflow annotations (::error file=...)");
  auto* markdown = sub->add_flag("--markdown", args->markdown, "Markdown job summary");
  auto* html = sub->add_flag("--html", args->html,
                             "one self-contained HTML page (use with -o): the files x targets matrix with fixes, "
                             "and each file's dependency graph");
  auto* lines = add_fleet_options(sub, args->fleet, "ferry.check/1");
  for (auto* a : {json, sarif, junit, github, markdown, html, lines})
    for (auto* b : {json, sarif, junit, github, markdown, html, lines})
      if (a != b) a->excludes(b);
  sub->add_option("-o,--output", args->output, "write the report to FILE (atomically) instead of stdout");
  lines->excludes("--output");  // lines stream to stdout
  sub->add_flag("--no-hints", args->no_hints, "do not learn older symbol versions or print fixes");
  sub->add_flag("-q,--quiet", args->quiet, "text: print only failing files and the summary");
  sub->add_flag("--auditwheel-compat", args->auditwheel,
                "check only what auditwheel checks (symbol versions, whitelist, blacklist, ISA)");
  sub->add_flag("--disable-isa-ext-check", args->no_isa, "do not check the x86-64 ISA level (auditwheel's option)");
  sub->add_option("-j,--jobs", args->jobs, "parallel workers (default: all cores)");
  sub->add_flag("--progress", args->progress,
                "draw progress on stderr even when it is not a terminal (a terminal gets it after ~2 s anyway)");
  sub->add_option("--max-member-size", args->max_member_size, "largest archive member read, in bytes (default 4 GiB)");
  sub->footer(
      "Exit status: 0 everything passes (or no target given), 1 something fails a target, 2 bad arguments or "
      "unreadable input.");
  sub->callback([args, &ctx] { ctx.exit_code = run_check(*args); });
}

}  // namespace ferry::cli
