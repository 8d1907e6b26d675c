// compute_tags: delocate's platform-tag rule. Per architecture, the highest minos (LC_BUILD_VERSION or
// LC_VERSION_MIN_MACOSX, major.minor) over the wheel's Mach-O files and the libraries to graft is compared with
// the target: MACOSX_DEPLOYMENT_TARGET, else the wheel's own tag (arm64 is never below 11.0). A file above it
// is an error naming it unless --raise-tag; ferry never lowers a tag, and keeps the wheel's own tags when
// nothing is raised. 11+ tags use minor 0; x86_64 and arm64
// at one version (or arm64 at 11.0) pack into universal2.
#include <regex>

#include "macos_repair/internal.hpp"

namespace ferry::macos {

namespace {

using Version = std::pair<int, int>;

std::string str(Version v) { return std::to_string(v.first) + "." + std::to_string(v.second); }

std::optional<Version> parse_version(const std::string& s) {
  std::smatch m;
  if (!std::regex_match(s, m, std::regex(R"((\d+)(?:\.(\d+))?(?:\.\d+)?)"))) return std::nullopt;
  return Version{std::stoi(m[1]), m[2].matched ? std::stoi(m[2]) : 0};
}

// The wheel's tags per plain architecture (universal2 and intel unpacked).
std::map<std::string, Version> wheel_archs(const wheel::WheelName& n) {
  std::map<std::string, Version> out;
  std::regex re(R"(macosx_(\d+)_(\d+)_(\w+))");
  for (auto& t : n.platform_tags) {
    std::smatch m;
    if (!std::regex_match(t, m, re)) continue;
    Version v{std::stoi(m[1]), std::stoi(m[2])};
    std::string a = m[3];
    if (a == "universal2") out["x86_64"] = v, out["arm64"] = std::max(v, Version{11, 0});
    else if (a == "intel") out["i386"] = v, out["x86_64"] = v;
    else out[a] = v;
  }
  return out;
}

// (arch, version, file) for every macOS slice that records a minimum OS.
void collect(const std::string& label, const macho::MachOFile& f, std::vector<std::tuple<std::string, Version, std::string>>& out) {
  for (auto& s : f.slices)
    for (auto& m : s.min_os)
      if (m.platform == 1) {
        out.emplace_back(s.arch, Version{int(m.minos >> 16), int((m.minos >> 8) & 0xff)}, label);
        break;
      }
}

std::string tag(Version v, const std::string& arch) {
  return "macosx_" + std::to_string(v.first) + "_" + std::to_string(v.first >= 11 ? 0 : v.second) + "_" + arch;
}

}  // namespace

Result<std::vector<std::string>> compute_tags(const LoadedWheel& w, const Graph& g, const Options& o,
                                              std::vector<ArchMinos>* minos) {
  auto archs = wheel_archs(w.name);
  if (archs.empty()) return make_error(ErrorCode::usage, "not a macosx_* platform tag: " + w.name.platform).with_path(w.path);
  std::map<std::string, Version> target = archs;
  if (o.deployment_target) {
    auto v = parse_version(*o.deployment_target);
    if (!v) return make_error(ErrorCode::usage, "MACOSX_DEPLOYMENT_TARGET " + *o.deployment_target + " is not a version");
    for (auto& [a, t] : target) t = a == "arm64" ? std::max(*v, Version{11, 0}) : *v;
  }
  std::vector<std::tuple<std::string, Version, std::string>> found;
  for (auto& b : w.binaries) collect(b.member, b.file, found);
  for (auto& [path, b] : g.external) collect(path, b.file, found);
  std::map<std::string, std::pair<Version, std::string>> need;
  std::vector<std::string> too_new;
  Version highest{0, 0};
  for (auto& [arch, v, file] : found) {
    if (!need.count(arch) || need[arch].first < v) need[arch] = {v, file};
    if (target.count(arch) && v > target[arch]) {
      too_new.push_back(file + " (" + arch + ") needs macOS " + str(v) + ", the target is " + str(target[arch]));
      highest = std::max(highest, v);
    }
  }
  if (minos)
    for (auto& [a, n] : need) minos->push_back({a, str(n.first), n.second});
  if (!too_new.empty() && !o.raise_tag) {
    std::string msg = std::to_string(too_new.size()) + " file(s) need a newer macOS than " +
                      (o.deployment_target ? "MACOSX_DEPLOYMENT_TARGET=" + *o.deployment_target : "the wheel's tag " + w.name.platform) +
                      "; set MACOSX_DEPLOYMENT_TARGET=" + str(highest) + " (or pass --raise-tag):";
    for (auto& l : too_new) msg += "\n  " + l;
    return make_error(ErrorCode::policy, msg).with_path(w.path);
  }
  bool raised = false;
  for (auto& [a, t] : target)
    if (need.count(a) && need[a].first > t) t = need[a].first, raised = true;
  // Nothing raised and no explicit target: the wheel keeps its own tags as written (e.g. orjson's three).
  if (!raised && !o.deployment_target) return w.name.platform_tags;
  std::vector<std::string> tags;
  if (target.count("x86_64") && target.count("arm64") &&
      (target["x86_64"] == target["arm64"] || target["arm64"] == Version{11, 0})) {
    tags.push_back(tag(target["x86_64"], "universal2"));
    target.erase("x86_64"), target.erase("arm64");
  }
  if (target.count("i386") && target.count("x86_64") && target["i386"] == target["x86_64"]) {
    tags.push_back(tag(target["x86_64"], "intel"));
    target.erase("i386"), target.erase("x86_64");
  }
  for (auto& [a, t] : target) tags.push_back(tag(t, a));
  std::sort(tags.begin(), tags.end());
  return tags;
}

}  // namespace ferry::macos
