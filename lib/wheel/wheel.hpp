// Wheel audit and repair (`ferry show`, `ferry repair`): auditwheel's observable behaviour (output names, tags,
// RECORD, `<dist>.libs/` grafting with hashed names, $ORIGIN RPATHs) with ferry's own ELF writer, plus the
// things auditwheel lacks (driver libraries never grafted, sibling wheels, idempotent re-repair, provenance,
// raw copy of unchanged zip members). See docs/wheel-contract.md.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "support/progress.hpp"
#include "support/result.hpp"
#include "wheel/windows.hpp"
#include "wheel/sbom.hpp"

namespace ferry::wheel {

// What happens to a library an ELF in the wheel needs.
enum class Disposition {
  graft,       // copied into <dist>.libs/ under a hashed name
  excluded,    // --exclude matched: left to the system (the user vouches for it)
  driver,      // a driver or process-singleton library (libcuda, libnvidia-*, libGL, libEGL, libvulkan): never grafted
  sibling,     // provided by another installed wheel (--sibling): RPATH points at it
  libpython,   // removed from DT_NEEDED (the interpreter provides it)
  missing,     // not found anywhere: repair refuses
};
const char* to_string(Disposition d);

struct ExternalLibrary {
  std::string name;                  // the DT_NEEDED name
  std::optional<std::string> path;   // where it resolved (real path), when found
  Disposition disposition = Disposition::graft;
  std::vector<std::string> needed_by;  // wheel members or grafted libraries that need it
  std::string graft_name;            // repair: the name inside <dist>.libs/
  std::string sibling;               // the sibling package providing it
};

struct VersionedUse {
  std::string library;                 // libc.so.6
  std::vector<std::string> versions;   // GLIBC_2.2.5, GLIBC_2.34 (sorted)
};

// Why one tag better than the chosen one is refused.
struct Refusal {
  std::string tag;                   // manylinux_2_5_x86_64
  std::vector<std::string> reasons;  // one line each: symbol versions with symbols, libraries, blacklist, ISA
};

struct ShowOptions {
  std::optional<std::string> plat;   // the tag the exit code is about (default: any manylinux/musllinux tag)
  std::vector<std::string> exclude;  // --exclude patterns
  std::vector<std::string> siblings; // --sibling distributions
  std::string site_packages;         // where siblings are installed (the CLI defaults it to python3's platlib)
  std::optional<std::string> ld_library_path;  // LD_LIBRARY_PATH (the CLI reads the environment's); nullopt = none
  std::string temp_dir;              // where scratch trees go (the CLI passes $TMPDIR, else /tmp); required
  std::vector<std::string> ldpaths;  // --ldpaths: replace the system search dirs
  bool disable_isa_check = false;
  bool allow_pure = false;
  // --lower: repair lowers the wheel's own ELF files' glibc requirements (ferry lower) to --plat's ceiling, or
  // to the best tag lowering reaches, before grafting and retagging; show reports that tag (lowerable_tag).
  bool lower = false;
  unsigned jobs = 0;
  // The one musllinux policy a musl wheel is judged against, as auditwheel does: the running musl's
  // ("musllinux_1_2"); nullopt = the newest known (auditwheel's choice when no musl runs here).
  std::optional<std::string> musl_policy;
  WindowsOptions windows;  // win32 / win_amd64 / win_arm64 wheels (windows.hpp)
  ProgressFn progress;  // told members checked and written, from any thread, one call at a time (may be empty)
  StepFn on_step;       // told each step's wall time (scan, resolve, patch, write...) on the calling thread
};

struct ShowReport {
  std::string wheel;                 // path as given
  bool pure = false;                 // no ELF file inside
  std::string arch;
  std::string best_tag;              // best tag the wheel satisfies as it is ("linux_x86_64" when none)
  std::vector<std::string> best_aliases;
  std::string repairable_tag;        // best tag after grafting external libraries ("" when none)
  std::vector<std::string> elf_members;
  std::vector<VersionedUse> versioned;
  std::vector<ExternalLibrary> external;  // for the most compatible target
  std::vector<Refusal> refused;           // tags better than best_tag, best first
  bool ucs2 = false;
  bool pyfpe = false;
  std::string lowerable_tag;              // show --lower: the best tag `repair --lower` reaches ("" when none)
  std::vector<std::string> lower_blockers;  // show --lower: why lowering reaches no better tag than that
  std::optional<std::string> requested;   // --plat as a full tag
  bool satisfies = false;                 // the wheel as it is satisfies the requested tag
  std::vector<std::string> warnings;      // RECORD lines the members disprove (Analysis::record_mismatches)
};

Result<ShowReport> show_wheel(const std::string& wheel_path, const ShowOptions& opts);

// Strips one file in place (repair --strip). The library runs no program: the CLI passes one that runs
// `strip -s`. Called from worker threads, so it must not throw.
using StripFile = std::function<Status(const std::string& path)>;

struct RepairOptions : ShowOptions {
  std::string wheel_dir = "wheelhouse";
  std::string lib_sdir = ".libs";
  bool only_plat = false;
  StripFile strip;  // set: strip every ELF written, before patching (auditwheel --strip)
  bool update_tags = true;
  int zip_level = -1;  // -z
  std::optional<int64_t> source_date_epoch;  // every member's time; nullopt = the input's times (the CLI reads SOURCE_DATE_EPOCH)
  bool include_drivers = false;  // --include-drivers: graft libcuda & co. anyway (not recommended)
  // --verify-record: accepted for compatibility; repair checks every member's hash against RECORD anyway.
  bool verify_all_hashes = false;
  // --trust-record (opt-in): a member ferry copies byte for byte (not ELF, not metadata, not rewritten) whose
  // RECORD line has a sha256 is not inflated; the line is carried over as it is (pip checks it at install).
  // ELF members and every member ferry writes are still read and hashed. The report counts the trusted ones.
  bool trust_record = false;
  // Asked which distribution package provides each grafted library, for the SBOM (the CLI runs dpkg/rpm/apk as
  // auditwheel does); empty = no package is named and the SBOM lists the grafted files with their hashes only.
  WhichProvidesMany which_provides;
};

// One ELF that changed, before and after.
struct ElfChange {
  std::string member;
  std::vector<std::string> needed_before, needed_after;
  std::string rpath_before, rpath_after;  // DT_RPATH or DT_RUNPATH as found / as written
  std::string soname_before, soname_after;
  uint64_t size_before = 0, size_after = 0;
  bool grafted = false;  // a library copied in (before = the system file)
};

struct RepairReport {
  std::string wheel;
  std::string output;            // path of the written wheel ("" when nothing was written)
  std::vector<std::string> platform_tags;
  std::string policy_tag;        // the target the repair checked against
  bool unchanged = false;        // already repaired: the input was copied as it is
  std::vector<ExternalLibrary> libraries;
  std::vector<ElfChange> changes;
  std::vector<std::string> notes;  // "libcuda.so.1: driver library, not grafted (comes from the system)"
  // RECORD lines the members disproved (Analysis::record_mismatches); the repaired wheel's RECORD is right.
  std::vector<std::string> warnings;
  uint64_t members_copied = 0, members_written = 0;
  uint64_t members_trusted = 0;  // --trust-record: copied members whose RECORD line was believed, not checked
  std::string sbom;                     // the SBOM member ("" when nothing was grafted)
  std::vector<std::string> sbom_purls;  // distribution packages it names
};

Result<RepairReport> repair_wheel(const std::string& wheel_path, const RepairOptions& opts);
// The Windows half of repair_wheel (windows_repair.cpp), chosen by the wheel's platform tag.
Result<RepairReport> repair_windows_wheel(const std::string& wheel_path, const RepairOptions& opts);

}  // namespace ferry::wheel
