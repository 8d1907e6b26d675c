// JSON of show / repair / merge results (wheel_report.hpp): one wheel's object, field names as
// docs/json-schemas.md gives them for ferry.show/1, ferry.repair/2 and ferry.merge/1.
#include "report/wheel_report.hpp"

namespace ferry::report {

using nlohmann::json;

namespace {

json lib_json(const wheel::ExternalLibrary& l) {
  json j{{"name", l.name}, {"disposition", wheel::to_string(l.disposition)}, {"needed_by", l.needed_by}};
  j["path"] = l.path ? json(*l.path) : json(nullptr);
  if (!l.graft_name.empty()) j["grafted_as"] = l.graft_name;
  if (!l.sibling.empty()) j["sibling"] = l.sibling;
  return j;
}

json macos_libs_json(const std::vector<macos::Library>& libs) {
  auto j = json::array();
  for (auto& l : libs)
    j.push_back({{"name", l.name}, {"path", l.path}, {"disposition", l.disposition}, {"needed_by", l.needed_by},
                 {"grafted_as", l.grafted_as}});
  return j;
}

}  // namespace

json show_to_json(const wheel::ShowReport& r) {
  json j{{"wheel", r.wheel}, {"pure", r.pure}, {"arch", r.arch}, {"best_tag", r.best_tag},
         {"best_aliases", r.best_aliases}, {"repairable_tag", r.repairable_tag}, {"elf_files", r.elf_members},
         {"ucs2", r.ucs2}, {"pyfpe", r.pyfpe}, {"satisfies", r.satisfies}};
  j["requested"] = r.requested ? json(*r.requested) : json(nullptr);
  j["warnings"] = r.warnings;
  if (!r.lowerable_tag.empty() || !r.lower_blockers.empty()) {  // --lower
    j["lowerable_tag"] = r.lowerable_tag;
    j["lower_blockers"] = r.lower_blockers;
  }
  j["versioned_symbols"] = json::object();
  for (auto& v : r.versioned) j["versioned_symbols"][v.library] = v.versions;
  j["external_libraries"] = json::array();
  for (auto& l : r.external) j["external_libraries"].push_back(lib_json(l));
  j["refused"] = json::array();
  for (auto& f : r.refused) j["refused"].push_back({{"tag", f.tag}, {"reasons", f.reasons}});
  return j;
}

json windows_show_to_json(const wheel::WindowsShow& s) {
  json j{{"wheel", s.wheel}, {"platform", s.platform}, {"arch", s.arch}, {"abi", s.abi},
         {"pe_files", s.pe_members}, {"existing_libs", s.existing_libs}, {"warnings", s.warnings}};
  j["repaired_by"] = s.repaired_by ? json(*s.repaired_by) : json(nullptr);
  j["dlls"] = json::array();
  for (auto& d : s.dlls)
    j["dlls"].push_back({{"name", d.name}, {"kind", wheel::to_string(d.kind)}, {"needed_by", d.needed_by},
                         {"path", d.path ? json(*d.path) : json(nullptr)}, {"why", d.why}});
  return j;
}

json repair_to_json(const wheel::RepairReport& r) {
  json j{{"wheel", r.wheel}, {"output", r.output}, {"platform_tags", r.platform_tags}, {"policy", r.policy_tag},
         {"unchanged", r.unchanged}, {"notes", r.notes}, {"warnings", r.warnings}, {"members_copied", r.members_copied},
         {"members_written", r.members_written}, {"members_trusted", r.members_trusted}};
  j["sbom"] = r.sbom.empty() ? json(nullptr) : json({{"file", r.sbom}, {"packages", r.sbom_purls}});
  j["libraries"] = json::array();
  for (auto& l : r.libraries) j["libraries"].push_back(lib_json(l));
  j["elf_changes"] = json::array();
  for (auto& c : r.changes)
    j["elf_changes"].push_back({{"file", c.member}, {"grafted", c.grafted},
                                {"before", {{"needed", c.needed_before}, {"rpath", c.rpath_before},
                                            {"soname", c.soname_before}, {"size", c.size_before}}},
                                {"after", {{"needed", c.needed_after}, {"rpath", c.rpath_after},
                                           {"soname", c.soname_after}, {"size", c.size_after}}}});
  return j;
}

json macos_show_to_json(const macos::ShowReport& r) {
  json out = {{"wheel", r.wheel}, {"platform", "macos"}, {"tag", r.tag}, {"repair_tag", r.repair_tag},
              {"repair_problem", r.repair_problem}, {"macho_files", r.binaries},
              {"libraries", macos_libs_json(r.libraries)}, {"warnings", r.warnings}};
  out["minos"] = json::array();
  for (auto& m : r.minos) out["minos"].push_back({{"arch", m.arch}, {"version", m.version}, {"file", m.file}});
  return out;
}

json macos_repair_to_json(const macos::RepairReport& r) {
  return {{"wheel", r.wheel}, {"output", r.output}, {"platform_tags", r.platform_tags}, {"unchanged", r.unchanged},
          {"libraries", macos_libs_json(r.libraries)}, {"changed", r.changed}, {"notes", r.notes},
          {"warnings", r.warnings}};
}

json merge_to_json(const macos::MergeReport& r) {
  return {{"schema", "ferry.merge/1"}, {"output", r.output}, {"platform_tags", r.platform_tags},
          {"fused", r.fused}, {"only_one", r.only_one}};
}

}  // namespace ferry::report
