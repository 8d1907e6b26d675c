// `ferry lower --target TARGET FILE...`: rewrites each file's glibc symbol version requirements so it loads on
// the target's older glibc (rebind, moved library, glue), or refuses naming the symbol. Work: lower::lower_file;
// here: arguments, text and --json (schema ferry.lower/1, docs/json-schemas.md) rendering, exit codes.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "cli.hpp"
#include "lower/lower.hpp"
#include "report/encoding.hpp"

namespace ferry::cli {

namespace {

struct LowerArgs {
  std::vector<std::string> files;
  std::string target, output;
  bool in_place = false, dry_run = false, json = false, add_dt_hash = false;
};

nlohmann::json to_json(const lower::LowerReport& r) {
  nlohmann::json bindings = nlohmann::json::array();
  for (const auto& b : r.plan.bindings)
    bindings.push_back({{"symbol", b.symbol}, {"library", b.library}, {"version", b.version},
                        {"method", lower::to_string(b.method)}, {"new_library", b.new_library},
                        {"new_version", b.new_version}, {"new_symbol", b.new_symbol.empty() ? b.symbol : b.new_symbol},
                        {"reason", b.reason}});
  nlohmann::json features = nlohmann::json::array();
  for (const auto& f : r.plan.features) features.push_back({{"name", f.name}, {"method", f.method}, {"detail", f.detail}});
  return {{"input", r.input},   {"output", r.output},          {"target", r.target},
          {"glibc", r.glibc},   {"bindings", bindings},        {"add_needed", r.plan.add_needed},
          {"problems", r.plan.problems}, {"refused", r.plan.refused()}, {"changed", r.changed},
          {"steps", r.steps},   {"features", features}};
}

std::string to_text(const lower::LowerReport& r, bool dry_run) {
  std::string s = r.input + ": " + (dry_run ? "would lower" : "lowered") + " to " + r.target + " (glibc " +
                  r.glibc + ")" + (dry_run || r.output == r.input ? "" : " -> " + r.output) + "\n";
  if (r.plan.bindings.empty() && r.plan.problems.empty() && r.plan.features.empty()) s += "  nothing to lower: every requirement is within the target\n";
  for (const auto& b : r.plan.bindings) {
    s += "  " + std::string(lower::to_string(b.method)) + "\t" + b.symbol + "@" + b.version + " (" + b.library + ")";
    if (b.method == lower::Method::refused) s += ": " + b.reason + "\n";
    else if (b.new_version.empty()) s += " -> defined by ferry: " + b.reason + "\n";
    else s += " -> " + (b.new_symbol.empty() ? b.symbol : b.new_symbol) + "@" + b.new_version + " (" + b.new_library + ")\n";
  }
  for (const auto& f : r.plan.features) s += "  " + f.method + "\t" + f.name + ": " + f.detail + "\n";
  for (const auto& n : r.plan.add_needed) s += "  needed\t" + n + " added\n";
  for (const auto& p : r.plan.problems) s += "  refused\t" + p + "\n";
  for (const auto& st : r.steps) s += "  step\t" + st + "\n";
  return s;
}

int run_lower(const LowerArgs& a) {
  if (!a.output.empty() && a.files.size() != 1) {
    print_error("-o/--output takes one input file");
    return exit_usage;
  }
  if (a.output.empty() && !a.in_place && !a.dry_run) {
    print_error("say where the result goes: -o OUT, --in-place or --dry-run");
    return exit_usage;
  }
  int rc = exit_ok;
  nlohmann::json all = {{"schema", "ferry.lower/1"}, {"files", nlohmann::json::array()}, {"errors", nlohmann::json::array()}};
  for (const auto& file : a.files) {
    lower::LowerOptions o{a.target, a.dry_run, true, a.add_dt_hash};
    auto r = lower::lower_file(file, a.output.empty() ? file : a.output, o);
    if (!r) {
      print_error(r.error());
      all["errors"].push_back({{"file", file}, {"message", r.error().describe()}});
      rc = std::max(rc, exit_for(r.error()));
      continue;
    }
    if (r->plan.refused()) rc = std::max(rc, int(exit_failed));
    if (a.json) all["files"].push_back(to_json(*r));
    else std::fputs(report::escape_invalid_utf8(to_text(*r, a.dry_run)).c_str(), stdout);
  }
  if (a.json) std::fputs((all.dump(2) + "\n").c_str(), stdout);
  return rc;
}

}  // namespace

void register_lower(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<LowerArgs>();
  auto* sub = app.add_subcommand("lower", "rewrite glibc symbol versions so a file runs on an older glibc");
  sub->add_option("files", args->files, "ELF programs and shared libraries (x86_64, aarch64, i386)")->required();
  sub->add_option("-t,--target", args->target, "a target with a glibc ceiling: manylinux2014, debian11, vfx2022, ...")
      ->required();
  auto* out = sub->add_option("-o,--output", args->output, "write the lowered file here (one input)");
  auto* inplace = sub->add_flag("--in-place", args->in_place, "replace each input (atomically, after verification)");
  out->excludes(inplace);
  sub->add_flag("--dry-run", args->dry_run, "list each symbol's binding before and after, and the method; write nothing");
  sub->add_flag("--json", args->json, "JSON output (schema ferry.lower/1)");
  sub->add_flag("--add-dt-hash", args->add_dt_hash,
                "add a SysV hash table (DT_HASH) to a file that has only DT_GNU_HASH, whatever the target "
                "(done anyway for targets before glibc 2.5)");
  sub->footer("Exit status: 0 lowered (or nothing to do), 1 a symbol cannot be lowered (named), 2 bad arguments or "
              "input, 3 the output failed verification.");
  sub->callback([args, &ctx] { ctx.exit_code = run_lower(*args); });
}

}  // namespace ferry::cli
