// Moving `.data/scripts` executables behind a Python shim: see scripts_shim.hpp.
#include "wheel/scripts_shim.hpp"

namespace ferry::wheel {

namespace {

// Python's repr() of a str, for the path the shim embeds: single quotes unless the text holds one and no double
// quote; backslashes, the quote and control characters escaped. Non-ASCII bytes pass through (UTF-8 in, UTF-8 out).
std::string python_repr(const std::string& s) {
  bool has_single = s.find('\'') != std::string::npos, has_double = s.find('"') != std::string::npos;
  char q = has_single && !has_double ? '"' : '\'';
  std::string out(1, q);
  static const char* hex = "0123456789abcdef";
  for (unsigned char c : s) {
    if (c == '\\' || c == static_cast<unsigned char>(q)) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else out += static_cast<char>(c);
  }
  return out + q;
}

}  // namespace

bool is_data_script(const std::string& member) {
  size_t a = member.find('/');
  if (a == std::string::npos) return false;
  size_t b = member.find('/', a + 1);
  if (b == std::string::npos || member.find('/', b + 1) != std::string::npos || b + 1 == member.size()) return false;
  std::string first = member.substr(0, a);
  return first.size() > 5 && first.ends_with(".data") && member.compare(a + 1, b - a - 1, "scripts") == 0;
}

std::string moved_script_member(const std::string& distribution, const std::string& member) {
  return distribution + ".scripts/" + member.substr(member.rfind('/') + 1);
}

std::string script_shim_text(const std::string& moved_member) {
  return "#!python\n"
         "import os\n"
         "import sys\n"
         "import sysconfig\n"
         "\n"
         "\n"
         "if __name__ == \"__main__\":\n"
         "    os.execv(\n"
         "        os.path.join(sysconfig.get_path(\"platlib\"), " +
         python_repr(moved_member) +
         "),\n"
         "        sys.argv,\n"
         "    )\n";
}

}  // namespace ferry::wheel
