// `ferry check`: placeholder until the capability lands.
#include "cli.hpp"

namespace ferry::cli {

void register_check(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("check", "check (not yet implemented)");
  sub->allow_extras();
  sub->callback([&ctx] {
    print_error("check is not implemented yet");
    ctx.exit_code = exit_internal;
  });
}

}  // namespace ferry::cli
