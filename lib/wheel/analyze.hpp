// The facts show and repair share: the wheel opened and checked (names, RECORD), its ELF members extracted to a
// scratch tree and resolved, and for every manylinux/musllinux target of the wheel's architecture what blocks it
// (symbol versions, libraries to graft, blacklisted symbols, ISA level). auditwheel's wheel_abi.py, as data.
#pragma once

#include "support/progress.hpp"

#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "elf/elf_info.hpp"
#include "policy/policy.hpp"
#include "resolve/resolve.hpp"
#include "wheel/wheel.hpp"
#include "wheel/wheel_metadata.hpp"
#include "wheel/wheel_name.hpp"
#include "wheel/wheel_zip.hpp"

namespace ferry::wheel {

struct ElfMember {
  std::string member;     // name inside the wheel
  std::string extracted;  // its copy in the scratch tree
  elf::ElfInfo info;
  resolve::DependencyTree tree;
  // Wheel-internal libraries found only through the wheel's own directories (no RPATH leads there): repair
  // adds $ORIGIN/<dir> so the loader finds them too.
  std::vector<std::string> internal_dirs_needed;  // member directories
};

// A library outside the wheel reached from the wheel's ELF files, for one target.
struct Reached {
  ExternalLibrary lib;
  std::shared_ptr<const resolve::LoadedObject> object;  // nullptr when missing
};

struct TargetEval {
  const policy::Target* target = nullptr;
  std::map<std::string, Reached> libs;  // by DT_NEEDED name
  std::vector<std::string> symbol_reasons, blacklist_reasons, isa_reasons;
  bool has_external() const;  // something must be grafted, or is missing
  bool has_missing() const;
  bool fine_as_is(bool ucs2, bool pyfpe) const;
  bool fine_after_graft(bool ucs2, bool pyfpe) const;
};

struct Sibling {
  std::string name;      // distribution name as given
  std::string site;      // site-packages directory
  std::vector<std::string> lib_dirs;  // directories (absolute) holding its shared libraries
};

struct Analysis {
  std::string wheel_path;
  WheelName name;
  ZipReader zip;
  std::string scratch;   // removed by the destructor
  std::string root;      // scratch/root: the extracted tree
  std::string dist_info; // "pkg-1.0.dist-info"
  std::string wheel_text;
  std::vector<RecordEntry> record;
  std::map<std::string, Sha256> hashes;  // members whose content ferry hashed (and checked against RECORD)
  uint64_t members_trusted = 0;          // --trust-record: members whose RECORD line was believed, not checked
  // --trust-record: ELF members inflated but not hashed, their RECORD line's digest standing for them; each one
  // repair copies as it is counts as trusted too (its line is carried over).
  std::set<std::string> claimed_elves;
  // RECORD lines the members disproved (a size, a sha256), one sentence each. Not an error: pip installs such a
  // wheel (it does not check RECORD's hashes) and auditwheel rewrites RECORD without looking, so ferry reports
  // them (show and repair: warnings) and repair's RECORD gives what the member really holds.
  std::vector<std::string> record_mismatches;
  std::vector<ElfMember> elves;
  std::string arch;
  policy::Family family = policy::Family::manylinux;
  bool ucs2 = false, pyfpe = false;
  std::vector<TargetEval> evals;  // best (highest priority) first
  std::vector<VersionedUse> versioned;
  std::vector<Sibling> siblings;
  std::unique_ptr<resolve::Resolver> resolver;
  // AnalyzeOptions::decode_in_memory: the ELF members decoded as they were inflated, for the resolver (by the
  // device and inode of their placeholder under `root`, which holds no data). Null otherwise.
  std::shared_ptr<const resolve::DecodedObjects> decoded;
  // AnalyzeOptions::index_deflate_from: the block index of each large deflated ELF member, by member name.
  std::map<std::string, std::shared_ptr<PendingDeflateIndex>> deflate_indexes;
  // With index_deflate_from: a second copy of each indexed member as extracted (under scratch/seed), which a
  // patch of it writes its output into (patch::PatchOptions::seed), by member name. Valid while the member's file
  // under `root` is as extracted.
  std::map<std::string, std::string> seeds;

  Analysis() = default;
  Analysis(Analysis&&) = default;
  ~Analysis();
  const TargetEval* find_eval(const std::string& name_or_alias) const;
};

struct AnalyzeOptions {
  const ShowOptions* show = nullptr;
  bool include_drivers = false;
  bool verify_all_hashes = true;  // false: only ELF members and the metadata are read (show)
  // repair --trust-record: members neither ELF nor metadata, with a sha256 in RECORD, are not inflated (scan_members)
  bool trust_record = false;
  // show: an ELF member inflated whole is decoded from memory, and its file under a.root is a placeholder of its
  // size with no data (no write of the member, no second read): only for callers that never read those files
  // (not repair, not show --lower). Members that stream (too large to inflate whole, or stored) are written.
  bool decode_in_memory = false;
  // repair: deflated ELF members of this size or more (0: none) are inflated by zlib block by block and their
  // block index kept (Analysis::deflate_indexes), so the patched member's unchanged ranges keep their compressed
  // bits (deflate_reuse.hpp). zlib inflates at about half ISA-L's rate; below 64 MiB the saving is small.
  uint64_t index_deflate_from = 0;
  const ProgressFn* progress = nullptr;  // told members checked (may be null)
};

Result<Analysis> analyze_wheel(const std::string& wheel_path, const AnalyzeOptions& opts);

// A target's tag and its aliases' tags, best first ("manylinux_2_17_x86_64", "manylinux2014_x86_64").
std::vector<std::string> target_tags(const policy::Target& t);

// One line per reason `ev`'s target is refused (after_graft: libraries that would be grafted do not count).
std::vector<std::string> refusal_reasons(const Analysis& a, const TargetEval& ev, bool after_graft);

// "libpython3.11.so.1.0" and friends (auditwheel's LIBPYTHON_RE).
bool is_libpython(const std::string& name);
// Driver / process-singleton libraries ferry never grafts by default.
bool is_driver_library(const std::string& name);

}  // namespace ferry::wheel
