// `ferry inspect FILE|DIR...`: what a binary is, needs and provides, for ELF, Mach-O and PE.
#include <cstdio>

#include "binary/inspect.hpp"
#include "cli.hpp"
#include "report/encoding.hpp"
#include "report/inspect_report.hpp"
#include "report/json_lines.hpp"

namespace ferry::cli {

namespace {
struct InspectArgs {
  std::vector<std::string> paths;
  bool json = false;
  unsigned jobs = 0;
  FleetArgs fleet;
};
}  // namespace

void register_inspect(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<InspectArgs>();
  auto* sub = app.add_subcommand("inspect", "Show what ELF, Mach-O and PE files are, need and provide");
  sub->add_option("paths", args->paths, "files or directories (walked recursively; non-binaries skipped)")
      ->required();
  auto* json = sub->add_flag("--json", args->json, "JSON output (schema ferry.inspect/1)");
  add_fleet_options(sub, args->fleet, "ferry.inspect/1")->excludes(json);
  sub->add_option("-j,--jobs", args->jobs, "parallel readers (default: all cores)");
  sub->footer("Exit status: 0 all files read, 2 some file could not be read or is malformed.");
  sub->callback([args, &ctx] {
    report::TextStyle style{stdout_is_color()};
    InspectOptions opts;
    opts.jobs = args->jobs;
    opts.shard = args->fleet.shard();
    const bool lines = args->fleet.json_lines;
    bool first = true;
    opts.render = [&](const InspectItem& it) -> std::string {
      if (lines) return report::dump_line(report::inspect_line(it));
      if (args->json)
        return report::dump_json(it.binary ? report::to_json(*it.binary)
                                           : nlohmann::json{{"path", it.path}, {"error", it.error->message}});
      return it.binary ? report::escape_invalid_utf8(report::to_text(*it.binary, style)) : std::string();
    };
    if (args->json) std::fputs("{\"schema\":\"ferry.inspect/1\",\"files\":[", stdout);
    auto sum = inspect_paths(args->paths, opts, [&](InspectItem& it) {
      if (lines) {
        if (it.rendered.empty()) it.rendered = report::dump_line(report::inspect_line(it));
        std::fputs(it.rendered.c_str(), stdout);
        std::fflush(stdout);  // streamed: a consumer sees each file as soon as it is ready
      } else if (args->json) {
        if (!first) std::fputc(',', stdout);
        // Directory walk errors come without a rendering (they never reached a worker).
        if (it.rendered.empty())
          it.rendered = report::dump_json(nlohmann::json{{"path", it.path}, {"error", it.error->message}});
        std::fputs(it.rendered.c_str(), stdout);
      } else if (!it.rendered.empty()) {
        std::fputs((first ? "" : "\n"), stdout);
        std::fputs(it.rendered.c_str(), stdout);
      }
      if (it.error) print_error(*it.error);
      first = false;
    });
    if (args->json) {
      std::printf("],\"summary\":{\"files\":%zu,\"skipped\":%zu,\"errors\":%zu}}\n", sum.files, sum.skipped,
                  sum.errors);
    } else if (!lines && (sum.skipped > 0 || sum.files != 1)) {
      std::printf("%s%zu binaries read, %zu non-binary files skipped, %zu errors\n", first ? "" : "\n", sum.files,
                  sum.skipped, sum.errors);
    }
    ctx.exit_code = sum.errors ? exit_usage : exit_ok;
  });
}

}  // namespace ferry::cli
