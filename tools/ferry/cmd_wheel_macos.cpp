// macOS wheels in `ferry show` / `ferry repair` (delocate's options; the output is rendered by lib/report's
// wheel_report.hpp); see cmd_wheel_macos.hpp.
#include "cmd_wheel_macos.hpp"
#include "report/wheel_report.hpp"
#include "support/text.hpp"

#include <filesystem>
#include <cstdio>
#include <cstdlib>

namespace ferry::cli {

namespace {

std::vector<std::string> split_colon(const char* v) { return v ? split_nonempty(v) : std::vector<std::string>{}; }

}  // namespace

void add_macos_options(CLI::App* sub, MacArgs& m) {
  sub->add_option("--lib-path", m.lib_path, "macOS: directory searched first for dependencies (repeatable; then DYLD_LIBRARY_PATH)");
  sub->add_option("--executable-path", m.executable_path, "macOS: the program @executable_path refers to");
  sub->add_option("--require-archs", m.require_archs, "macOS: x86_64, arm64, universal2, intel or a comma list");
  sub->add_flag("--ignore-missing-dependencies", m.ignore_missing, "macOS: leave dependencies that cannot be found");
  sub->add_flag("--no-sanitize-rpaths", m.no_sanitize_rpaths, "macOS: keep absolute/relative LC_RPATHs");
  sub->add_flag("--raise-tag", m.raise_tag, "macOS: raise the platform tag when a library needs a newer macOS");
}

macos::Options macos_options(const MacArgs& m, const std::vector<std::string>& exclude) {
  macos::Options o;
  o.exclude = exclude;
  o.lib_path = m.lib_path;
  for (auto& d : split_colon(std::getenv("DYLD_LIBRARY_PATH"))) o.lib_path.push_back(d);
  o.fallback_path = split_colon(std::getenv("DYLD_FALLBACK_LIBRARY_PATH"));
  if (const char* t = std::getenv("MACOSX_DEPLOYMENT_TARGET"); t && *t) o.deployment_target = t;
  if (!m.executable_path.empty()) o.executable_path = m.executable_path;
  if (!m.require_archs.empty()) o.require_archs = m.require_archs;
  o.ignore_missing = m.ignore_missing;
  o.sanitize_rpaths = !m.no_sanitize_rpaths;
  o.raise_tag = m.raise_tag;
  o.source_date_epoch = source_date_epoch();
  o.temp_dir = temp_root();
  return o;
}

int macos_show(const std::string& wheel, const macos::Options& o, bool json, nlohmann::json& out) {
  auto r = macos::show_wheel(wheel, o);
  if (!r) {
    print_error(r.error());
    return exit_for(r.error());
  }
  if (json) out = report::macos_show_to_json(*r);
  else std::fputs(report::macos_show_to_text(*r).c_str(), stdout);
  return r->repair_tag.empty() ? exit_failed : exit_ok;
}

int macos_repair(const std::string& wheel, const macos::Options& o, bool json, nlohmann::json& out) {
  auto r = macos::repair_wheel(wheel, o);
  if (!r) {
    print_error(r.error());
    return exit_for(r.error());
  }
  if (json) out = report::macos_repair_to_json(*r);
  else std::fputs(report::macos_repair_to_text(*r).c_str(), stdout);
  return exit_ok;
}

void register_macos_merge(CLI::App& app, Context& ctx) {
  struct Args {
    std::vector<std::string> wheels;
    std::string wheel_dir = "wheelhouse/";
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("merge", "Fuse an x86_64 and an arm64 macOS wheel into universal2 (delocate-merge)");
  sub->add_option("wheels", a->wheels, "the two wheels")->required()->expected(2);
  sub->add_option("-w,--wheel-dir", a->wheel_dir, "output directory (default: wheelhouse/)");
  sub->add_flag("--json", a->json, "JSON output (schema ferry.merge/1)");
  sub->footer("Exit status: 0 merged, 1 members other than binaries differ (listed), 2 bad input.");
  sub->callback([a, &ctx] {
    macos::Options o;
    o.wheel_dir = a->wheel_dir;
    o.source_date_epoch = source_date_epoch();
    o.temp_dir = temp_root();
    auto r = macos::merge_wheels(a->wheels[0], a->wheels[1], o);
    if (!r) {
      print_error(r.error());
      ctx.exit_code = exit_for(r.error());
      return;
    }
    if (a->json) std::printf("%s\n", report::merge_to_json(*r).dump(2).c_str());
    else std::fputs(report::merge_to_text(*r).c_str(), stdout);
  });
}

}  // namespace ferry::cli
