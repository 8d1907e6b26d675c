// `ferry wheel`: placeholder until the capability lands.
#include "cli.hpp"

namespace ferry::cli {

void register_wheel(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("show", "show (not yet implemented)");
  sub->allow_extras();
  sub->callback([&ctx] {
    print_error("wheel is not implemented yet");
    ctx.exit_code = exit_internal;
  });
}

}  // namespace ferry::cli
