// Internal helpers shared by the check_*.cpp renderers.
#pragma once

#include <string>

#include "policy/policy.hpp"

namespace ferry::report {

std::string hint_text(const policy::FixHint& h);                 // "older versions: ...; cause: ...; fix: ..."
std::string issue_line(const policy::Issue& i, bool with_hint);  // message, plus the hint in parentheses
std::string artifact_of(const std::string& display_path);        // "a.whl!pkg/x.so" -> "a.whl"
size_t count_errors(const policy::TargetVerdict& v);
std::string xml_escape(const std::string& s);

}  // namespace ferry::report
