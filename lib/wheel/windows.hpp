// Windows wheels (win32, win_amd64, win_arm64): delvewheel's job done by ferry. Discovery of the DLLs every PE
// in the wheel imports (the wheel itself, then --add-path, then PATH, case-insensitive), what is left to Windows
// and why, vendoring into <dist>.libs/ under delvewheel's mangled names, import rewriting (pe/edit_imports), the
// __init__.py runtime patch and a .dist-info/DELVEWHEEL record. docs/windows-repair.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/result.hpp"

namespace ferry::wheel {

struct WindowsOptions {
  std::vector<std::string> add_path;    // --add-path: searched before PATH
  std::vector<std::string> path_dirs;   // PATH, split by the CLI
  std::vector<std::string> include;     // --include: vendored even when a system DLL (wildcards)
  std::vector<std::string> exclude;     // --exclude: never vendored (wildcards)
  std::vector<std::string> no_mangle;   // --no-mangle (wildcards)
  bool no_mangle_all = false;
  bool ignore_existing = false;         // DLLs already in the wheel are left where they are, unmangled
  bool analyze_existing = false;        // DLLs already in the wheel are analysed as roots too
  std::vector<std::string> namespace_pkgs;  // --namespace-pkg a.b: patch its modules, not its (absent) __init__
};

// Why a DLL an image imports is or is not vendored.
enum class DllKind { vendor, in_wheel, system, api_set, python, runtime, excluded, missing };
const char* to_string(DllKind k);

struct DllFinding {
  std::string name;                  // lowercase
  DllKind kind = DllKind::vendor;
  std::optional<std::string> path;   // host path (vendor) or member (in_wheel)
  std::vector<std::string> needed_by;
  std::string mangled;               // repair: the name in <dist>.libs/ ("" = kept)
  std::string why;                   // for system/runtime/excluded: one phrase
};

struct WindowsShow {
  std::string wheel, platform, arch, abi;
  std::vector<std::string> pe_members;
  std::vector<DllFinding> dlls;             // sorted by name
  std::vector<std::string> existing_libs;   // DLLs already in a *.libs/ directory of the wheel
  std::optional<std::string> repaired_by;   // DELVEWHEEL record's Version line, when present
  std::vector<std::string> warnings;
};

// True for wheel file names whose platform tags are all win32 / win_amd64 / win_arm64.
bool is_windows_wheel(const std::string& wheel_path);

Result<WindowsShow> show_windows_wheel(const std::string& wheel_path, const WindowsOptions& opts);

}  // namespace ferry::wheel
