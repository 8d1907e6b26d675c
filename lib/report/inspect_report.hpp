// Rendering of `ferry inspect` results: human text and the JSON schema "ferry.inspect/1".
// nlohmann::json appears in report's interface on purpose: report is the rendering module, used by the CLI.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "binary/binary.hpp"

namespace ferry::report {

struct TextStyle {
  bool color = false;
};

nlohmann::json to_json(const elf::ElfInfo& info);
nlohmann::json to_json(const macho::MachOFile& info);  // lib/report/inspect_macho.cpp
nlohmann::json to_json(const pe::PeInfo& info);        // lib/report/inspect_pe.cpp
nlohmann::json to_json(const Binary& b);

std::string to_text(const elf::ElfInfo& info, const TextStyle& style);
std::string to_text(const macho::MachOFile& info, const TextStyle& style);
std::string to_text(const pe::PeInfo& info, const TextStyle& style);
std::string to_text(const Binary& b, const TextStyle& style);

// Small shared helpers for text renderers: "  key: value" lines and ANSI styling when enabled.
std::string field(const std::string& key, const std::string& value, const TextStyle& style);
std::string bold(const std::string& s, const TextStyle& style);
std::string dim(const std::string& s, const TextStyle& style);
std::string red(const std::string& s, const TextStyle& style);
std::string green(const std::string& s, const TextStyle& style);
std::string yellow(const std::string& s, const TextStyle& style);

}  // namespace ferry::report
