// The macOS side of `ferry show` / `ferry repair`: options only macOS wheels use, read from the command line
// and the environment (DYLD_LIBRARY_PATH, DYLD_FALLBACK_LIBRARY_PATH, MACOSX_DEPLOYMENT_TARGET), and printing
// what lib/report (wheel_report.hpp) renders.
// cmd_wheel.cpp dispatches here for wheels whose platform tags are macosx_*.
#pragma once

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "macos_repair/macos_repair.hpp"

namespace ferry::cli {

struct MacArgs {
  std::vector<std::string> lib_path;
  std::string executable_path, require_archs;
  bool ignore_missing = false, no_sanitize_rpaths = false, raise_tag = false;
};

void add_macos_options(CLI::App* sub, MacArgs& m);
macos::Options macos_options(const MacArgs& m, const std::vector<std::string>& exclude);
// Runs show on one macOS wheel: prints text (or returns the JSON object); returns the exit code.
int macos_show(const std::string& wheel, const macos::Options& o, bool json, nlohmann::json& out);
int macos_repair(const std::string& wheel, const macos::Options& o, bool json, nlohmann::json& out);
// `ferry merge X86_WHEEL ARM64_WHEEL -w DIR` (delocate-merge), registered by register_wheel.
void register_macos_merge(CLI::App& app, Context& ctx);

}  // namespace ferry::cli
