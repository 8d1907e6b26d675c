// Rendering of `ferry show`, `ferry repair` and `ferry merge` results, per platform: manylinux/musllinux
// (wheel::ShowReport, wheel::RepairReport), Windows (wheel::WindowsShow) and macOS (macos::*Report). Text is
// what the CLI prints for one wheel; JSON is one wheel's object inside the schemas ferry.show/1, ferry.repair/2
// and ferry.merge/1 (docs/json-schemas.md), which the CLI wraps and prints.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "macos_repair/macos_repair.hpp"
#include "wheel/wheel.hpp"

namespace ferry::report {

std::string show_to_text(const wheel::ShowReport& r);
nlohmann::json show_to_json(const wheel::ShowReport& r);
std::string windows_show_to_text(const wheel::WindowsShow& s);
nlohmann::json windows_show_to_json(const wheel::WindowsShow& s);
std::string repair_to_text(const wheel::RepairReport& r);
nlohmann::json repair_to_json(const wheel::RepairReport& r);

std::string macos_show_to_text(const macos::ShowReport& r);
nlohmann::json macos_show_to_json(const macos::ShowReport& r);
std::string macos_repair_to_text(const macos::RepairReport& r);
nlohmann::json macos_repair_to_json(const macos::RepairReport& r);
std::string merge_to_text(const macos::MergeReport& r);
nlohmann::json merge_to_json(const macos::MergeReport& r);  // the whole document, with its schema

}  // namespace ferry::report
