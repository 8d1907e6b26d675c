// Wheel file names, platform tag sets and grafted library names, following auditwheel's rules (see header).
#include "wheel/wheel_name.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>

namespace ferry::wheel {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  return out;
}

void append_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

Error name_error(const std::string& file, const std::string& why) {
  return make_error(ErrorCode::usage, "not a wheel file name (" + why + "): expected "
                                      "name-version(-build)?-python-abi-platform.whl")
      .with_path(file);
}

}  // namespace

Result<WheelName> parse_wheel_name(const std::string& filename) {
  std::string base = filename.substr(filename.find_last_of('/') == std::string::npos
                                         ? 0 : filename.find_last_of('/') + 1);
  const std::string ext = ".whl";
  if (base.size() <= ext.size() || base.compare(base.size() - ext.size(), ext.size(), ext) != 0)
    return name_error(base, "it does not end in .whl");
  std::string stem = base.substr(0, base.size() - ext.size());
  for (char c : stem)
    if (std::isspace(static_cast<unsigned char>(c))) return name_error(base, "it contains white space");
  auto parts = split(stem, '-');
  if (parts.size() != 5 && parts.size() != 6)
    return name_error(base, std::to_string(parts.size()) + " '-'-separated fields");
  for (auto& p : parts)
    if (p.empty()) return name_error(base, "an empty field");
  WheelName w;
  w.distribution = parts[0];
  w.version = parts[1];
  size_t i = 2;
  if (parts.size() == 6) {
    w.build = parts[2];
    if (!std::isdigit(static_cast<unsigned char>(w.build[0])))
      return name_error(base, "build tag '" + w.build + "' does not start with a digit");
    i = 3;
  }
  w.python = parts[i];
  w.abi = parts[i + 1];
  w.platform = parts[i + 2];
  w.platform_tags = split(w.platform, '.');
  for (auto& t : w.platform_tags)
    if (t.empty()) return name_error(base, "an empty platform tag");
  w.prefix = stem.substr(0, stem.rfind('-'));
  return w;
}

std::vector<std::string> replaced_platforms(const std::string& tag) {
  if (tag.starts_with("linux")) return {};
  auto parts = split(tag, '_');
  // manylinux_2_17_x86_64 / musllinux_1_2_x86_64: the arch starts at field 3; manylinux2014_x86_64: field 1.
  size_t first = (tag.starts_with("manylinux_") || tag.starts_with("musllinux_")) ? 3 : 1;
  if (parts.size() <= first) return {};
  std::string arch;
  for (size_t i = first; i < parts.size(); ++i) arch += (i == first ? "" : "_") + parts[i];
  return {"linux_" + arch};
}

RepairedTags repaired_tags(const WheelName& name, const std::vector<std::string>& platforms,
                           const std::vector<std::string>& remove) {
  RepairedTags r;
  r.removed = remove;
  std::vector<std::string> original = name.platform_tags;
  std::sort(original.begin(), original.end());
  original.erase(std::unique(original.begin(), original.end()), original.end());
  std::vector<std::string> tags;
  for (auto& t : original)
    if (std::find(remove.begin(), remove.end(), t) == remove.end()) append_unique(tags, t);
  for (auto& t : platforms) append_unique(tags, t);
  auto any = std::find(tags.begin(), tags.end(), "any");
  if (any != tags.end() && tags.size() > 1) {
    tags.erase(any);
    append_unique(r.removed, "any");
    r.removed_any = true;
  }
  std::sort(tags.begin(), tags.end());
  r.platform_tags = tags;
  std::string plat;
  for (auto& t : tags) plat += (plat.empty() ? "" : ".") + t;
  r.file_name = name.prefix + "-" + plat + ".whl";
  return r;
}

std::string graft_name(const std::string& real_basename, const std::string& sha256_hex) {
  std::string shorthash = sha256_hex.substr(0, 8);
  size_t dot = real_basename.find('.');
  std::string base = real_basename.substr(0, dot);
  std::string rest = dot == std::string::npos ? "" : real_basename.substr(dot);
  std::string suffix = "-" + shorthash;
  if (base.ends_with(suffix))
    return real_basename;
  return base + suffix + rest;
}

bool glob_match(const std::string& pattern, const std::string& name) {
  return fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

}  // namespace ferry::wheel
