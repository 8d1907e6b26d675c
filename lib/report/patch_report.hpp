// Rendering of `ferry patch` / patchelf mode results: the --print-* answers read from a file, and the line
// (or --dry-run plan) for a file patched; the same facts as fields of the ferry.patch/1 JSON document.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "patch/patch.hpp"
#include "support/result.hpp"

namespace ferry::report {

// Which --print-* options were given.
struct PatchPrints {
  bool interpreter = false, soname = false, rpath = false, needed = false, execstack = false, os_abi = false;
  bool any() const { return interpreter || soname || rpath || needed || execstack || os_abi; }
};

// The answers for one file, in patchelf's order: text lines (each after `prefix`), and JSON fields. `missing`
// is the error for --print-interpreter on a file without PT_INTERP; the other answers are still given.
struct PrintedAnswers {
  std::string text;
  nlohmann::json fields = nlohmann::json::object();
  std::optional<Error> missing;
};
PrintedAnswers patch_prints(const patch::DynamicSummary& s, const std::string& path, const PatchPrints& what,
                            const std::string& prefix);

// The text for a file patched: its --dry-run plan, or (outside patchelf mode, which prints nothing) one line
// "PATH: patched|unchanged[, written to OUT], OLD -> NEW bytes (layout: STRATEGY)".
std::string patch_result_text(const std::string& path, const std::string& out, const patch::PatchReport& r,
                              bool dry_run, bool patchelf_mode);
// The fields of a file patched in ferry.patch/1, added to `j`.
void add_patch_result_json(const std::string& out, const patch::PatchReport& r, nlohmann::json& j);

}  // namespace ferry::report
