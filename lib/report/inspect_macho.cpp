// Mach-O rendering for `ferry inspect`: text for people, JSON ("ferry.inspect/1") for programs.
// One entry per slice of a universal file; versions printed the way otool -L (dylibs) and llvm-readobj
// --macho-version-min (OS/SDK) print them.
#include <sstream>

#include "report/inspect_report.hpp"
#include "support/bytes.hpp"
#include "support/text.hpp"

namespace ferry::report {

namespace {

nlohmann::json min_os_json(const macho::MinOs& m) {
  return {{"command", m.command},
          {"platform", m.platform_name},
          {"minos", macho::format_os_version(m.minos)},
          {"sdk", m.sdk ? nlohmann::json(macho::format_os_version(m.sdk)) : nlohmann::json(nullptr)}};
}

nlohmann::json slice_json(const macho::Slice& s) {
  using nlohmann::json;
  json j;
  j["offset"] = s.offset;
  j["size"] = s.size;
  j["arch"] = s.arch;
  j["cpu_type"] = s.cpu_type;
  j["cpu_subtype"] = s.cpu_subtype;
  j["bits"] = s.is_64 ? 64 : 32;
  j["endian"] = s.endian == Endian::little ? "little" : "big";
  j["file_type"] = s.file_type_name;
  j["flags"] = macho::header_flag_names(s.flags);
  if (s.id)
    j["install_name"] = {{"name", s.id->name},
                         {"current_version", macho::format_dylib_version(s.id->current_version)},
                         {"compatibility_version", macho::format_dylib_version(s.id->compatibility_version)}};
  else
    j["install_name"] = nullptr;
  json deps = json::array();
  for (const auto& d : s.dependencies)
    deps.push_back({{"name", d.name},
                    {"kind", macho::to_string(d.kind)},
                    {"current_version", macho::format_dylib_version(d.current_version)},
                    {"compatibility_version", macho::format_dylib_version(d.compatibility_version)}});
  j["dependencies"] = deps;
  j["rpaths"] = s.rpaths;
  json mins = json::array();
  for (const auto& m : s.min_os) mins.push_back(min_os_json(m));
  j["min_os"] = mins;
  j["dylinker"] = s.dylinker ? json(*s.dylinker) : json(nullptr);
  j["uuid"] = s.uuid ? json(*s.uuid) : json(nullptr);
  j["entry_offset"] = s.entry_offset ? json(*s.entry_offset) : json(nullptr);
  j["code_signature"] = s.has_code_signature;
  j["warnings"] = s.warnings;
  return j;
}

std::string min_os_text(const macho::MinOs& m) {
  std::string s = m.platform_name + " " + macho::format_os_version(m.minos);
  if (m.sdk) s += ", sdk " + macho::format_os_version(m.sdk);
  return s;
}

std::string summary(const macho::Slice& s) {
  std::string out = s.file_type_name;
  if (!s.min_os.empty()) out += ", " + min_os_text(s.min_os.front());
  return out;
}

void slice_text(std::ostringstream& o, const macho::Slice& s, const std::string& indent, const TextStyle& st) {
  auto line = [&](const std::string& k, const std::string& v) { o << indent << field(k, v, st); };
  if (s.id)
    line("install name", s.id->name + dim(" (current " + macho::format_dylib_version(s.id->current_version) +
                                              ", compatibility " +
                                              macho::format_dylib_version(s.id->compatibility_version) + ")",
                                          st));
  if (!s.dependencies.empty()) {
    line("dependencies", std::to_string(s.dependencies.size()));
    for (const auto& d : s.dependencies) {
      std::string kind = d.kind == macho::DylibKind::load ? "" : std::string(" [") + macho::to_string(d.kind) + "]";
      o << indent << "    " << d.name << kind
        << dim(" (current " + macho::format_dylib_version(d.current_version) + ", compatibility " +
                   macho::format_dylib_version(d.compatibility_version) + ")",
               st)
        << "\n";
    }
  }
  if (!s.rpaths.empty()) line("rpaths", join(s.rpaths, ", "));
  for (const auto& m : s.min_os) line("min os", min_os_text(m) + dim(" (" + m.command + ")", st));
  if (s.dylinker) line("dylinker", *s.dylinker);
  if (s.uuid) line("uuid", *s.uuid);
  auto flags = macho::header_flag_names(s.flags);
  if (!flags.empty()) line("flags", join(flags, " "));
  if (s.has_code_signature) line("code signature", "present");
  for (const auto& w : s.warnings) line("warning", yellow(w, st));
}

}  // namespace

nlohmann::json to_json(const macho::MachOFile& m) {
  nlohmann::json j;
  j["path"] = m.path;
  j["format"] = "macho";
  j["file_size"] = m.file_size;
  j["fat"] = m.fat;
  nlohmann::json slices = nlohmann::json::array();
  for (const auto& s : m.slices) slices.push_back(slice_json(s));
  j["slices"] = slices;
  return j;
}

std::string to_text(const macho::MachOFile& m, const TextStyle& st) {
  std::ostringstream o;
  if (!m.fat && m.slices.size() == 1) {
    const auto& s = m.slices.front();
    o << bold(m.path, st) << ": Mach-O " << (s.is_64 ? 64 : 32) << "-bit " << s.arch << " " << summary(s) << "\n";
    slice_text(o, s, "", st);
    return o.str();
  }
  std::vector<std::string> archs;
  for (const auto& s : m.slices) archs.push_back(s.arch);
  o << bold(m.path, st) << ": Mach-O universal binary, " << m.slices.size()
    << (m.slices.size() == 1 ? " slice: " : " slices: ") << join(archs, ", ") << "\n";
  for (const auto& s : m.slices) {
    o << "  " << bold(s.arch, st) << ": " << summary(s) << dim(" (offset " + hex(s.offset) + ")", st) << "\n";
    slice_text(o, s, "  ", st);
  }
  return o.str();
}

}  // namespace ferry::report
