// manifest.json: every file of a bundle with its role, origin, the sha256 of the origin and of the bundled bytes
// and what ferry changed. No timestamps and sorted keys, so the same inputs give the same bytes.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "bundle/bundle.hpp"

namespace ferry::bundle {

std::string render_manifest(const BundlePlan& plan) {
  nlohmann::json j;
  j["schema"] = kManifestSchema;
  j["programs"] = nlohmann::json::array();
  for (const auto& p : plan.programs)
    j["programs"].push_back({{"name", p.name}, {"origin", p.origin}, {"launcher", "bin/" + p.name},
                             {"program", "libexec/" + p.name}});
  j["host_dirs"] = plan.host_dirs;
  j["files"] = nlohmann::json::array();
  for (const auto& f : plan.files) {
    if (f.role == Role::manifest) continue;
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", f.mode);
    nlohmann::json e = {{"path", f.path}, {"role", to_string(f.role)}, {"sha256", f.sha256},
                        {"size", f.size}, {"mode", mode}};
    if (!f.origin.empty()) e["origin"] = f.origin;
    if (!f.origin_sha256.empty()) e["origin_sha256"] = f.origin_sha256;
    if (!f.link_to.empty()) e["hardlink_to"] = f.link_to;
    if (!f.symlink.empty()) e["symlink_to"] = f.symlink;
    if (!f.edits.empty()) e["edits"] = f.edits;
    j["files"].push_back(std::move(e));
  }
  return j.dump(1) + "\n";
}

}  // namespace ferry::bundle
