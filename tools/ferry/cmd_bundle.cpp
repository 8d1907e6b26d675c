// `ferry bundle`: placeholder until the capability lands.
#include "cli.hpp"

namespace ferry::cli {

void register_bundle(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("bundle", "bundle (not yet implemented)");
  sub->allow_extras();
  sub->callback([&ctx] {
    print_error("bundle is not implemented yet");
    ctx.exit_code = exit_internal;
  });
}

}  // namespace ferry::cli
