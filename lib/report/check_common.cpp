// Shared pieces of the check renderers: one-line issue text, the hint lines, per-target counts.
#include "report/check_common.hpp"

#include "report/encoding.hpp"

namespace ferry::report {

std::string hint_text(const policy::FixHint& h) {
  std::string out;
  if (!h.older_versions.empty()) {
    out += "older versions: ";
    for (size_t i = 0; i < h.older_versions.size(); ++i) out += (i ? ", " : "") + h.older_versions[i];
  }
  if (!h.cause.empty()) out += std::string(out.empty() ? "" : "; ") + "cause: " + h.cause;
  if (!h.remedy.empty()) out += std::string(out.empty() ? "" : "; ") + "fix: " + h.remedy;
  return out;
}

std::string issue_line(const policy::Issue& i, bool with_hint) {
  std::string s = i.message;
  if (with_hint) {
    std::string h = hint_text(i.hint);
    if (!h.empty()) s += " (" + h + ")";
  }
  return s;
}

std::string artifact_of(const std::string& display_path) {
  auto bang = display_path.find('!');
  return bang == std::string::npos ? display_path : display_path.substr(0, bang);
}

size_t count_errors(const policy::TargetVerdict& v) {
  size_t n = 0;
  for (const auto& i : v.issues) n += i.severity == policy::Severity::error;
  return n;
}

std::string xml_escape(const std::string& raw) {
  // Bytes that are not UTF-8 become \xHH first (report/encoding.hpp), so the document stays well-formed.
  std::string s = escape_invalid_utf8(raw);
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 forbids most control characters even escaped: written as \xHH, like bytes that are not UTF-8.
        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
          static const char* hex = "0123456789abcdef";
          out += "\\x";
          out += hex[c >> 4];
          out += hex[c & 15];
        }
        else out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace ferry::report
