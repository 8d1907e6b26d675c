// TEMPORARY link stub from the lead so the shared tree links while the Mach-O/PE renderers are written.
// macho-pe engineer: DELETE THIS FILE when you add lib/report/inspect_macho.cpp and inspect_pe.cpp.
#include "report/inspect_report.hpp"
namespace ferry::report {
nlohmann::json to_json(const macho::MachOFile& m) { return {{"path", m.path}, {"format", "macho"}}; }
nlohmann::json to_json(const pe::PeInfo& p) { return {{"path", p.path}, {"format", "pe"}}; }
std::string to_text(const macho::MachOFile& m, const TextStyle&) { return m.path + ": Mach-O\n"; }
std::string to_text(const pe::PeInfo& p, const TextStyle&) { return p.path + ": PE\n"; }
}  // namespace ferry::report
