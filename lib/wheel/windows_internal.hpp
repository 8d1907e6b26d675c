// Shared by the passes of Windows wheel repair (windows_*.cpp): the opened wheel, the PE images found, the
// classification of each imported DLL, and the pass signatures. Not installed API; windows.hpp is.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "pe/pe_info.hpp"
#include "wheel/windows.hpp"
#include "wheel/wheel_metadata.hpp"
#include "wheel/wheel_name.hpp"
#include "wheel/wheel_zip.hpp"
#include "wheel/zip_raw.hpp"

namespace ferry::wheel::windows {

constexpr uint16_t kMachineI386 = 0x14c, kMachineAmd64 = 0x8664, kMachineArm64 = 0xaa64;

std::string lower(std::string s);
// delvewheel's wildcard rule: a pattern with '*' is an fnmatch pattern, otherwise an exact (lowercase) name.
bool wildcard_contains(const std::string& lower_name, const std::vector<std::string>& patterns);

// One PE image: a wheel member or a DLL found on the host.
struct Image {
  std::string lower_name;      // basename, lowercase
  std::string base_name;       // basename as found (its case gives the mangled name's case)
  std::string member;          // wheel member ("" for host files)
  std::string host_path;       // host file ("" for members)
  std::vector<uint8_t> bytes;
  pe::PeInfo info;
  bool root = false;           // analysed because of what it is (.pyd, or .dll with --analyze-existing)
  std::vector<std::string> direct;  // lowercase names of imports + delay imports, in order (duplicates kept)
};

struct Wheel {
  std::string path;
  WheelName name;
  ZipReader zip;
  std::vector<RawMember> raw;  // the central directory, by member index (member data is read through it)
  std::shared_ptr<const int> fd;  // the wheel, open for pread from any thread
  std::string dist_info;
  std::vector<RecordEntry> record;
  uint16_t machine = 0;
  std::string abi;             // "cp312", "abi3", ...
  std::map<std::string, std::vector<std::string>> casemap;  // lowercase basename -> members
};

struct Discovery {
  std::vector<std::unique_ptr<Image>> images;          // roots first, then dependencies in discovery order
  std::map<std::string, Image*> by_name;               // dependencies by lowercase name
  std::map<std::string, DllFinding> findings;          // every imported name, classified
  std::vector<std::string> warnings;
  // --ignore-existing: DLLs in the wheel keep their imports, so what they import keeps its name (delvewheel).
  std::set<std::string> keep_names;
};

// Pass: open the wheel, check its name and members, find its dist-info, RECORD and architecture.
Result<Wheel> open_windows_wheel(const std::string& wheel_path);
// A member's content (inflated by libdeflate, CRC checked); safe to call from several threads at once.
Result<std::vector<uint8_t>> read_member_bytes(const Wheel& w, const ZipMember& m, uint64_t max_size);
// Pass: DLLs the Python ABI of this wheel provides (vcruntime140.dll ... for cp39+ on amd64).
std::set<std::string> abi_runtime_dlls(const WheelName& name);
// Vendored by repair: found outside the wheel, or in it (moved into the libs directory) without --ignore-existing.
inline bool is_vendored(const DllFinding& f, const WindowsOptions& opts) {
  return f.kind == DllKind::vendor || (f.kind == DllKind::in_wheel && !opts.ignore_existing);
}
// Pass: read the roots, then every DLL they reach (wheel, --add-path, PATH), classifying each imported name.
// Images are read on `jobs` threads (0 = all cores).
Result<Discovery> discover(Wheel& w, const WindowsOptions& opts, unsigned jobs = 0);
// The imported names of `img` that are vendored or moved and so get mangled (delvewheel's "mangleable needed").
std::vector<std::string> mangleable_needed(const Image& img, const Discovery& d, const WindowsOptions& opts);
// Pass: mangled names (name-<hash>.dll), dependencies hashed first; lowercase name -> new name.
Result<std::map<std::string, std::string>> mangle_names(const Discovery& d, const WindowsOptions& opts);

// Pass: the runtime patch of one __init__.py (or a new one): text after the docstring / __future__ imports.
std::string patch_init_py(const std::string& original, const std::string& libs_dir, int depth,
                          const std::string& load_order_file, const std::string& tag);

}  // namespace ferry::wheel::windows
