// The passes of macOS wheel repair and the data they hand each other: load (wheel -> checked hashes + parsed
// Mach-O members), resolve (dyld rules -> dependency edges), plan (dispositions, graft members, edits),
// tags (minos -> platform tag), write (rewritten files + RECORD/WHEEL -> output wheel).
#pragma once

#include <map>
#include <memory>
#include <set>

#include "macho/edit_commands.hpp"
#include "macho/macho_info.hpp"
#include "macos_repair/macos_repair.hpp"
#include "wheel/wheel_metadata.hpp"
#include "wheel/wheel_name.hpp"
#include "wheel/wheel_zip.hpp"
#include "wheel/zip_raw.hpp"

namespace ferry::macos {

struct Binary {
  std::string member;     // wheel member path; for a library outside the wheel, "" until planned
  std::string disk_path;  // real path on disk; for members <root>/<member>, a name only (nothing is extracted)
  macho::MachOFile file;
  // A library outside the wheel: its content, read once. A member: null (loading parses each member in a reused
  // buffer; the few that are rewritten are inflated again by member_bytes).
  std::shared_ptr<const std::vector<uint8_t>> bytes;
  bool stale_signature = false;  // a slice's SHA-256 page hashes do not match (repair re-signs it)
};

struct LoadedWheel {
  std::string path;
  std::string temp_dir, scratch;  // scratch: made under temp_dir on first need (scratch_dir), removed with this
  std::string root;               // the virtual directory members are named under (never created)
  std::set<std::string> members;    // regular members, for dyld lookups inside the wheel
  wheel::WheelName name;
  wheel::ZipReader zip;
  std::string dist_info, wheel_text;
  std::map<std::string, Sha256> hashes;  // member -> checked SHA-256
  // Members whose RECORD hash their content disproves, one sentence each: a warning, not a refusal (real wheels
  // have them: openexr 3.3.2's macOS wheel, whose WHEEL was rewritten after RECORD), as on Linux
  // (wheel::Analysis::record_mismatches); repair's RECORD gives the real hash.
  std::vector<std::string> record_mismatches;
  std::vector<wheel::RawMember> raw;     // the central directory, by member index (data offsets)
  std::vector<Binary> binaries;          // Mach-O members, by member name
  ~LoadedWheel();
  LoadedWheel() = default;
  LoadedWheel(LoadedWheel&&) = default;
};

// One dependency edge: `from` (a disk path) names `name`, which resolved to `to` ("" = missing).
struct Edge {
  std::string from, name, to, disposition;
};
struct Graph {
  std::vector<Edge> edges;
  std::map<std::string, Binary> external;  // parsed libraries outside the wheel, by real path
};

struct Plan {
  std::string lib_dir;                              // member directory of grafts, "pkg/.dylibs"
  std::map<std::string, std::string> graft_member;  // real path -> member
  std::map<std::string, macho::CommandEdits> edits; // disk path -> edits
  std::vector<Library> libraries;
};

Result<LoadedWheel> load_wheel(const std::string& wheel_path, const std::string& temp_dir);
// The wheel's scratch directory, created on the first call (most repairs need none).
Result<std::string> scratch_dir(LoadedWheel& w);
// The content of member `member`, inflated again; an error if it no longer has the SHA-256 checked on load.
Result<std::shared_ptr<const std::vector<uint8_t>>> member_bytes(const LoadedWheel& w, const std::string& member);
Result<Graph> resolve_dependencies(const LoadedWheel& w, const Options& opts);
Result<Plan> plan_repair(const LoadedWheel& w, const Graph& g, const Options& opts);
// Platform tags ("macosx_11_0_arm64"), or the error naming each library too new for the target.
Result<std::vector<std::string>> compute_tags(const LoadedWheel& w, const Graph& g, const Options& opts,
                                              std::vector<ArchMinos>* minos);
Status check_archs(const LoadedWheel& w, const Graph& g, const Plan& p, const std::string& require);

}  // namespace ferry::macos
