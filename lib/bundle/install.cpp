// The install step with ferry present (`ferry bundle --install DIR`): PT_INTERP of every libexec/ program set to
// the absolute path of the bundled loader with lib/patch (in place: ferry reserved the room at bundle time), then
// .ferry/installed records the root, which tells the launcher to exec programs directly. The self-extracting
// installer does the same with the bundle's static launcher (tools/launcher, `--install`), without ferry.
#include <filesystem>

#include "bundle/bundle.hpp"
#include "patch/patch.hpp"
#include "support/file.hpp"

namespace fs = std::filesystem;

namespace ferry::bundle {

Result<InstallReport> install_bundle(const std::string& dir) {
  std::error_code ec;
  fs::path root = fs::canonical(dir, ec);
  if (ec) return make_error(ErrorCode::not_found, "no such bundle directory").with_path(dir);
  if (!fs::exists(root / "manifest.json", ec) || !fs::is_directory(root / "libexec", ec) ||
      !fs::is_directory(root / "ld", ec))
    return make_error(ErrorCode::usage, "not a ferry bundle (manifest.json, libexec/ and ld/ expected)").with_path(dir);
  InstallReport report;
  report.root = root.string();
  FERRY_TRY(loaders, list_directory((root / "ld").string(), true));
  if (loaders.size() != 1)
    return make_error(ErrorCode::format, "ld/ must hold exactly one loader").with_path((root / "ld").string());
  report.loader = loaders[0];
  if (report.loader.size() > kReservedInterpLength)
    return make_error(ErrorCode::usage, "install path too long: the loader path needs " +
                                            std::to_string(report.loader.size()) + " bytes, " +
                                            std::to_string(kReservedInterpLength) + " are reserved").with_path(dir);
  FERRY_TRY(programs, list_directory((root / "libexec").string(), true));
  for (const fs::path p : programs) {
    patch::Edits edits;
    edits.interpreter = report.loader;
    auto r = patch::patch_file(p.string(), p.string(), edits);
    if (!r) return r.error();
    report.programs.push_back(p.filename().string());
  }
  std::string marker = report.root + "\n";
  auto st = atomic_write((root / ".ferry" / "installed").string(),
                         std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(marker.data()), marker.size()));
  if (!st) return st.error();
  return report;
}

}  // namespace ferry::bundle
