// `ferry check` as a library call: walk inputs (files, directories, zip/wheel and tar archives read in memory),
// decode every ELF in parallel, evaluate it against the chosen targets, attach fix hints, and return the
// results in a stable order (inputs as given, files sorted within each input, archive members in archive order).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "archive/archive.hpp"
#include "policy/policy.hpp"
#include "support/progress.hpp"
#include "support/shard.hpp"

namespace ferry::policy {

struct FileReport;
struct InputReport;

struct CheckOptions {
  // Targets to check against, by name, alias or tag, resolved for each file's architecture (a name with an
  // architecture suffix, e.g. manylinux2014_aarch64, pins it). Custom targets (--policy) are searched first.
  // Empty: every built-in target of each file's architecture (or every custom target), for an overview.
  std::vector<std::string> targets;
  std::vector<Target> custom;
  std::string sysroot;     // --sysroot: needed libraries and versions must be provided by this root
  EvaluateOptions eval;
  bool hints = true;       // learn older symbol versions from the build machine (or the sysroot)
  unsigned jobs = 0;       // 0 = all cores
  archive::ReadLimits limits;
  // --shard: only this share of the expanded files (directory entries; an archive is one file, its members
  // are judged together). Directory environments (names shipped next to a file) still see every entry.
  Shard shard;
  // Streaming (--json-lines): called on the calling thread, in report order, as each file is judged (hints
  // attached) and for each read error; the report still collects everything.
  std::function<void(const FileReport&, const InputReport&)> on_file;
  std::function<void(const Error&)> on_error;
  // Told files (inputs after directories are walked) and their bytes as each is judged (may be empty).
  ProgressFn progress;
};

struct FileReport {
  std::string path;   // display path: "dir/lib.so", "pkg.whl!pkg/_ext.so"
  std::string input;  // the argument it came from
  std::string arch;
  std::string kind;   // elf::to_string(kind)
  std::optional<std::string> soname;
  std::vector<std::string> needed;      // DT_NEEDED in order (the HTML report draws archive members' graphs from it)
  Requirements requirements;
  std::vector<TargetVerdict> verdicts;  // one per target checked, in the order of CheckOptions::targets
  std::string oldest_target;            // name of the oldest built-in target it passes ("" = none)
  std::string oldest_target_description;
  std::string best_manylinux;           // best manylinux tag for this file alone ("" = linux only)
  bool unsafe_name = false;             // archive member with an absolute or `..` path
  bool passed() const;
};

struct InputReport {
  std::string input;
  std::string kind;  // "file", "directory", "zip", "tar"
  size_t first_file = 0, file_count = 0;  // range in CheckReport::files
  std::string best_manylinux;  // for the whole input (a wheel's tag), "" when none or no ELF
  std::string best_musllinux;
};

struct CheckReport {
  std::vector<std::string> targets;  // target names checked, as given, in order (empty: overview)
  std::vector<FileReport> files;
  std::vector<InputReport> inputs;
  std::vector<Error> errors;         // inputs or members that could not be read (exit 2)
  std::vector<std::string> hint_sources;  // libraries older symbol versions were learned from
  bool all_passed() const;
};

// Finds a target for a file's architecture among the custom targets, then the built-in ones.
Result<const Target*> resolve_target(const std::string& name, const std::string& arch, const std::vector<Target>& custom);

// A target describing a root's own libraries (--sysroot without --target): named "sysroot", with numeric
// ceilings and special versions taken from the version definitions of its libc.so.6, libstdc++.so.6 and
// libgcc_s.so.1 for `arch`. not_found when the root has no libc.so.6 for that architecture.
Result<Target> target_from_sysroot(const std::string& root, const std::string& arch);

CheckReport run_check(const std::vector<std::string>& inputs, const CheckOptions& opts);

}  // namespace ferry::policy
