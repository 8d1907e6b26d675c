// macOS wheels in `ferry show` / `ferry repair` (delocate's options and output); see cmd_wheel_macos.hpp.
#include "cmd_wheel_macos.hpp"
#include "support/text.hpp"

#include <filesystem>
#include <cstdio>
#include <cstdlib>

namespace ferry::cli {

namespace {

std::vector<std::string> split_colon(const char* v) { return v ? split_nonempty(v) : std::vector<std::string>{}; }

nlohmann::json libs_json(const std::vector<macos::Library>& libs) {
  auto j = nlohmann::json::array();
  for (auto& l : libs)
    j.push_back({{"name", l.name}, {"path", l.path}, {"disposition", l.disposition}, {"needed_by", l.needed_by},
                 {"grafted_as", l.grafted_as}});
  return j;
}

void print_libs(const std::vector<macos::Library>& libs) {
  for (auto& l : libs) {
    std::string by;
    for (auto& n : l.needed_by) by += (by.empty() ? "" : ", ") + n;
    std::printf("    %s => %s [%s] (needed by %s)\n", l.name.c_str(), l.path.empty() ? "-" : l.path.c_str(),
                l.disposition.c_str(), by.c_str());
  }
}

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
  std::error_code ec;
  o.temp_dir = std::filesystem::temp_directory_path(ec).string();  // $TMPDIR, else /tmp
  return o;
}

int macos_show(const std::string& wheel, const macos::Options& o, bool json, nlohmann::json& out) {
  auto r = macos::show_wheel(wheel, o);
  if (!r) {
    print_error(r.error());
    return exit_for(r.error());
  }
  if (json) {
    out = {{"wheel", r->wheel}, {"platform", "macos"}, {"tag", r->tag}, {"repair_tag", r->repair_tag},
           {"repair_problem", r->repair_problem}, {"macho_files", r->binaries}, {"libraries", libs_json(r->libraries)}};
    out["minos"] = nlohmann::json::array();
    for (auto& m : r->minos) out["minos"].push_back({{"arch", m.arch}, {"version", m.version}, {"file", m.file}});
  } else {
    std::printf("%s\n  platform tag: %s\n", r->wheel.c_str(), r->tag.c_str());
    for (auto& m : r->minos) std::printf("  minos %s: %s (%s)\n", m.arch.c_str(), m.version.c_str(), m.file.c_str());
    if (!r->repair_tag.empty()) std::printf("  `ferry repair` reaches: %s\n", r->repair_tag.c_str());
    else std::printf("  `ferry repair` would fail: %s\n", r->repair_problem.c_str());
    std::printf("  dependencies:\n");
    print_libs(r->libraries);
  }
  return r->repair_tag.empty() ? exit_failed : exit_ok;
}

int macos_repair(const std::string& wheel, const macos::Options& o, bool json, nlohmann::json& out) {
  auto r = macos::repair_wheel(wheel, o);
  if (!r) {
    print_error(r.error());
    return exit_for(r.error());
  }
  if (json) {
    out = {{"wheel", r->wheel}, {"output", r->output}, {"platform_tags", r->platform_tags}, {"unchanged", r->unchanged},
           {"libraries", libs_json(r->libraries)}, {"changed", r->changed}, {"notes", r->notes}};
    return exit_ok;
  }
  std::printf("%s\n", r->wheel.c_str());
  for (auto& n : r->notes) std::printf("  note: %s\n", n.c_str());
  for (auto& l : r->libraries)
    if (l.disposition == "graft") std::printf("  grafted %s (%s) as %s\n", l.name.c_str(), l.path.c_str(), l.grafted_as.c_str());
  for (auto& c : r->changed) std::printf("  rewrote %s\n", c.c_str());
  std::printf("  wrote %s\n", r->output.c_str());
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
    std::error_code ec;
    o.temp_dir = std::filesystem::temp_directory_path(ec).string();
    auto r = macos::merge_wheels(a->wheels[0], a->wheels[1], o);
    if (!r) {
      print_error(r.error());
      ctx.exit_code = exit_for(r.error());
      return;
    }
    if (a->json) {
      nlohmann::json j{{"schema", "ferry.merge/1"}, {"output", r->output}, {"platform_tags", r->platform_tags},
                       {"fused", r->fused}, {"only_one", r->only_one}};
      std::printf("%s\n", j.dump(2).c_str());
      return;
    }
    for (auto& f : r->fused) std::printf("  fused %s\n", f.c_str());
    for (auto& f : r->only_one) std::printf("  from one wheel only: %s\n", f.c_str());
    std::printf("  wrote %s\n", r->output.c_str());
  });
}

}  // namespace ferry::cli
