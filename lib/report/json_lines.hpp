// `--json-lines`: one self-contained JSON object per file, for fleets of files processed in shards and merged
// with cat/jq. Each line carries its schema name (the command's, e.g. "ferry.check/1") and "file", plus the
// same per-file object the command's --json report holds in its "files" array (or "error" for an unreadable one).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "binary/inspect.hpp"
#include "policy/check.hpp"
#include "report/deps_report.hpp"

namespace ferry::report {

// {"schema": schema, "file": file} merged with `body` (its own keys win except those two).
nlohmann::json json_line(const std::string& schema, const std::string& file, nlohmann::json body);
// A file that could not be read: {"schema", "file", "error": {"code", "message"}}.
nlohmann::json error_line(const std::string& schema, const std::string& file, const Error& e);

nlohmann::json inspect_line(const InspectItem& item);
// With the loader model (loader, sysroot, ld_library_path, secure) so each line stands alone.
nlohmann::json deps_line(const DepsResult& r, const resolve::ResolveOptions& opts);
// With the targets checked and, for an archive member, the archive's best tags (from `in`, the file's input).
nlohmann::json check_line(const policy::FileReport& f, const policy::InputReport& in,
                          const std::vector<std::string>& targets);

// One line of text: compact JSON ("schema" and "file" first) and "\n".
std::string dump_line(nlohmann::json j);

}  // namespace ferry::report
