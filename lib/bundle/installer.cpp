// The self-extracting installer: a POSIX sh script whose payload (the bundle as a gzip'ed tar, base64 in a
// here-document) works both as a file (`sh OUT.sh DIR`) and piped (`ssh host sh -s -- DIR < OUT.sh`): the shell
// reads the whole here-document itself, so nothing depends on seeking in the script or on how much of stdin
// the shell buffers (dash reads ahead; Exodus' tail-the-script trick breaks there). The target needs only sh,
// base64, gzip and tar (all in Debian's minbase); the install step is the bundle's own static launcher.
#include "bundle/bundle.hpp"
#include "bundle/bundle_internal.hpp"
#include "support/file.hpp"

namespace ferry::bundle {

namespace {

void append_base64(std::string& out, std::span<const uint8_t> in) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t line = 0;
  auto put = [&](char c) {
    out += c;
    if (++line == 76) {
      out += '\n';
      line = 0;
    }
  };
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
    put(kAlphabet[(v >> 18) & 63]), put(kAlphabet[(v >> 12) & 63]), put(kAlphabet[(v >> 6) & 63]),
        put(kAlphabet[v & 63]);
  }
  if (i < in.size()) {
    uint32_t v = uint32_t{in[i]} << 16;
    if (i + 1 < in.size()) v |= uint32_t{in[i + 1]} << 8;
    put(kAlphabet[(v >> 18) & 63]), put(kAlphabet[(v >> 12) & 63]);
    put(i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=');
    put('=');
  }
  if (line != 0) out += '\n';
}

}  // namespace

std::string installer_script(std::span<const uint8_t> tar_gz, const std::vector<Program>& programs) {
  std::string names;
  for (const auto& p : programs) names += (names.empty() ? "" : " ") + p.name;
  std::string s;
  s.reserve(tar_gz.size() / 3 * 4 + tar_gz.size() / 57 + 2048);
  s += "#!/bin/sh\n";
  s += "# ferry bundle installer (programs: " + names + ").\n";
  s += "# Usage: sh THIS.sh [DIR]   or, over ssh: ssh HOST sh -s -- DIR < THIS.sh\n";
  s += "# Extracts the bundle into DIR (default ./ferry-bundle) and runs its install step: every program's\n";
  s += "# interpreter is set to DIR/ld/..., so DIR/bin/NAME and DIR/libexec/NAME start directly. Needs only sh,\n";
  s += "# base64, gzip and tar on the target; ferry is not needed there.\n";
  s += "set -eu\n";
  s += "dest=${1:-ferry-bundle}\n";
  s += "mkdir -p \"$dest\"\n";
  s += "dest=$(cd \"$dest\" && pwd -P)\n";
  s += "if [ -e \"$dest/manifest.json\" ]; then echo \"ferry installer: $dest already holds a bundle\" >&2; "
       "exit 1; fi\n";
  s += "base64 -d <<'FERRY_PAYLOAD_END' | gzip -dc | tar -xf - -C \"$dest\"\n";
  append_base64(s, tar_gz);
  s += "FERRY_PAYLOAD_END\n";
  s += "\"$dest/.ferry/ferry-launcher\" --install\n";
  s += "echo \"run: $dest/bin/{" + names + "}\"\n";
  s += "exit 0\n";
  return s;
}

Status write_installer(const BundlePlan& plan, const std::string& path, int64_t mtime) {
  FERRY_CHECK(check_output_is_not_an_input(plan, path));
  FERRY_TRY(tar, build_tar(plan, OutputKind::tar_gz, 0, mtime));
  std::string text = installer_script(tar, plan.programs);
  AtomicWriteOptions o;
  o.mode = 0755;
  auto st = atomic_write(path, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()), o);
  if (!st) return st.error().with_path(path);
  return {};
}

}  // namespace ferry::bundle
