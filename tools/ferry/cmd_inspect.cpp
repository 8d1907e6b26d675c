// `ferry inspect`: placeholder until the reader lands.
#include "cli.hpp"

namespace ferry::cli {

void register_inspect(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("inspect", "inspect ELF, Mach-O and PE files");
  sub->allow_extras();
  sub->callback([&ctx] { ctx.exit_code = exit_internal; });
}

}  // namespace ferry::cli
