// `ferry patch`: placeholder until the capability lands.
#include "cli.hpp"

namespace ferry::cli {

void register_patch(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("patch", "patch (not yet implemented)");
  sub->allow_extras();
  sub->callback([&ctx] {
    print_error("patch is not implemented yet");
    ctx.exit_code = exit_internal;
  });
}

}  // namespace ferry::cli

namespace ferry::cli {
int run_patchelf(int, char**) {
  print_error("patchelf mode is not implemented yet");
  return exit_internal;
}
}  // namespace ferry::cli
