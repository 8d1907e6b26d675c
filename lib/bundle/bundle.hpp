// `ferry bundle`: Exodus-style bundles that run on any x86-64 Linux (docs/bundles.md).
// Pipeline: plan_bundle (closure from lib/resolve, layout, per-file edits with lib/patch) -> write_directory /
// write_archive / write_installer (deterministic) -> install_bundle (PT_INTERP to the absolute loader path) ->
// verify_bundle (LD_DEBUG=libs: every object loaded from outside the bundle).
//
// Layout of a bundle ROOT:
//   bin/NAME                 the static launcher (hard links of .ferry/ferry-launcher), relocatable
//   libexec/NAME             the program: RPATH $ORIGIN/../lib, DF_1_NODEFLIB, a reserved long PT_INTERP
//   lib/SONAME               the library store: one file per content (sha256); other names are hard links
//   ld/ld-linux-x86-64.so.2  the loader, sealed (host ld.so.cache, ld.so.preload and default dirs renamed away)
//   data/gconv, data/locale  glibc runtime data (iconv modules, C.UTF-8), read through FERRYGCONV / FERRYLC
//   share/..., lib/python3.11/...  files added with --add or found by --detect (prefix-relative: /usr/X -> X)
//   lib/pythonX.Y, lib/tclX.Y  the run-time files of an interpreter library in the closure (InterpreterFiles)
//   .ferry/ferry-launcher    the launcher; `--install` is the install step of the self-extracting installer
//   .ferry/host-path         directories of libraries --allow-host lets come from the host
//   .ferry/env               NAME=PATH the launcher sets to ROOT/PATH (FERRYPHOME: the bundled libpython's home)
//   manifest.json            every file: path, role, origin, sha256 of origin and of the bundled bytes, edits
//
// Choices (each answers an Exodus failure in bundles.md):
// - Sealing: the bundled loader's own defaults (/etc/ld.so.cache, /etc/ld.so.preload, the system dirs) are
//   renamed to paths that cannot exist (same length, in place), so no object, dlopen included, ever falls
//   through to the host, in both modes; --allow-host adds named host dirs after the store.
// - argv[0]: ld.so --argv0 (glibc >= 2.33) through the launcher; exact after install (direct exec).
// - /proc/self/exe: the install step points PT_INTERP at DIR/ld/... so programs start directly.
// - Install without ferry: ferry reserves a 1023-byte PT_INTERP at bundle time, so the static launcher can
//   write the absolute loader path in place (`.ferry/ferry-launcher --install`, run by the installer).
// - Environment: LD_LIBRARY_PATH is never set. iconv and locale data are found through FERRYGCONV / FERRYLC,
//   the names the bundled libc reads instead of GCONV_PATH / LOCPATH, and Python's home through FERRYPHOME,
//   which the bundled libpython reads instead of PYTHONHOME, so host programs started by a bundled program
//   inherit nothing that changes their behaviour (a preload to scrub the environment is not needed).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "support/result.hpp"

namespace ferry::bundle {

// Length reserved for PT_INTERP at bundle time, so that installing in place never grows the file.
inline constexpr size_t kReservedInterpLength = 1023;
inline constexpr const char* kManifestSchema = "ferry.bundle-manifest/1";

struct AddSpec {
  std::string source;  // file or directory on this machine
  std::string dest;    // path inside the bundle; empty = prefix-relative (/usr/lib/x -> lib/x, /etc/x -> etc/x)
};

struct BundleOptions {
  std::vector<std::string> executables;
  std::vector<std::pair<std::string, std::string>> renames;  // {name in the bundle by default, launcher name}
  std::vector<AddSpec> adds;
  // Library names (sonames) or paths allowed to come from the host: not bundled; their directories are searched
  // after the bundle.
  std::vector<std::string> allow_host;
  // Run-time files found by detect_files(): libraries join the store, other files go to their data place.
  std::vector<std::string> detected;
  bool glibc_data = true;  // bundle gconv modules and the C.UTF-8 locale when libc is bundled
  std::span<const uint8_t> launcher;  // bytes of the static launcher (ferry embeds it)
  std::string sysroot;  // resolve inside this root ("" = this machine)
  std::optional<std::string> ld_library_path;  // LD_LIBRARY_PATH to resolve with (the CLI passes the environment's)
  unsigned jobs = 0;    // parallel edits/hashing; 0 = all cores
};

enum class Role { launcher, program, library, loader, data, added, manifest };
const char* to_string(Role r);

struct BundleFile {
  std::string path;    // inside the bundle, '/'-separated, no leading '/'
  Role role = Role::data;
  std::string origin;  // where it came from on this machine ("" for generated files)
  uint32_t mode = 0644;
  std::string link_to;  // non-empty: a hard link to this bundle path (same content)
  std::string symlink;  // non-empty: a symbolic link with this target
  // Bytes when ferry changed or generated them; otherwise the origin file is copied as is.
  std::optional<std::vector<uint8_t>> content;
  std::string sha256;         // of the bundled bytes
  std::string origin_sha256;  // of the origin's bytes
  std::vector<std::string> edits;  // what ferry changed, in words
  uint64_t size = 0;
};

struct Program {
  std::string name;    // bin/NAME and libexec/NAME
  std::string origin;  // the executable given
};

struct BundlePlan {
  std::vector<Program> programs;
  std::vector<BundleFile> files;  // sorted by path; manifest.json last-but-included
  std::vector<std::string> host_dirs;  // from --allow-host
  std::vector<std::string> warnings;
  std::vector<std::string> missing;  // libraries that could not be found (the plan fails when non-empty)
  uint64_t total_size() const;
};

// Resolves every executable's closure, lays out the bundle, applies the edits (in memory) and hashes everything.
Result<BundlePlan> plan_bundle(const BundleOptions& opts);
// The manifest text (sorted keys, no timestamps): part of the plan as the file manifest.json.
std::string render_manifest(const BundlePlan& plan);

// The edits ferry makes to bundled files, each on an in-memory image (exposed for tests):
// the loader: host /etc/ld.so.cache, /etc/ld.so.preload and default library dirs renamed to paths that cannot
// exist, so nothing is found on the host by the loader's own defaults;
Status seal_loader(std::vector<uint8_t>& image, const std::string& path_for_errors, std::vector<std::string>* edits);
// libc.so.6: GCONV_PATH -> FERRYGCONV, LOCPATH -> FERRYLC (read by the bundled libc only; host programs started
// from the bundle do not inherit a meaning for them), and the built-in gconv dir renamed away.
Status rename_libc_environment(std::vector<uint8_t>& image, const std::string& path_for_errors,
                               std::vector<std::string>* edits);
// A unique path of `length` bytes that names nothing on any host (starts with "/\x01ferry-sealed").
std::string sealed_path(size_t length, bool trailing_slash);

enum class OutputKind { directory, tar_zst, tar_gz, installer };
// By the name: *.tar.zst / *.tzst, *.tar.gz / *.tgz, *.sh; anything else is a directory.
OutputKind output_kind_for(const std::string& path);

// Writes the bundle as a new directory (refused when `dir` exists and is not empty).
Status write_directory(const BundlePlan& plan, const std::string& dir);
// Deterministic tar (sorted entries, fixed mtime/owner, hard links for duplicates) through libarchive. `mtime`:
// every entry's time (the CLI passes SOURCE_DATE_EPOCH when set and valid, else 0).
Status write_archive(const BundlePlan& plan, const std::string& path, OutputKind kind, int64_t mtime);
// Self-extracting POSIX sh installer: `sh OUT.sh [DIR]` or `ssh host sh -s -- DIR < OUT.sh`.
Status write_installer(const BundlePlan& plan, const std::string& path, int64_t mtime);
// The installer text for a gzip'ed tar payload (exposed for tests).
std::string installer_script(std::span<const uint8_t> tar_gz, const std::vector<Program>& programs);

// The install step on a bundle directory: PT_INTERP of libexec/* set (with lib/patch) to DIR/ld/LOADER, and
// .ferry/installed written, so programs start directly (/proc/self/exe is the program).
struct InstallReport {
  std::string root;
  std::string loader;
  std::vector<std::string> programs;
};
Result<InstallReport> install_bundle(const std::string& dir);

// Runs every program of a bundle through bin/NAME with LD_DEBUG=libs and lists each object loaded from outside
// it. `path` is a bundle directory, an archive (extracted to a temporary directory) or an installer (run into
// one). `args` are passed to every program (the CLI default: --version).
struct VerifyRun {
  std::string program;
  int exit_code = 0;
  std::vector<std::string> loaded;    // every object the loader opened
  std::vector<std::string> outside;   // those outside the bundle and not allowed
  std::vector<std::string> allowed;   // outside, but in a --allow-host directory
};
struct VerifyReport {
  std::string root;
  std::vector<VerifyRun> runs;
  bool sealed() const;
};
// Effects at the edge: verify decides what to run and reads what the runs leave behind; the caller runs them
// (the CLI's tools/ferry/process.cpp forks; a unit test fakes it). A request runs argv[0] as a path (no PATH
// search) with `env` set on top of the caller's environment and stdin, stdout and stderr on /dev/null.
struct RunRequest {
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env;
};
// The run's exit status (128 + the signal when one killed it), or an error when it could not be started.
using ProgramRunner = std::function<Result<int>(const RunRequest&)>;
// Temporary files (an archive's extraction, the runs' LD_DEBUG logs) go under `temp_dir` (the CLI passes $TMPDIR).
Result<VerifyReport> verify_bundle(const std::string& dir, const std::vector<std::string>& args,
                                   const std::string& temp_dir, const ProgramRunner& run);
// Parses LD_DEBUG=libs output: the paths after "calling init:" / "trying file=" that were opened. Exposed for tests.
std::vector<std::string> parse_ld_debug_loaded(const std::string& text);

// --detect: runs `cmd` once under ptrace and returns every regular file it opened successfully (following
// forks and execs), sorted, without /proc, /sys, /dev and the command's own working-directory files.
struct DetectResult {
  std::vector<std::string> files;
  int exit_code = 0;
};
// What one traced run saw (the tracer is the caller's: tools/ferry/process.cpp traces with ptrace): every
// descriptor a successful open/openat/openat2 returned, as the path it names (read back at the syscall's exit)
// and whether that was a regular file then, in any order and with repeats.
struct OpenedFile {
  std::string path;
  bool regular = false;
};
struct TracedRun {
  int exit_code = 0;  // the command's (128 + the signal when one killed it)
  std::vector<OpenedFile> opened;
  int exec_errno = 0;  // not 0: the command could not be started (the errno of its exec)
};
using OpenTracer = std::function<Result<TracedRun>(const std::vector<std::string>& cmd)>;
Result<DetectResult> detect_files(const std::vector<std::string>& cmd, const OpenTracer& trace);

// Interpreters embedded through a shared library: the trees of files they read at run time, found from the
// library's soname and location. libpythonX.Y: PREFIX/lib/pythonX.Y (the os.py landmark, encodings, lib-dynload),
// bundled as lib/pythonX.Y, found through its home variable (PYTHONHOME, renamed in the bundled libpython to
// home_variable, which the launcher sets to the bundle root). libtclX.Y: the compiled-in directory holding
// init.tcl, bundled as lib/tclX.Y (Tcl looks there relative to its executable) and sealed in the library.
struct InterpreterFiles {
  std::string language;  // "python3.11", "tcl8.6"
  std::string library;   // the soname it was found from
  struct Tree {
    std::string source;  // directory on this machine (sysroot included)
    std::string dest;    // directory in the bundle
  };
  std::vector<Tree> trees;
  std::vector<std::string> skip;           // directory names left out anywhere in a tree
  std::vector<std::string> skip_prefixes;  // directory names left out when they start so
  std::string home_variable;               // the launcher sets it to the bundle root ("" = none)
  std::vector<std::string> sealed_strings;  // compiled-in paths renamed away in the bundled library
  std::string warning;                      // the files were not found: why
};
// nullopt when `soname` is no interpreter library ferry knows. `origin` is the file ferry reads.
std::optional<InterpreterFiles> find_interpreter_files(const std::string& soname, const std::string& origin,
                                                       const std::string& sysroot);
// libpython: getpath's ENV_PYTHONHOME (3.11+: the key whose tail is passed to getenv) and the C string
// PYTHONHOME (older) renamed to ENV_FERRYPHOME / FERRYPHOME, so the bundled interpreter's home is set by the
// launcher without a PYTHONHOME that host Pythons started by the program would inherit. Returns the renames.
Result<size_t> rename_python_home(std::vector<uint8_t>& image, const std::string& path_for_errors,
                                  std::vector<std::string>* edits);
// Whole C strings renamed to sealed paths of the same length, those absent skipped (libtcl's library dir).
Status seal_strings(std::vector<uint8_t>& image, const std::vector<std::string>& strings,
                    const std::string& path_for_errors, std::vector<std::string>* edits);

// Same-length renames of NUL-terminated strings in a file image (the loader seal, libc's GCONV_PATH / LOCPATH):
// every occurrence of `from` as a whole C string (NUL before and after) is renamed; none is an error naming
// the file. Returns how many were renamed. Exposed for tests.
Result<size_t> rename_cstring(std::vector<uint8_t>& image, const std::string& from, const std::string& to,
                      const std::string& path_for_errors);

}  // namespace ferry::bundle
