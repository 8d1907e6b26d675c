// `ferry bundle`: Exodus-style bundles (lib/bundle). Parses arguments, calls plan/write/install/verify, renders.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <climits>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bundle/bundle.hpp"
#include "cli.hpp"
#include "process.hpp"
#include "elf/elf_info.hpp"
#include "report/bundle_report.hpp"
#include "support/file.hpp"

// The static launcher, embedded by tools/launcher/CMakeLists.txt (.incbin).
extern "C" const uint8_t ferry_launcher_start[];
extern "C" const uint8_t ferry_launcher_end[];

namespace ferry::cli {

namespace {

struct BundleArgs {
  std::vector<std::string> executables;
  std::vector<std::string> command;  // after --
  bool has_command = false;
  std::string output;
  std::vector<std::string> adds, renames, allow_host, verify_args;
  std::string install_dir, verify_dir;
  bool detect = false, no_glibc_data = false, json = false, help = false;
};

constexpr const char* kUsage = R"(usage: ferry bundle EXE... -o OUT [options]
       ferry bundle [EXE...] -o OUT [options] --detect -- CMD [ARGS...]
       ferry bundle --install DIR | --verify OUT [--verify-arg ARG]...

  -o, --output OUT      a directory, OUT.tar.zst, OUT.tar.gz or a self-extracting OUT.sh
  --add SRC[=DEST]      extra file or directory (default DEST: /usr/X -> X); repeatable
  --rename OLD=NEW      the launcher name of a program; repeatable
  --allow-host LIB      a library (soname or path) the target's system provides; repeatable
  --detect              run CMD once under ptrace and add every file it opens; CMD's program is bundled too
                        (named before -- or not; the same program counts once)
  --no-glibc-data       do not bundle gconv modules and the C.UTF-8 locale
  --install DIR         install a bundle directory in place (programs start directly)
  --verify OUT          run each program of a bundle (directory, archive or .sh), list objects loaded from the host
  --verify-arg ARG      argument for each program under --verify (default --version); repeatable
  --json                JSON output
  -h, --help            this text)";

// The arguments after `bundle`, parsed here rather than by CLI11: CLI11 2.1 hands everything after `--` back to
// the parent command once a positional has a value, so `ferry bundle PROG --detect -- PROG ARGS` was refused.
// Options and executables mix freely before `--`; everything after it is the command, verbatim.
std::string parse_bundle_args(const std::vector<std::string>& in, BundleArgs& a) {
  struct Valued {
    const char* long_name;
    const char* short_name;
    std::function<void(const std::string&)> set;
  };
  const std::vector<Valued> valued = {
      {"--output", "-o", [&](const std::string& v) { a.output = v; }},
      {"--add", nullptr, [&](const std::string& v) { a.adds.push_back(v); }},
      {"--rename", nullptr, [&](const std::string& v) { a.renames.push_back(v); }},
      {"--allow-host", nullptr, [&](const std::string& v) { a.allow_host.push_back(v); }},
      {"--install", nullptr, [&](const std::string& v) { a.install_dir = v; }},
      {"--verify", nullptr, [&](const std::string& v) { a.verify_dir = v; }},
      {"--verify-arg", nullptr, [&](const std::string& v) { a.verify_args.push_back(v); }},
  };
  const std::vector<std::pair<const char*, bool*>> flags = {
      {"--detect", &a.detect}, {"--no-glibc-data", &a.no_glibc_data}, {"--json", &a.json}, {"--help", &a.help},
      {"-h", &a.help}};
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string& arg = in[i];
    if (arg == "--") {
      a.has_command = true;
      a.command.assign(in.begin() + static_cast<ptrdiff_t>(i) + 1, in.end());
      return "";
    }
    if (arg.size() < 2 || arg[0] != '-') {
      a.executables.push_back(arg);
      continue;
    }
    bool done = false;
    for (const auto& [name, target] : flags)
      if (arg == name) *target = done = true;
    for (const auto& v : valued) {
      if (done) break;
      std::string value;
      if (arg == v.long_name || (v.short_name && arg == v.short_name)) {
        if (i + 1 >= in.size()) return arg + " needs a value";
        value = in[++i];
      } else if (arg.starts_with(std::string(v.long_name) + "=")) {
        value = arg.substr(std::string(v.long_name).size() + 1);
      } else if (v.short_name && arg.starts_with(v.short_name) && arg.size() > 2 && arg[1] != '-') {
        value = arg.substr(2);
      } else {
        continue;
      }
      v.set(value);
      done = true;
    }
    if (!done) return "unknown option " + arg;
  }
  return "";
}

// A command's program as execvp finds it: through PATH when it has no '/'.
std::string program_of(const std::string& exe) {
  if (exe.find('/') != std::string::npos) return exe;
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "");
  std::string dir;
  while (std::getline(ss, dir, ':'))
    if (!dir.empty() && ::access((dir + "/" + exe).c_str(), X_OK) == 0) return dir + "/" + exe;
  return exe;
}

// A dynamically linked ELF program (what a bundle can hold), not a script or a static program.
bool is_dynamic_program(const std::string& path) {
  if (sniff_file(path) != FileKind::elf) return false;
  auto info = elf::read_elf_file(path, elf::ReadOptions{false});
  return info && info->interpreter.has_value();
}

std::string real_path(const std::string& p) {
  char buf[PATH_MAX];
  return ::realpath(p.c_str(), buf) ? std::string(buf) : p;
}

int run_install(const BundleArgs& a) {
  auto r = bundle::install_bundle(a.install_dir);
  if (!r) {
    print_error(r.error());
    return exit_usage;
  }
  if (a.json) std::printf("%s\n", report::install_to_json(*r).dump(2).c_str());
  else std::fputs(report::install_to_text(*r).c_str(), stdout);
  return exit_ok;
}

int run_verify(const BundleArgs& a) {
  std::vector<std::string> args = a.verify_args;
  if (args.empty()) args = {"--version"};
  auto r = bundle::verify_bundle(a.verify_dir, args, temp_root(), run_quiet);
  if (!r) {
    print_error(r.error());
    return exit_usage;
  }
  if (a.json) std::printf("%s\n", report::verify_to_json(*r).dump(2).c_str());
  else std::fputs(report::verify_to_text(*r).c_str(), stdout);
  return r->sealed() ? exit_ok : exit_failed;
}

int run_bundle(BundleArgs& a) {
  bundle::BundleOptions o;
  o.ld_library_path = env_ld_library_path();
  if (a.detect && a.command.empty()) {
    print_error("--detect needs the command to run after --, e.g. --detect -- python3 script.py");
    return exit_usage;
  }
  if (!a.detect && a.has_command) {
    print_error("a command after -- is run only with --detect");
    return exit_usage;
  }
  const std::vector<std::string>& cmd = a.command;
  o.executables = a.executables;
  if (a.output.empty()) {
    print_error("-o OUT is required (a directory, .tar.zst, .tar.gz or .sh)");
    return exit_usage;
  }
  if (a.detect) {
    auto d = bundle::detect_files(cmd, trace_opens);
    if (!d) {
      print_error(d.error());
      return exit_usage;
    }
    o.detected = d->files;
    // The traced command's program is bundled as well, once: named before -- too (PROG --detect -- PROG ARGS)
    // it is the same file, and a different program the run started is one the user expects to find inside.
    // With programs named, a traced script or static program is only the driver of the run.
    std::string exe = program_of(cmd[0]);
    bool named = false;
    for (const auto& e : o.executables) named = named || real_path(program_of(e)) == real_path(exe);
    if (!named && (o.executables.empty() || is_dynamic_program(real_path(exe)))) o.executables.push_back(exe);
    else if (!named && !a.json)
      std::fprintf(stderr, "ferry: note: %s is not a dynamically linked program: it drove the run, it is not "
                           "bundled\n", cmd[0].c_str());
  }
  if (o.executables.empty()) {
    print_error("nothing to bundle: give one or more executables");
    return exit_usage;
  }
  for (const auto& add : a.adds) {
    size_t eq = add.find('=');
    o.adds.push_back(eq == std::string::npos ? bundle::AddSpec{add, ""}
                                             : bundle::AddSpec{add.substr(0, eq), add.substr(eq + 1)});
  }
  for (const auto& r : a.renames) {
    size_t eq = r.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == r.size()) {
      print_error("--rename takes OLD=NEW, got \"" + r + "\"");
      return exit_usage;
    }
    o.renames.emplace_back(r.substr(0, eq), r.substr(eq + 1));
  }
  o.allow_host = a.allow_host;
  o.glibc_data = !a.no_glibc_data;
  o.launcher = std::span<const uint8_t>(ferry_launcher_start, static_cast<size_t>(ferry_launcher_end - ferry_launcher_start));
  auto plan = bundle::plan_bundle(o);
  if (!plan) {
    print_error(plan.error());
    return plan.error().code == ErrorCode::not_found && plan.error().path.empty() ? exit_failed : exit_usage;
  }
  auto kind = bundle::output_kind_for(a.output);
  Status st;
  switch (kind) {
    case bundle::OutputKind::directory: st = bundle::write_directory(*plan, a.output); break;
    case bundle::OutputKind::tar_zst:
    case bundle::OutputKind::tar_gz: st = bundle::write_archive(*plan, a.output, kind, source_date_epoch().value_or(0)); break;
    case bundle::OutputKind::installer: st = bundle::write_installer(*plan, a.output, source_date_epoch().value_or(0)); break;
  }
  if (!st) {
    print_error(st.error());
    return exit_usage;
  }
  if (a.json) {
    std::printf("%s\n", report::bundle_to_json(*plan, a.output).dump(2).c_str());
  } else {
    for (const auto& w : plan->warnings) std::fprintf(stderr, "ferry: warning: %s\n", w.c_str());
    std::fputs(report::bundle_to_text(*plan, a.output).c_str(), stdout);
  }
  return exit_ok;
}

}  // namespace

void register_bundle(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("bundle", "bundle executables with their libraries and loader to run anywhere "
                                           "(see `ferry bundle --help`)");
  sub->set_help_flag();
  sub->prefix_command();  // every argument reaches parse_bundle_args, `--` and the command after it included
  sub->callback([sub, &ctx] {
    BundleArgs a;
    std::string err = parse_bundle_args(sub->remaining(), a);
    if (a.help) {
      std::printf("%s\n", kUsage);
      return;
    }
    if (!err.empty()) {
      print_error("bundle: " + err + " (see ferry bundle --help)");
      ctx.exit_code = exit_usage;
      return;
    }
    if (!a.install_dir.empty()) ctx.exit_code = run_install(a);
    else if (!a.verify_dir.empty()) ctx.exit_code = run_verify(a);
    else ctx.exit_code = run_bundle(a);
  });
}

}  // namespace ferry::cli
