// CycloneDX 1.4 SBOM of a repaired wheel: see sbom.hpp. Field names and the purl/bom-ref spellings follow what
// auditwheel 6.5+ writes (docs/json-schemas.md, "SBOM"), so tools reading auditwheel's SBOMs read ferry's.
#include "wheel/sbom.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "wheel/wheel_name.hpp"

namespace ferry::wheel {

std::string purl_quote(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                c == '-' || c == '~';
    if (keep) out += static_cast<char>(c);
    else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string PackageOrigin::purl() const {
  std::string p = "pkg:" + type + "/";
  if (!distro.empty()) p += purl_quote(distro) + "/";
  return p + purl_quote(name) + "@" + purl_quote(version);
}

namespace {

using nlohmann::json;

json hashes_of(const SbomFile& f) { return json::array({{{"alg", "SHA-256"}, {"content", to_hex(f.digest)}}}); }

}  // namespace

Result<std::optional<Sbom>> make_sbom(const std::string& wheel_file_name, const std::vector<SbomFile>& files,
                                             const WhichProvides& which_provides) {
  if (files.empty()) return std::optional<Sbom>{};
  Sbom out;
  FERRY_TRY(name, parse_wheel_name(wheel_file_name));
  std::string wheel_purl = "pkg:pypi/" + purl_quote(name.distribution) + "@" + purl_quote(name.version) +
                           "?file_name=" + purl_quote(wheel_file_name);
  json wheel_component{{"type", "library"}, {"bom-ref", wheel_purl}, {"name", name.distribution},
                       {"version", name.version}, {"purl", wheel_purl}};

  struct Row {
    const SbomFile* file;
    std::optional<PackageOrigin> origin;
    std::string purl;
  };
  std::vector<Row> rows;
  for (auto& f : files) {
    Row r{&f, which_provides ? which_provides(f.source) : std::nullopt, ""};
    if (r.origin) r.purl = r.origin->purl();
    if (r.origin) out.purls.push_back(r.purl);
    else ++out.unowned;
    rows.push_back(std::move(r));
  }
  // Owned files first, by (purl, source) as auditwheel orders them; then the files no package owns, by member.
  std::stable_sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
    if (x.origin.has_value() != y.origin.has_value()) return x.origin.has_value();
    if (x.origin) return std::tie(x.purl, x.file->source) < std::tie(y.purl, y.file->source);
    return x.file->member < y.file->member;
  });

  json components = json::array({wheel_component});
  json depends = json::array();
  json dependencies = json::array();
  for (auto& r : rows) {
    json c;
    std::string ref;
    if (r.origin) {
      ref = r.purl + "#" + to_hex(sha256(std::span<const uint8_t>(
                               reinterpret_cast<const uint8_t*>(r.file->source.data()), r.file->source.size())));
      c = {{"type", "library"}, {"bom-ref", ref}, {"name", r.origin->name}, {"version", r.origin->version},
           {"purl", r.purl}};
    } else {
      ref = "file:" + r.file->member;
      c = {{"type", "file"}, {"bom-ref", ref}, {"name", r.file->member}};
    }
    c["hashes"] = hashes_of(*r.file);
    c["properties"] = json::array({{{"name", "ferry:file"}, {"value", r.file->member}}});
    components.push_back(std::move(c));
    depends.push_back(ref);
  }
  dependencies.push_back({{"ref", wheel_purl}, {"dependsOn", depends}});
  for (auto& d : depends) dependencies.push_back({{"ref", d}});

  json doc{{"bomFormat", "CycloneDX"},
           {"specVersion", "1.4"},
           {"version", 1},
           {"metadata", {{"component", wheel_component},
                         {"tools", json::array({{{"name", "ferry"}, {"version", FERRY_VERSION}}})}}},
           {"components", components},
           {"dependencies", dependencies}};
  // As auditwheel: no package named, no SBOM (ferry-provenance.json still records every graft and its source).
  if (out.purls.empty()) return std::optional<Sbom>{};
  std::sort(out.purls.begin(), out.purls.end());
  out.purls.erase(std::unique(out.purls.begin(), out.purls.end()), out.purls.end());
  out.text = doc.dump(2) + "\n";
  return std::optional<Sbom>(std::move(out));
}

}  // namespace ferry::wheel
