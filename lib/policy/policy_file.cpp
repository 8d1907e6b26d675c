// User-defined targets (`ferry check --policy FILE`): ferry's own JSON format (lib/policy/policy_file.md), or
// auditwheel's policy JSON (a list of policies with symbol_versions per architecture) read as is.
#include <climits>
#include <nlohmann/json.hpp>

#include "policy/policy.hpp"
#include "support/file.hpp"

namespace ferry::policy {
namespace {

using nlohmann::json;

Error bad(const std::string& path, const std::string& msg) {
  return make_error(ErrorCode::format, "policy file: " + msg).with_path(path);
}

Result<Version> version_field(const json& j, const char* key, const std::string& where, const std::string& path,
                              bool required) {
  if (!j.contains(key)) {
    if (required) return bad(path, where + ": missing \"" + key + "\"");
    return Version{};
  }
  if (!j[key].is_string()) return bad(path, where + ": \"" + key + "\" must be a string like \"2.17\"");
  auto v = Version::parse(j[key].get<std::string>());
  if (!v) return bad(path, where + ": \"" + key + "\" is not a dotted version: " + j[key].get<std::string>());
  return *v;
}

Result<std::vector<std::string>> strings(const json& j, const std::string& where, const std::string& path) {
  if (!j.is_array()) return bad(path, where + " must be a list of strings");
  std::vector<std::string> out;
  for (const auto& e : j) {
    if (!e.is_string()) return bad(path, where + " must be a list of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

Result<std::vector<Target>> ferry_format(const json& doc, const std::string& path) {
  if (!doc.contains("targets") || !doc["targets"].is_array())
    return bad(path, "expected {\"schema\": \"ferry.policy/1\", \"targets\": [...]}");
  if (doc.contains("schema") && doc["schema"] != "ferry.policy/1")
    return bad(path, "unsupported schema " + doc["schema"].dump() + " (expected \"ferry.policy/1\")");
  std::vector<Target> out;
  size_t idx = 0;
  for (const auto& j : doc["targets"]) {
    std::string where = "targets[" + std::to_string(idx++) + "]";
    if (!j.is_object()) return bad(path, where + " must be an object");
    if (!j.contains("name") || !j["name"].is_string() || j["name"].get<std::string>().empty())
      return bad(path, where + ": missing \"name\"");
    Target t;
    t.name = j["name"].get<std::string>();
    where += " (" + t.name + ")";
    t.family = Family::custom;
    t.description = j.value("description", "custom target from " + path);
    if (j.contains("aliases")) {
      FERRY_TRY(a, strings(j["aliases"], where + ": \"aliases\"", path));
      t.aliases = a;
    }
    std::string libc = j.value("libc", "glibc");
    if (libc != "glibc" && libc != "musl") return bad(path, where + ": \"libc\" must be \"glibc\" or \"musl\"");
    t.libc = libc == "musl" ? Libc::musl : Libc::glibc;
    FERRY_TRY(lv, version_field(j, "libc_version", where, path, true));
    t.libc_version = lv;
    FERRY_TRY(kv, version_field(j, "kernel", where, path, false));
    t.kernel = kv;
    if (j.contains("ceilings")) {
      if (!j["ceilings"].is_object()) return bad(path, where + ": \"ceilings\" must be an object");
      for (const auto& [ns, val] : j["ceilings"].items()) {
        if (!val.is_string() || !Version::parse(val.get<std::string>()))
          return bad(path, where + ": ceiling of " + ns + " must be a dotted version string");
        t.versions[ns].ceiling = Version::parse(val.get<std::string>());
      }
    } else if (t.libc == Libc::glibc) {
      t.versions["GLIBC"].ceiling = t.libc_version;
    }
    if (j.contains("allowed")) {
      if (!j["allowed"].is_object()) return bad(path, where + ": \"allowed\" must be an object");
      for (const auto& [ns, val] : j["allowed"].items()) {
        FERRY_TRY(list, strings(val, where + ": allowed." + ns, path));
        for (auto& s : list) t.versions[ns].special.insert(s);
      }
    }
    if (j.contains("exact")) {
      if (!j["exact"].is_object()) return bad(path, where + ": \"exact\" must be an object");
      for (const auto& [ns, val] : j["exact"].items()) {
        FERRY_TRY(list, strings(val, where + ": exact." + ns, path));
        t.versions[ns] = NamespaceRule::exact_set(list);
      }
    }
    if (j.contains("whitelist")) {
      FERRY_TRY(w, strings(j["whitelist"], where + ": \"whitelist\"", path));
      t.lib_whitelist = w;
    }
    if (j.contains("blacklist")) {
      if (!j["blacklist"].is_object()) return bad(path, where + ": \"blacklist\" must be an object");
      for (const auto& [lib, val] : j["blacklist"].items()) {
        FERRY_TRY(list, strings(val, where + ": blacklist." + lib, path));
        t.blacklist[lib] = list;
      }
    }
    t.max_x86_isa_level = j.value("x86_isa_level", 1u);
    std::vector<std::string> archs = {"x86_64"};
    if (j.contains("arch")) {
      if (j["arch"].is_string())
        archs = {j["arch"].get<std::string>()};
      else {
        FERRY_TRY(a, strings(j["arch"], where + ": \"arch\"", path));
        archs = a;
      }
    }
    for (const auto& a : archs) {
      Target copy = t;
      copy.arch = a;
      out.push_back(std::move(copy));
    }
  }
  if (out.empty()) return bad(path, "no targets");
  return out;
}

// auditwheel's policy list: [{"name", "aliases", "priority", "symbol_versions": {arch: {NS: [..]}},
// "lib_whitelist", "blacklist"}].
Result<std::vector<Target>> auditwheel_format(const json& doc, const std::string& path) {
  std::vector<Target> out;
  for (const auto& p : doc) {
    if (!p.is_object() || !p.contains("name") || !p["name"].is_string())
      return bad(path, "auditwheel policy entries need a \"name\"");
    std::string name = p["name"].get<std::string>();
    if (name == "linux") continue;
    if (!p.contains("symbol_versions") || !p["symbol_versions"].is_object())
      return bad(path, name + ": missing \"symbol_versions\"");
    for (const auto& [arch, nss] : p["symbol_versions"].items()) {
      Target t;
      t.name = name;
      t.family = Family::custom;
      t.arch = arch;
      t.description = "auditwheel policy from " + path;
      if (p.contains("priority")) {
        // A float or an integer beyond int would be undefined behaviour to convert (found by policy_file_fuzz).
        const auto& pr = p["priority"];
        if (!pr.is_number_integer() || (pr.is_number_unsigned() && pr.get<uint64_t>() > INT_MAX) ||
            (!pr.is_number_unsigned() && (pr.get<int64_t>() < INT_MIN || pr.get<int64_t>() > INT_MAX)))
          return bad(path, name + ": \"priority\" must be an integer");
        t.priority = static_cast<int>(pr.get<int64_t>());
      }
      if (p.contains("aliases")) {
        FERRY_TRY(a, strings(p["aliases"], name + ": aliases", path));
        t.aliases = a;
      }
      bool musl = name.starts_with("musllinux");
      t.libc = musl ? Libc::musl : Libc::glibc;
      auto us = name.find('_');
      if (us != std::string::npos) {
        std::string rest = name.substr(us + 1);
        for (char& c : rest)
          if (c == '_') c = '.';
        if (auto v = Version::parse(rest)) t.libc_version = *v;
      }
      if (!nss.is_object()) return bad(path, name + ": symbol_versions." + arch + " must be an object");
      for (const auto& [ns, list] : nss.items()) {
        FERRY_TRY(vs, strings(list, name + ": symbol_versions." + arch + "." + ns, path));
        t.versions[ns] = NamespaceRule::exact_set(vs);
      }
      if (p.contains("lib_whitelist")) {
        FERRY_TRY(w, strings(p["lib_whitelist"], name + ": lib_whitelist", path));
        t.lib_whitelist = w;
      }
      if (p.contains("blacklist") && p["blacklist"].is_object())
        for (const auto& [lib, val] : p["blacklist"].items()) {
          FERRY_TRY(list, strings(val, name + ": blacklist." + lib, path));
          t.blacklist[lib] = list;
        }
      out.push_back(std::move(t));
    }
  }
  if (out.empty()) return bad(path, "no targets");
  return out;
}

}  // namespace

Result<std::vector<Target>> parse_policy_json(const std::string& text, const std::string& path) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return bad(path, "not valid JSON");
  try {  // wrong value types (a number where a string belongs) surface as json exceptions; none leave here
    if (doc.is_array()) return auditwheel_format(doc, path);
    if (doc.is_object()) return ferry_format(doc, path);
  } catch (const nlohmann::json::exception& e) {
    return bad(path, std::string("wrong value type: ") + e.what());
  }
  return bad(path, "expected an object or a list");
}

Result<std::vector<Target>> read_policy_file(const std::string& path) {
  FERRY_TRY(bytes, read_file(path, 16u << 20));
  return parse_policy_json(std::string(bytes.begin(), bytes.end()), path);
}

}  // namespace ferry::policy
