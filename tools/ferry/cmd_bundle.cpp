// `ferry bundle`: Exodus-style bundles (lib/bundle). Parses arguments, calls plan/write/install/verify, renders.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bundle/bundle.hpp"
#include "cli.hpp"

// The static launcher, embedded by tools/launcher/CMakeLists.txt (.incbin).
extern "C" const uint8_t ferry_launcher_start[];
extern "C" const uint8_t ferry_launcher_end[];

namespace ferry::cli {

namespace {

struct BundleArgs {
  std::vector<std::string> positionals;
  std::string output;
  std::vector<std::string> adds, renames, allow_host, verify_args;
  std::string install_dir, verify_dir;
  bool detect = false, no_glibc_data = false, json = false;
};

// CLI11 puts the arguments after `--` at the end of the positionals; /proc/self/cmdline says how many there were.
size_t count_after_double_dash() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string arg;
  std::vector<std::string> args;
  while (std::getline(in, arg, '\0')) args.push_back(arg);
  for (size_t i = 0; i < args.size(); ++i)
    if (args[i] == "--") return args.size() - i - 1;
  return 0;
}

std::string human_size(uint64_t n) {
  if (n >= (uint64_t{1} << 20)) return fmt::format("{:.1f} MiB", n / 1048576.0);
  if (n >= 1024) return fmt::format("{:.1f} KiB", n / 1024.0);
  return fmt::format("{} B", n);
}

int run_install(const BundleArgs& a) {
  auto r = bundle::install_bundle(a.install_dir);
  if (!r) {
    print_error(r.error());
    return exit_usage;
  }
  if (a.json) {
    nlohmann::json j = {{"schema", "ferry.bundle-install/1"}, {"root", r->root}, {"loader", r->loader},
                        {"programs", r->programs}};
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("installed %zu program(s) in %s (interpreter %s)\n", r->programs.size(), r->root.c_str(),
                r->loader.c_str());
  }
  return exit_ok;
}

int run_verify(const BundleArgs& a) {
  std::vector<std::string> args = a.verify_args;
  if (args.empty()) args = {"--version"};
  auto r = bundle::verify_bundle(a.verify_dir, args);
  if (!r) {
    print_error(r.error());
    return exit_usage;
  }
  if (a.json) {
    nlohmann::json j = {{"schema", "ferry.bundle-verify/1"}, {"root", r->root}, {"sealed", r->sealed()}};
    j["runs"] = nlohmann::json::array();
    for (const auto& run : r->runs)
      j["runs"].push_back({{"program", run.program}, {"exit_code", run.exit_code}, {"loaded", run.loaded},
                           {"outside", run.outside}, {"allowed", run.allowed}});
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    for (const auto& run : r->runs) {
      std::printf("%s: exit %d, %zu objects loaded, %zu from outside the bundle\n", run.program.c_str(),
                  run.exit_code, run.loaded.size(), run.outside.size());
      for (const auto& o : run.outside) std::printf("  outside: %s\n", o.c_str());
      for (const auto& o : run.allowed) std::printf("  allowed host: %s\n", o.c_str());
    }
    std::printf(r->sealed() ? "sealed: nothing was loaded from the host\n"
                            : "NOT sealed: objects above came from the host\n");
  }
  return r->sealed() ? exit_ok : exit_failed;
}

int run_bundle(BundleArgs& a) {
  bundle::BundleOptions o;
  size_t tail = a.detect ? count_after_double_dash() : 0;
  if (a.detect && (tail == 0 || tail > a.positionals.size())) {
    print_error("--detect needs the command to run after --, e.g. --detect -- python3 script.py");
    return exit_usage;
  }
  std::vector<std::string> cmd(a.positionals.end() - static_cast<ptrdiff_t>(tail), a.positionals.end());
  o.executables.assign(a.positionals.begin(), a.positionals.end() - static_cast<ptrdiff_t>(tail));
  if (a.output.empty()) {
    print_error("-o OUT is required (a directory, .tar.zst, .tar.gz or .sh)");
    return exit_usage;
  }
  if (a.detect) {
    auto d = bundle::detect_files(cmd);
    if (!d) {
      print_error(d.error());
      return exit_usage;
    }
    o.detected = d->files;
    if (o.executables.empty()) {
      // The traced command's program is the one to bundle: the first file it executed is found through PATH.
      std::string exe = cmd[0];
      if (exe.find('/') == std::string::npos) {
        const char* path = std::getenv("PATH");
        std::stringstream ss(path ? path : "");
        std::string dir;
        while (std::getline(ss, dir, ':'))
          if (!dir.empty() && ::access((dir + "/" + exe).c_str(), X_OK) == 0) {
            exe = dir + "/" + exe;
            break;
          }
      }
      o.executables.push_back(exe);
    }
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
    case bundle::OutputKind::tar_gz: st = bundle::write_archive(*plan, a.output, kind); break;
    case bundle::OutputKind::installer: st = bundle::write_installer(*plan, a.output); break;
  }
  if (!st) {
    print_error(st.error());
    return exit_usage;
  }
  if (a.json) {
    nlohmann::json j = {{"schema", "ferry.bundle/1"}, {"output", a.output}, {"files", plan->files.size()},
                        {"size", plan->total_size()}, {"warnings", plan->warnings}};
    j["programs"] = nlohmann::json::array();
    for (const auto& p : plan->programs) j["programs"].push_back({{"name", p.name}, {"origin", p.origin}});
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    for (const auto& w : plan->warnings) std::fprintf(stderr, "ferry: warning: %s\n", w.c_str());
    std::string names;
    for (const auto& p : plan->programs) names += (names.empty() ? "" : ", ") + p.name;
    std::printf("bundled %s: %zu files, %s, into %s\n", names.c_str(), plan->files.size(),
                human_size(plan->total_size()).c_str(), a.output.c_str());
  }
  return exit_ok;
}

}  // namespace

void register_bundle(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<BundleArgs>();
  auto* sub = app.add_subcommand("bundle", "bundle executables with their libraries and loader to run anywhere");
  sub->add_option("executables", args->positionals, "executables to bundle (after --detect --: the command to trace)");
  sub->add_option("-o,--output", args->output, "a directory, OUT.tar.zst, OUT.tar.gz or a self-extracting OUT.sh");
  sub->add_option("--add", args->adds, "extra file or directory, SRC or SRC=DEST (default DEST: /usr/X -> X)");
  sub->add_option("--rename", args->renames, "OLD=NEW: the launcher name of a program");
  sub->add_option("--allow-host", args->allow_host, "a library (soname or path) the target's system provides");
  sub->add_flag("--detect", args->detect, "run the command after -- once and add every file it opens");
  sub->add_flag("--no-glibc-data", args->no_glibc_data, "do not bundle gconv modules and the C.UTF-8 locale");
  sub->add_option("--install", args->install_dir, "install a bundle directory in place (programs start directly)");
  sub->add_option("--verify", args->verify_dir, "run each program of a bundle (directory, archive or .sh) and list objects loaded from the host");
  sub->add_option("--verify-arg", args->verify_args, "argument for each program under --verify (default --version)");
  sub->add_flag("--json", args->json, "JSON output");
  sub->callback([args, &ctx] {
    if (!args->install_dir.empty()) ctx.exit_code = run_install(*args);
    else if (!args->verify_dir.empty()) ctx.exit_code = run_verify(*args);
    else ctx.exit_code = run_bundle(*args);
  });
}

}  // namespace ferry::cli
