// PE rendering for `ferry inspect`: text for people, JSON ("ferry.inspect/1") for programs.
// Characteristics are named as in the PE specification without the IMAGE_FILE_ / IMAGE_DLLCHARACTERISTICS_
// prefixes that llvm-readobj prints.
#include <sstream>

#include "report/inspect_report.hpp"
#include "support/bytes.hpp"
#include "support/text.hpp"

namespace ferry::report {

namespace {

std::string version(const pe::Version& v) { return std::to_string(v.major) + "." + std::to_string(v.minor); }

std::string function_label(const pe::ImportedFunction& f) {
  return f.ordinal ? "#" + std::to_string(*f.ordinal) : f.name;
}

nlohmann::json dlls_json(const std::vector<pe::ImportedDll>& dlls) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : dlls) {
    std::vector<std::string> fns;
    for (const auto& f : d.functions) fns.push_back(function_label(f));
    out.push_back({{"dll", d.name}, {"function_count", d.functions.size()}, {"functions", fns}});
  }
  return out;
}

std::string dlls_text(const std::vector<pe::ImportedDll>& dlls, const TextStyle& st) {
  std::vector<std::string> parts;
  for (const auto& d : dlls) parts.push_back(d.name + dim(" (" + std::to_string(d.functions.size()) + ")", st));
  return join(parts, ", ");
}

}  // namespace

nlohmann::json to_json(const pe::PeInfo& p) {
  using nlohmann::json;
  json j;
  j["path"] = p.path;
  j["format"] = "pe";
  j["file_size"] = p.file_size;
  j["machine"] = p.machine_name;
  j["coff_machine"] = p.machine;
  j["pe_type"] = p.pe32_plus ? "PE32+" : "PE32";
  j["type"] = p.is_dll ? "dll" : "exe";
  j["characteristics"] = pe::characteristics_names(p.characteristics);
  j["dll_characteristics"] = pe::dll_characteristics_names(p.dll_characteristics);
  j["subsystem"] = p.subsystem_name;
  j["os_version"] = version(p.os_version);
  j["subsystem_version"] = version(p.subsystem_version);
  j["image_version"] = version(p.image_version);
  j["linker_version"] = version(p.linker_version);
  j["timestamp"] = p.timestamp;
  j["image_base"] = p.image_base;
  j["entry_point"] = p.entry_point;
  j["imports"] = dlls_json(p.imports);
  j["delay_imports"] = dlls_json(p.delay_imports);
  j["export_name"] = p.export_name ? json(*p.export_name) : json(nullptr);
  j["export_count"] = p.export_count;
  j["exports"] = p.exported_names;
  j["warnings"] = p.warnings;
  return j;
}

std::string to_text(const pe::PeInfo& p, const TextStyle& st) {
  std::ostringstream o;
  o << bold(p.path, st) << ": " << (p.pe32_plus ? "PE32+ " : "PE32 ") << (p.is_dll ? "DLL" : "executable") << ", "
    << p.machine_name << ", " << p.subsystem_name << "\n";
  if (p.export_name || p.export_count)
    o << field("export name", (p.export_name ? *p.export_name : std::string("(none)")) +
                                  dim(" (" + std::to_string(p.export_count) + " exports)", st),
               st);
  if (!p.imports.empty()) o << field("imports", dlls_text(p.imports, st), st);
  if (!p.delay_imports.empty()) o << field("delay imports", dlls_text(p.delay_imports, st), st);
  o << field("os version", version(p.os_version), st);
  o << field("subsystem version", version(p.subsystem_version), st);
  auto ch = pe::characteristics_names(p.characteristics);
  if (!ch.empty()) o << field("characteristics", join(ch, " "), st);
  auto dch = pe::dll_characteristics_names(p.dll_characteristics);
  if (!dch.empty()) o << field("dll characteristics", join(dch, " "), st);
  for (const auto& w : p.warnings) o << field("warning", yellow(w, st), st);
  return o.str();
}

}  // namespace ferry::report
