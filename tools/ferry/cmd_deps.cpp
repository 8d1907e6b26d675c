// `ferry deps`: placeholder until the capability lands.
#include "cli.hpp"

namespace ferry::cli {

void register_deps(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("deps", "deps (not yet implemented)");
  sub->allow_extras();
  sub->callback([&ctx] {
    print_error("deps is not implemented yet");
    ctx.exit_code = exit_internal;
  });
}

}  // namespace ferry::cli
