// ferry's entry point: one subcommand per capability; all work happens in libferry.
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <string>

#include "cli.hpp"
#include "report/encoding.hpp"
#include "support/text.hpp"

namespace ferry::cli {

bool stdout_is_color() {
  const char* no = std::getenv("NO_COLOR");
  if (no && *no) return false;
  const char* term = std::getenv("TERM");
  if (term && std::strcmp(term, "dumb") == 0) return false;
  return isatty(STDOUT_FILENO) == 1;
}

void print_error(const Error& e) { print_error(e.describe()); }
void print_error(const std::string& message) {
  std::fprintf(stderr, "ferry: %s\n", report::escape_invalid_utf8(message).c_str());
}

int exit_for(const Error& e) {
  switch (e.code) {
    case ErrorCode::verify: return exit_internal;
    case ErrorCode::policy: return exit_failed;
    default: return exit_usage;
  }
}

std::optional<int64_t> source_date_epoch() {
  const char* s = std::getenv("SOURCE_DATE_EPOCH");
  return s ? parse_source_date_epoch(s) : std::nullopt;
}

std::string temp_root() {
  // POSIX's TMPDIR, taken as given: a TMPDIR that does not exist is an error naming it (from the library, when it
  // makes its scratch there), not the message about no directory at all that std::filesystem's
  // temp_directory_path() leads to (it fails, and returns empty, when TMPDIR is not a directory).
  const char* t = std::getenv("TMPDIR");
  return t && *t ? std::string(t) : std::string("/tmp");
}

std::optional<std::string> env_ld_library_path() {
  const char* v = std::getenv("LD_LIBRARY_PATH");
  return v ? std::optional<std::string>(v) : std::nullopt;
}

CLI::Option* add_fleet_options(CLI::App* sub, FleetArgs& a, const std::string& schema) {
  sub->add_option("--shard", a.shard_spec,
                  "process only the K-th of N shares of the expanded file list (file i goes to shard i mod N + 1)")
      ->check(CLI::Validator(
          [](std::string& s) {
            auto r = parse_shard(s);
            return r ? std::string() : r.error().message;
          },
          "K/N"));
  return sub->add_flag("--json-lines", a.json_lines,
                       "one JSON object per file and line, in input order, as results are ready (schema " + schema +
                           ")");
}

// Parses argv into `app`, whose callbacks set ctx.exit_code: usage errors exit 2 (help and --version 0), and an
// exception that escaped a command is an internal error (exit 3), never a crash.
int parse_and_run(CLI::App& app, const Context& ctx, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : exit_usage;
  } catch (const std::exception& e) {
    print_error(std::string("internal error: ") + e.what());
    return exit_internal;
  }
  return ctx.exit_code;
}

}  // namespace ferry::cli

static const char* kFooter = R"(Exit codes:
  0  success: everything inspected, resolved or checked passed
  1  a check failed, a library is missing, or a target cannot be met
  2  usage error, or an input that cannot be read or is malformed
  3  internal error (a bug in ferry; please report it)

Environment:
  NO_COLOR   disables colour (colour is only used on a terminal anyway)
  LD_LIBRARY_PATH is honoured by deps/check/repair like the loader does (--ld-library-path overrides)
  AUDITWHEEL_LD_LIBRARY_PATH is searched first by show/repair, also with --ldpaths (as auditwheel 6.8)
  SOURCE_DATE_EPOCH makes repaired wheels and bundles byte-identical across runs)";

namespace {

using namespace ferry::cli;

// Every subcommand by name and the function that registers it (one function may register several), in the
// order `ferry --help` lists them.
struct Command {
  const char* name;
  void (*add)(CLI::App&, Context&);
};
constexpr Command kCommands[] = {
    {"inspect", register_inspect}, {"deps", register_deps}, {"check", register_check},
    {"patch", register_patch},     {"show", register_wheel}, {"repair", register_wheel},
    {"merge", register_wheel},     {"bundle", register_bundle}, {"lower", register_lower},
};

// Registers only the subcommand named by argv[1]: building every command's options costs more than a small
// patch (CLI11 allocates each option's names, validators and callbacks). Anything else (no command, --help,
// --version, a misspelt command) registers them all, so help and errors list every command.
void register_commands(CLI::App& app, Context& ctx, int argc, char** argv) {
  if (argc >= 2)
    for (const Command& c : kCommands)
      if (std::strcmp(argv[1], c.name) == 0) return c.add(app, ctx);
  void (*done[std::size(kCommands)])(CLI::App&, Context&) = {};
  size_t n = 0;
  for (const Command& c : kCommands) {
    if (std::find(done, done + n, c.add) != done + n) continue;
    c.add(app, ctx);
    done[n++] = c.add;
  }
}

// Leaves without running static destructors: they free what the process is about to drop anyway (LIEF's and
// CLI11's tables), which costs more than a small patch. Every stdio stream is flushed first, as exit() would.
[[noreturn]] void exit_now(int rc) {
  std::fflush(nullptr);
  std::_Exit(rc);
}

int dispatch(int argc, char** argv) {
  const char* base = std::strrchr(argv[0], '/');
  base = base ? base + 1 : argv[0];
  if (std::strcmp(base, "patchelf") == 0) return run_patchelf(argc, argv);
  if (argc >= 2 && std::strcmp(argv[1], "patchelf") == 0) return run_patchelf(argc - 1, argv + 1);
  if (std::strcmp(base, "auditwheel") == 0) return run_auditwheel(argc, argv);
  if (argc >= 2 && std::strcmp(argv[1], "auditwheel") == 0) return run_auditwheel(argc - 1, argv + 1);

  CLI::App app{"ferry: inspect, resolve, check, patch, repair and bundle native binaries"};
  app.footer(kFooter);
  app.set_version_flag("--version", std::string("ferry ") + FERRY_VERSION);
  app.require_subcommand(1);
  Context ctx;
  register_commands(app, ctx, argc, argv);
  return parse_and_run(app, ctx, argc, argv);
}

// Blocks of up to 32 MiB come from the heap and are reused once freed, instead of glibc's default of mapping
// each block of 128 KiB or more and unmapping it when freed: a patch builds the same tables (a copy of
// .dynstr, its liveness map, the rewritten tables) once to model the layout and again to write it, and every
// page of a fresh mapping costs a fault (a microsecond or more on a virtual machine). Nothing is given back to
// the system below 64 MiB of free heap: the process ends soon after.
void keep_freed_memory() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

}  // namespace

int main(int argc, char** argv) {
  keep_freed_memory();
  exit_now(dispatch(argc, argv));
}
