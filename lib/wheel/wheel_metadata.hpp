// The two metadata files repair rewrites: `*.dist-info/WHEEL` (RFC 822 headers; its Tag lines) and
// `*.dist-info/RECORD` (CSV: path,sha256=<urlsafe base64, no padding>,size; RECORD itself `RECORD,,`), plus
// the member order auditwheel writes (tools.walk). Spec: PEP 427 / PEP 376, auditwheel wheeltools.py.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "support/hash.hpp"
#include "support/result.hpp"

namespace ferry::wheel {

// ---- WHEEL
struct Header {
  std::string name, value;
};
// Splits RFC 822 headers (continuation lines folded into the value); stops at the first empty line.
std::vector<Header> parse_headers(const std::string& text);
std::vector<std::string> wheel_tags(const std::string& wheel_text);  // the Tag values, in order

// auditwheel's WHEEL rewrite: py-abi pairs of the existing Tag lines x `platforms` are added (after the kept
// ones), Tags whose platform is in `remove` dropped; Root-Is-Purelib set to False when `make_platlib`.
// nullopt when the Tag lines would not change (the file is then left byte for byte). The new text is what
// Python's email generator writes: "Name: value\n" per header, then an empty line.
std::optional<std::string> rewrite_wheel_tags(const std::string& wheel_text, const std::vector<std::string>& platforms,
                                              const std::vector<std::string>& remove, bool make_platlib);

// ---- RECORD
struct RecordEntry {
  std::string path;
  std::string hash;  // "sha256=..." or empty
  std::string size;  // decimal or empty
};
// Parses RECORD as CSV (quoted fields, "" escapes, LF or CRLF). Error (format) naming the line.
Result<std::vector<RecordEntry>> parse_record(const std::string& text, const std::string& path_for_errors);
// "sha256=<urlsafe b64 nopad>"
std::string record_hash(const Sha256& digest);
// One CSV row as Python's csv.writer writes it (minimal quoting, "\r\n" terminator, as auditwheel's RECORD).
std::string record_line(const std::string& path, const std::string& hash, const std::string& size);
// Whether `e` gives a size other than the member's real `size` (an empty size field claims nothing).
bool record_size_disproved(const RecordEntry& e, uint64_t size);
// The warning for a RECORD line that member `member` disproves, one prefix for show and repair on every platform
// ("RECORD is wrong about 'pkg/x.py': " + `detail`).
std::string record_mismatch(const std::string& member, const std::string& detail);

// ---- member order
// True when `a` comes before `b` in auditwheel's walk: per directory, files (sorted) before subdirectories
// (sorted), top-level *.dist-info directories last, and `<top>.dist-info/RECORD` last in its directory.
bool walk_order_less(const std::string& a, const std::string& b);

}  // namespace ferry::wheel
