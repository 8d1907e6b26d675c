// WHEEL header rewriting, RECORD parsing/writing and auditwheel's member order (see header for the rules).
#include "wheel/wheel_metadata.hpp"
#include "support/text.hpp"

#include <algorithm>

namespace ferry::wheel {

namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}



}  // namespace

std::vector<Header> parse_headers(const std::string& text) {
  std::vector<Header> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    std::string line = text.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    pos = eol == std::string::npos ? text.size() : eol + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    if ((line[0] == ' ' || line[0] == '\t') && !out.empty()) {
      out.back().value += "\n" + line;
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    out.push_back({line.substr(0, colon), trim(line.substr(colon + 1))});
  }
  return out;
}

std::vector<std::string> wheel_tags(const std::string& wheel_text) {
  std::vector<std::string> tags;
  for (auto& h : parse_headers(wheel_text))
    if (h.name == "Tag") tags.push_back(h.value);
  return tags;
}

std::optional<std::string> rewrite_wheel_tags(const std::string& wheel_text, const std::vector<std::string>& platforms,
                                              const std::vector<std::string>& remove, bool make_platlib) {
  auto headers = parse_headers(wheel_text);
  std::vector<std::string> in_tags;
  for (auto& h : headers)
    if (h.name == "Tag") in_tags.push_back(h.value);
  std::vector<std::string> pyc;  // unique "py-abi" pairs, in order
  for (auto& t : in_tags) {
    size_t d1 = t.find('-');
    size_t d2 = d1 == std::string::npos ? std::string::npos : t.find('-', d1 + 1);
    std::string pair = t.substr(0, d2);
    if (std::find(pyc.begin(), pyc.end(), pair) == pyc.end()) pyc.push_back(pair);
  }
  std::vector<std::string> wanted, unwanted;
  for (auto& p : pyc) {
    for (auto& plat : platforms) wanted.push_back(p + "-" + plat);
    for (auto& plat : remove) unwanted.push_back(p + "-" + plat);
  }
  // A tag both wanted and in `remove` stays where it is (the macOS repair and merge remove the input's own
  // platforms, which a repair that keeps its tag also wants; dropping it, then skipping it as present, lost every
  // Tag line). auditwheel's `remove` is linux_<arch> only, never wanted, so its result is unchanged.
  auto has = [](const std::vector<std::string>& v, const std::string& t) { return std::find(v.begin(), v.end(), t) != v.end(); };
  std::vector<std::string> updated;
  for (auto& t : in_tags)
    if (!has(unwanted, t) || has(wanted, t)) updated.push_back(t);
  for (auto& t : wanted)
    if (!has(updated, t)) updated.push_back(t);
  if (updated == in_tags) return std::nullopt;
  // Python's Message: `del info["Tag"]` then add_header appends every Tag after the other headers.
  std::string out;
  bool purelib_seen = false;
  for (auto& h : headers) {
    if (h.name == "Tag") continue;
    std::string value = h.value;
    if (make_platlib && h.name == "Root-Is-Purelib") {
      value = "False";
      purelib_seen = true;
    }
    out += h.name + ": " + value + "\n";
  }
  if (make_platlib && !purelib_seen) out += "Root-Is-Purelib: False\n";
  for (auto& t : updated) out += "Tag: " + t + "\n";
  out += "\n";
  return out;
}

Result<std::vector<RecordEntry>> parse_record(const std::string& text, const std::string& path_for_errors) {
  std::vector<RecordEntry> out;
  size_t i = 0, line_no = 1;
  while (i < text.size()) {
    std::vector<std::string> fields(1);
    bool quoted = false, field_start = true;
    size_t row_line = line_no;
    for (; i < text.size(); ++i) {
      char c = text[i];
      if (quoted) {
        if (c == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            fields.back() += '"';
            ++i;
          } else {
            quoted = false;
          }
        } else {
          if (c == '\n') ++line_no;
          fields.back() += c;
        }
        continue;
      }
      if (c == '"' && field_start) {
        quoted = true;
        field_start = false;
      } else if (c == ',') {
        fields.emplace_back();
        field_start = true;
      } else if (c == '\n') {
        ++i;
        ++line_no;
        break;
      } else if (c == '\r') {
        // part of a CRLF terminator
      } else {
        fields.back() += c;
        field_start = false;
      }
    }
    if (quoted)
      return make_error(ErrorCode::format, "RECORD line " + std::to_string(row_line) + ": unterminated quoted field")
          .with_path(path_for_errors);
    if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
    if (fields.size() != 3)
      return make_error(ErrorCode::format, "RECORD line " + std::to_string(row_line) + ": " +
                                               std::to_string(fields.size()) + " fields, expected 3 (path,hash,size)")
          .with_path(path_for_errors);
    out.push_back({fields[0], fields[1], fields[2]});
  }
  return out;
}

std::string record_hash(const Sha256& digest) { return "sha256=" + to_record_base64(digest); }

bool record_size_disproved(const RecordEntry& e, uint64_t size) {
  return !e.size.empty() && e.size != std::to_string(size);
}

std::string record_mismatch(const std::string& member, const std::string& detail) {
  return "RECORD is wrong about '" + member + "': " + detail;
}

std::string record_line(const std::string& path, const std::string& hash, const std::string& size) {
  auto field = [](const std::string& f) {
    if (f.find_first_of(",\"\r\n") == std::string::npos) return f;
    std::string q = "\"";
    for (char c : f) {
      if (c == '"') q += '"';
      q += c;
    }
    return q + "\"";
  };
  return field(path) + "," + field(hash) + "," + field(size) + "\r\n";
}

bool walk_order_less(const std::string& a, const std::string& b) {
  if (a == b) return false;
  auto pa = split_path(a), pb = split_path(b);
  size_t i = 0;
  while (i < pa.size() && i < pb.size() && pa[i] == pb[i]) ++i;
  if (i == pa.size() || i == pb.size()) return pa.size() < pb.size();  // a directory prefix of the other
  bool a_file = i + 1 == pa.size(), b_file = i + 1 == pb.size();
  if (a_file != b_file) return a_file;  // files of a directory before its subdirectories
  if (a_file) {
    bool in_top_dist_info = i == 1 && pa[0].ends_with(".dist-info");
    if (in_top_dist_info && (pa[i] == "RECORD" || pb[i] == "RECORD")) return pb[i] == "RECORD";
    return pa[i] < pb[i];
  }
  if (i == 0) {
    bool da = pa[0].ends_with(".dist-info"), db = pb[0].ends_with(".dist-info");
    if (da != db) return db;
  }
  return pa[i] < pb[i];
}

}  // namespace ferry::wheel
