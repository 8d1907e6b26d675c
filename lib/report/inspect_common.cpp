// Shared text styling and format dispatch for `ferry inspect` output.
#include "report/inspect_report.hpp"

namespace ferry::report {

static std::string wrap(const std::string& s, const char* code, const TextStyle& st) {
  if (!st.color) return s;
  return std::string("\033[") + code + "m" + s + "\033[0m";
}
std::string bold(const std::string& s, const TextStyle& st) { return wrap(s, "1", st); }
std::string dim(const std::string& s, const TextStyle& st) { return wrap(s, "2", st); }
std::string red(const std::string& s, const TextStyle& st) { return wrap(s, "31", st); }
std::string green(const std::string& s, const TextStyle& st) { return wrap(s, "32", st); }
std::string yellow(const std::string& s, const TextStyle& st) { return wrap(s, "33", st); }

std::string field(const std::string& key, const std::string& value, const TextStyle& st) {
  return "  " + dim(key + ":", st) + " " + value + "\n";
}

nlohmann::json to_json(const Binary& b) {
  return std::visit([](const auto& x) { return to_json(x); }, b);
}

std::string to_text(const Binary& b, const TextStyle& st) {
  return std::visit([&](const auto& x) { return to_text(x, st); }, b);
}

}  // namespace ferry::report
