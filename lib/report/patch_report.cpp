// Rendering of `ferry patch` results (patch_report.hpp): the CLI decides what to run, this says it.
#include "report/patch_report.hpp"

namespace ferry::report {

namespace {
nlohmann::json optional_text(const std::optional<std::string>& s) { return s ? nlohmann::json(*s) : nlohmann::json(); }
}  // namespace

PrintedAnswers patch_prints(const patch::DynamicSummary& s, const std::string& path, const PatchPrints& what,
                            const std::string& prefix) {
  PrintedAnswers a;
  auto line = [&](const std::string& text) { a.text += prefix + text + "\n"; };
  if (what.interpreter) {
    if (!s.interpreter) {
      a.missing = make_error(ErrorCode::not_found, "no PT_INTERP (not a dynamically linked program)").with_path(path);
    } else {
      line(*s.interpreter);
      a.fields["interpreter"] = *s.interpreter;
    }
  }
  if (what.soname) {
    line(s.soname.value_or(""));
    a.fields["soname"] = optional_text(s.soname);
  }
  if (what.os_abi) {
    line(patch::os_abi_name(s.os_abi));
    a.fields["os_abi"] = patch::os_abi_name(s.os_abi);
  }
  // A file without dynamic contents (a separate debug file: .dynamic is NOBITS) has no search path to print: no
  // line, like patchelf.
  if (what.rpath && s.has_dynamic) {
    line(s.runpath ? *s.runpath : s.rpath.value_or(""));
    a.fields["rpath"] = optional_text(s.rpath);
    a.fields["runpath"] = optional_text(s.runpath);
  }
  if (what.needed) {
    for (const auto& n : s.needed) line(n);
    a.fields["needed"] = s.needed;
  }
  if (what.execstack) {
    std::string st = !s.exec_stack ? "?" : *s.exec_stack ? "X" : "-";
    line("execstack: " + st);
    a.fields["execstack"] = st;
  }
  return a;
}

std::string patch_result_text(const std::string& path, const std::string& out, const patch::PatchReport& r,
                              bool dry_run, bool patchelf_mode) {
  if (dry_run) return path + ":\n" + r.plan;
  if (patchelf_mode) return "";
  // "in place" names the layout (the edits fit the existing segments); where the bytes went is said apart, so
  // --output never reads as if the input had been rewritten.
  return path + ": " + (r.changed ? "patched" : "unchanged") + (out == path ? std::string() : ", written to " + out) +
         ", " + std::to_string(r.old_size) + " -> " + std::to_string(r.new_size) + " bytes (layout: " + r.strategy +
         ")\n";
}

void add_patch_result_json(const std::string& out, const patch::PatchReport& r, nlohmann::json& j) {
  j["output"] = out;
  j["changed"] = r.changed;
  j["strategy"] = r.strategy;
  j["old_size"] = r.old_size;
  j["new_size"] = r.new_size;
  j["plan"] = r.plan;
}

}  // namespace ferry::report
