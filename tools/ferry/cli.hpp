// Shared pieces of the ferry CLI: command registration, exit codes, error printing, colour choice.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "support/result.hpp"
#include "support/shard.hpp"
#include "wheel/sbom.hpp"

namespace ferry::cli {

// Exit codes, documented in `ferry --help`.
enum Exit : int {
  exit_ok = 0,        // everything passed
  exit_failed = 1,    // a check failed, a library is missing, a target cannot be met
  exit_usage = 2,     // bad arguments or unreadable / malformed input
  exit_internal = 3,  // a bug in ferry
};

struct Context {
  int exit_code = exit_ok;
  // Run as `auditwheel` (argv[0] or `ferry auditwheel`): `show` exits 0 whenever the wheel was read, as
  // auditwheel's does, so scripts that test its status keep working.
  bool auditwheel_mode = false;
};

// Colour only on a terminal, never with NO_COLOR set (https://no-color.org) or TERM=dumb.
bool stdout_is_color();
// Prints "ferry: <file>: <problem>" on stderr.
void print_error(const Error& e);
void print_error(const std::string& message);
// The exit code for a library error: verify (ferry's own output failed its check) 3, policy 1, anything else 2.
int exit_for(const Error& e);
// SOURCE_DATE_EPOCH from the environment, when set and valid (parse_source_date_epoch's rules).
std::optional<int64_t> source_date_epoch();
// Where scratch goes: $TMPDIR when set and not empty, else /tmp.
std::string temp_root();
// LD_LIBRARY_PATH from the environment, when set (the library never reads the environment itself).
std::optional<std::string> env_ld_library_path();

// Fleets: `--json-lines` (one object per file, streamed) and `--shard K/N` (validated at parse time: a bad K/N
// is a usage error, exit 2). Returns the --json-lines option so a command can make it exclude its other formats.
struct FleetArgs {
  bool json_lines = false;
  std::string shard_spec;
  Shard shard() const { return shard_spec.empty() ? Shard{} : *parse_shard(shard_spec); }
};
CLI::Option* add_fleet_options(CLI::App* sub, FleetArgs& a, const std::string& schema);

// patchelf compatibility: `ferry patchelf ARGS` or ferry invoked through a symlink named patchelf.
int run_patchelf(int argc, char** argv);

// One per command; each lives in its own cmd_*.cpp.
void register_inspect(CLI::App& app, Context& ctx);
void register_deps(CLI::App& app, Context& ctx);
void register_check(CLI::App& app, Context& ctx);
void register_patch(CLI::App& app, Context& ctx);
void register_wheel(CLI::App& app, Context& ctx);  // show, repair
// auditwheel compatibility: `ferry auditwheel ARGS` or ferry invoked through a symlink named auditwheel.
int run_auditwheel(int argc, char** argv);
// Parses and runs `app` (its callbacks set ctx.exit_code); returns the process's exit status.
int parse_and_run(CLI::App& app, const Context& ctx, int argc, char** argv);
// The package-manager queries for repair's SBOM (dpkg, rpm, apk; which_provides.cpp); empty when none is usable.
wheel::WhichProvidesMany system_which_provides();
void register_bundle(CLI::App& app, Context& ctx);
void register_lower(CLI::App& app, Context& ctx);  // lower (cmd_lower.cpp)



}  // namespace ferry::cli
