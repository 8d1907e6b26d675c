// How names that are not valid UTF-8 reach reports. File names, archive member names, DT_NEEDED and RPATH strings
// are bytes; JSON, SARIF, XML and GitHub annotations need UTF-8. Every byte that is not part of a valid UTF-8
// sequence is written as the four ASCII characters \xHH (documented in docs/json-schemas.md), in every format.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace ferry::report {

bool is_valid_utf8(std::string_view s);
// `s` unchanged when it is valid UTF-8; otherwise each byte outside a valid sequence becomes "\xHH".
std::string escape_invalid_utf8(std::string_view s);
// Applies escape_invalid_utf8 to every string and object key in `j`, in place.
void escape_invalid_utf8(nlohmann::json& j);
// j.dump(indent) that never throws on bad UTF-8: strings are escaped first.
std::string dump_json(nlohmann::json j, int indent = -1);

}  // namespace ferry::report
