// Lossless, readable encoding of non-UTF-8 bytes for every report format (see encoding.hpp).
#include "report/encoding.hpp"

#include <cstdint>
#include <vector>

namespace ferry::report {

namespace {

// Length of the valid UTF-8 sequence at s[i] (RFC 3629: no overlongs, no surrogates, at most U+10FFFF), or 0.
size_t utf8_sequence(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t c = b(i);
  if (c < 0x80) return 1;
  size_t n;
  uint8_t lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) n = 2;
  else if (c == 0xe0) n = 3, lo = 0xa0;
  else if (c == 0xed) n = 3, hi = 0x9f;
  else if (c >= 0xe1 && c <= 0xef) n = 3;
  else if (c == 0xf0) n = 4, lo = 0x90;
  else if (c >= 0xf1 && c <= 0xf3) n = 4;
  else if (c == 0xf4) n = 4, hi = 0x8f;
  else return 0;
  if (i + n > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xbf) return 0;
  return n;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_sequence(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string escape_invalid_utf8(std::string_view s) {
  if (is_valid_utf8(s)) return std::string(s);
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 16);
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_sequence(s, i);
    if (n == 0) {
      uint8_t c = static_cast<uint8_t>(s[i]);
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
      ++i;
      continue;
    }
    out.append(s, i, n);
    i += n;
  }
  return out;
}

void escape_invalid_utf8(nlohmann::json& j) {
  if (j.is_string()) {
    auto& s = j.get_ref<std::string&>();
    if (!is_valid_utf8(s)) s = escape_invalid_utf8(s);
  } else if (j.is_array()) {
    for (auto& e : j) escape_invalid_utf8(e);
  } else if (j.is_object()) {
    // Keys cannot be changed in place: rebuild the object only when some key needs it.
    bool bad_key = false;
    for (auto it = j.begin(); it != j.end(); ++it) {
      escape_invalid_utf8(it.value());
      if (!is_valid_utf8(it.key())) bad_key = true;
    }
    if (bad_key) {
      nlohmann::json fixed = nlohmann::json::object();
      for (auto it = j.begin(); it != j.end(); ++it) fixed[escape_invalid_utf8(it.key())] = std::move(it.value());
      j = std::move(fixed);
    }
  }
}

std::string dump_json(nlohmann::json j, int indent) {
  escape_invalid_utf8(j);
  return j.dump(indent);
}

}  // namespace ferry::report
