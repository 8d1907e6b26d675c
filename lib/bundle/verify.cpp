// `ferry bundle --verify`: runs each program of a bundle directory through its launcher with the loader's debug
// output (LD_DEBUG=libs,files into LD_DEBUG_OUTPUT files, one per process) and lists every object it loaded from
// outside the bundle. The loaded path of an object is the last "trying file=" before its "generating link map"
// (or the name itself when it was opened by path), plus every "calling init:" path (glibc elf/dl-load.c,
// elf/dl-init.c messages). The runs themselves are the caller's ProgramRunner (tools/ferry/process.cpp forks).
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "bundle/bundle.hpp"
#include "archive/archive.hpp"
#include "support/file.hpp"

namespace fs = std::filesystem;

namespace ferry::bundle {

bool VerifyReport::sealed() const {
  for (const auto& r : runs)
    if (!r.outside.empty()) return false;
  return true;
}

std::vector<std::string> parse_ld_debug_loaded(const std::string& text) {
  std::set<std::string> loaded;
  std::map<std::string, std::string> last_try;  // by pid prefix
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string pid = line.substr(0, colon);
    std::string msg = line.substr(colon + 1);
    size_t start = msg.find_first_not_of(" \t");
    if (start == std::string::npos) continue;
    msg = msg.substr(start);
    if (msg.starts_with("trying file=")) {
      last_try[pid] = msg.substr(12);
    } else if (msg.starts_with("calling init: ")) {
      loaded.insert(msg.substr(14));
    } else if (msg.starts_with("file=") && msg.find("generating link map") != std::string::npos) {
      std::string name = msg.substr(5, msg.find(" [") == std::string::npos ? std::string::npos : msg.find(" [") - 5);
      if (name.find('/') != std::string::npos) loaded.insert(name);
      else if (!last_try[pid].empty()) loaded.insert(last_try[pid]);
      last_try[pid].clear();
    }
  }
  return {loaded.begin(), loaded.end()};
}

namespace {

bool under(const std::string& path, const std::string& dir) {
  return path == dir || path.starts_with(dir + "/");
}

std::string canonical_or(const std::string& p) {
  std::error_code ec;
  auto c = fs::canonical(p, ec);
  return ec ? p : c.string();
}

// Runs argv through the caller's runner with the loader's debug output on, one LD_DEBUG_OUTPUT file per process
// (`debug_prefix`.PID).
Result<int> run_with_ld_debug(const ProgramRunner& run, std::vector<std::string> argv,
                              const std::string& debug_prefix) {
  return run(RunRequest{std::move(argv), {{"LD_DEBUG", "libs,files"}, {"LD_DEBUG_OUTPUT", debug_prefix}}});
}

// Extracts a bundle archive (libarchive, refusing unsafe names) into `dest`.
Status extract_archive(const std::string& path, const std::string& dest) {
  struct archive* in = archive_read_new();
  archive_read_support_format_tar(in);
  archive_read_support_filter_all(in);
  struct archive* out = archive_write_disk_new();
  archive_write_disk_set_options(out, ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                          ARCHIVE_EXTRACT_SECURE_SYMLINKS);
  Status st;
  if (archive_read_open_filename(in, path.c_str(), 1 << 16) != ARCHIVE_OK) {
    st = make_error(ErrorCode::format, "cannot read the archive: " + archive::error_text(in)).with_path(path);
  } else {
    struct archive_entry* e = nullptr;
    int r;
    while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
      const char* stored = archive_entry_pathname(e);
      const char* link = archive_entry_hardlink(e);
      if (!stored || archive::is_unsafe_member_name(stored) || (link && archive::is_unsafe_member_name(link))) {
        st = make_error(ErrorCode::format, std::string("unsafe member name ") + (stored ? stored : "(none)")).with_path(path);
        break;
      }
      std::string name = dest + "/" + stored;
      archive_entry_set_pathname(e, name.c_str());
      if (link) {
        std::string target = dest + "/" + link;
        archive_entry_set_hardlink(e, target.c_str());
      }
      if (archive_read_extract2(in, e, out) != ARCHIVE_OK) {
        st = make_error(ErrorCode::format, "cannot extract: " + archive::error_text(in)).with_path(path);
        break;
      }
    }
    if (st && r != ARCHIVE_EOF)
      st = make_error(ErrorCode::format, "corrupt archive: " + archive::error_text(in)).with_path(path);
  }
  archive_read_free(in);
  archive_write_free(out);
  return st;
}

Result<VerifyReport> verify_directory(const std::string& dir, const std::vector<std::string>& args,
                                      const std::string& temp_dir, const ProgramRunner& run);

// A new private directory `temp_dir`/PREFIX.XXXXXX.
Result<std::string> make_temp_dir(const std::string& temp_dir, const std::string& prefix) {
  if (temp_dir.empty()) return make_error(ErrorCode::usage, "no directory for temporary files was given");
  std::string tmpl = temp_dir + "/" + prefix + ".XXXXXX";
  if (!::mkdtemp(tmpl.data())) return make_error(ErrorCode::io, "cannot create a temporary directory").with_path(tmpl);
  return tmpl;
}

}  // namespace

// A directory is verified where it is; an archive is extracted, and an installer run (so its install step is
// verified too), into a temporary directory first.
Result<VerifyReport> verify_bundle(const std::string& path, const std::vector<std::string>& args,
                                   const std::string& temp_dir, const ProgramRunner& run) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return verify_directory(path, args, temp_dir, run);
  if (!fs::is_regular_file(path, ec)) return make_error(ErrorCode::not_found, "no such bundle").with_path(path);
  FERRY_TRY(tmp, make_temp_dir(temp_dir, "ferry-verify-bundle"));
  std::string root = tmp + "/bundle";
  Status st;
  if (output_kind_for(path) == OutputKind::installer) {
    auto rc = run_with_ld_debug(run, {"/bin/sh", path, root}, tmp + "/installer-debug");
    if (!rc) st = rc.error();
    else if (rc.value() != 0)
      st = make_error(ErrorCode::verify, "the installer failed with exit code " + std::to_string(rc.value())).with_path(path);
  } else {
    fs::create_directories(root, ec);
    st = extract_archive(path, root);
  }
  Result<VerifyReport> report = st ? verify_directory(root, args, temp_dir, run) : Result<VerifyReport>(st.error());
  fs::remove_all(tmp, ec);
  return report;
}

namespace {

Result<VerifyReport> verify_directory(const std::string& dir, const std::vector<std::string>& args,
                                      const std::string& temp_dir, const ProgramRunner& runner) {
  std::error_code ec;
  fs::path root = fs::canonical(dir, ec);
  if (ec || !fs::is_directory(root / "bin", ec) || !fs::exists(root / "manifest.json", ec))
    return make_error(ErrorCode::usage, "not a ferry bundle directory (extract archives first)").with_path(dir);
  VerifyReport report;
  report.root = root.string();
  std::vector<std::string> host_dirs;
  if (auto hp = read_file((root / ".ferry" / "host-path").string())) {
    std::string text(hp->begin(), hp->end());
    std::istringstream in(text);
    std::string d;
    while (std::getline(in, d, ':')) {
      while (!d.empty() && (d.back() == '\n')) d.pop_back();
      if (!d.empty()) host_dirs.push_back(canonical_or(d));
    }
  }
  FERRY_TRY(programs, list_directory((root / "bin").string()));
  FERRY_TRY(tmp, make_temp_dir(temp_dir, "ferry-verify"));
  for (const fs::path p : programs) {
    VerifyRun run;
    run.program = p.filename().string();
    std::string prefix = tmp + "/" + run.program;
    std::vector<std::string> argv{p.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto rc = run_with_ld_debug(runner, std::move(argv), prefix);
    if (!rc) {
      fs::remove_all(tmp, ec);
      return rc.error();
    }
    run.exit_code = rc.value();
    std::string text;
    auto logs = list_directory(tmp);
    if (!logs) {
      fs::remove_all(tmp, ec);
      return logs.error();
    }
    for (const fs::path log : *logs) {
      if (!log.filename().string().starts_with(run.program + ".")) continue;
      if (auto bytes = read_file(log.string())) text.append(bytes->begin(), bytes->end());
    }
    for (const auto& obj : parse_ld_debug_loaded(text)) {
      std::string real = canonical_or(obj);
      run.loaded.push_back(real);
      if (under(real, report.root)) continue;
      bool allowed = std::any_of(host_dirs.begin(), host_dirs.end(),
                                 [&](const std::string& d) { return under(real, d); });
      (allowed ? run.allowed : run.outside).push_back(real);
    }
    report.runs.push_back(std::move(run));
  }
  fs::remove_all(tmp, ec);
  return report;
}

}  // namespace

}  // namespace ferry::bundle
