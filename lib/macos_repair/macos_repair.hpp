// `ferry show` / `ferry repair` for macOS wheels (platform tags macosx_*): delocate's job on any host. Every
// Mach-O is resolved like dyld, libraries outside the wheel and outside /usr/lib and /System are copied into
// `<package>/.dylibs/`, references rewritten to @loader_path, slices re-signed ad hoc, and the platform tag
// computed from each architecture's minos. docs/macos-repair.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "support/result.hpp"

namespace ferry::macos {

struct Options {
  std::string wheel_dir = "wheelhouse";
  std::string lib_sdir = ".dylibs";
  std::vector<std::string> exclude;            // install names or paths containing / matching these are left alone
  bool ignore_missing = false;                 // --ignore-missing-dependencies
  bool sanitize_rpaths = true;                 // drop absolute/relative LC_RPATHs of the files repair edits
  std::optional<std::string> require_archs;    // x86_64 | arm64 | universal2 | intel | a,b
  std::optional<std::string> executable_path;  // what @executable_path means (the Python binary)
  std::vector<std::string> lib_path;           // --lib-path dirs then DYLD_LIBRARY_PATH: searched first by leaf name
  std::vector<std::string> fallback_path;      // DYLD_FALLBACK_LIBRARY_PATH: searched last
  std::optional<std::string> deployment_target;  // MACOSX_DEPLOYMENT_TARGET ("10.9", "11.0"); else the wheel's tag
  bool raise_tag = false;                      // retag instead of failing when a library needs a newer macOS
  int zip_level = -1;
  std::optional<int64_t> source_date_epoch;
  std::string temp_dir;                        // where the scratch tree goes ($TMPDIR, read by the CLI); required
};

struct Library {
  std::string name;                  // the install name as written
  std::string path;                  // where it resolved ("" when missing)
  std::string disposition;           // graft | system | in-wheel | excluded | missing
  std::vector<std::string> needed_by;
  std::string grafted_as;            // member path in the repaired wheel
};

struct ArchMinos {
  std::string arch;     // x86_64, arm64
  std::string version;  // highest minos, "11.0"
  std::string file;     // the file that needs it
};

struct ShowReport {
  std::string wheel;
  std::string tag;                    // the wheel's own platform tag(s)
  std::string repair_tag;             // the tag repair reaches ("" when it would fail)
  std::string repair_problem;         // why it would fail
  std::vector<std::string> binaries;  // Mach-O members
  std::vector<ArchMinos> minos;       // per architecture, over members and libraries to graft
  std::vector<Library> libraries;
  std::vector<std::string> warnings;  // RECORD hashes the members disprove
};

struct RepairReport {
  std::string wheel, output;
  std::vector<std::string> platform_tags;
  bool unchanged = false;
  std::vector<Library> libraries;
  std::vector<std::string> changed;  // members (and grafts) rewritten, with "(resigned ARCH...)"
  std::vector<std::string> notes;
  std::vector<std::string> warnings;  // RECORD hashes the members disproved; the output's RECORD is right
};

struct MergeReport {
  std::string output;
  std::vector<std::string> platform_tags;
  std::vector<std::string> fused;      // binaries combined into universal files
  std::vector<std::string> only_one;   // members present in one wheel only (kept)
};
// delocate-merge: fuses an x86_64 and an arm64 wheel of one project into a universal2 wheel. Identical members
// are kept once; Mach-O members that differ are combined; differing other members are an error listing them.
Result<MergeReport> merge_wheels(const std::string& wheel_a, const std::string& wheel_b, const Options& opts);

bool is_macos_wheel(const std::string& wheel_path);  // its platform tags are macosx_*
Result<ShowReport> show_wheel(const std::string& wheel_path, const Options& opts);
Result<RepairReport> repair_wheel(const std::string& wheel_path, const Options& opts);

}  // namespace ferry::macos
