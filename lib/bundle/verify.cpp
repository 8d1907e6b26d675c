// `ferry bundle --verify`: runs each program of a bundle directory through its launcher with the loader's debug
// output (LD_DEBUG=libs,files into LD_DEBUG_OUTPUT files, one per process) and lists every object it loaded from
// outside the bundle. The loaded path of an object is the last "trying file=" before its "generating link map"
// (or the name itself when it was opened by path), plus every "calling init:" path (glibc elf/dl-load.c,
// elf/dl-init.c messages).
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "bundle/bundle.hpp"
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
    if (msg.rfind("trying file=", 0) == 0) {
      last_try[pid] = msg.substr(12);
    } else if (msg.rfind("calling init: ", 0) == 0) {
      loaded.insert(msg.substr(14));
    } else if (msg.rfind("file=", 0) == 0 && msg.find("generating link map") != std::string::npos) {
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
  return path == dir || path.rfind(dir + "/", 0) == 0;
}

std::string canonical_or(const std::string& p) {
  std::error_code ec;
  auto c = fs::canonical(p, ec);
  return ec ? p : c.string();
}

Result<int> run_quiet(const std::vector<std::string>& argv, const std::string& debug_prefix) {
  pid_t pid = ::fork();
  if (pid < 0) return make_error(ErrorCode::io, "cannot fork");
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, 0), ::dup2(devnull, 1), ::dup2(devnull, 2);
    }
    ::setenv("LD_DEBUG", "libs,files", 1);
    ::setenv("LD_DEBUG_OUTPUT", debug_prefix.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

Result<VerifyReport> verify_bundle(const std::string& dir, const std::vector<std::string>& args) {
  std::error_code ec;
  fs::path root = fs::canonical(dir, ec);
  if (ec || !fs::is_directory(root / "bin") || !fs::exists(root / "manifest.json"))
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
  std::vector<fs::path> programs;
  for (const auto& e : fs::directory_iterator(root / "bin", ec)) programs.push_back(e.path());
  std::sort(programs.begin(), programs.end());
  char tmpl[] = "/tmp/ferry-verify.XXXXXX";
  if (!::mkdtemp(tmpl)) return make_error(ErrorCode::io, "cannot create a temporary directory");
  std::string tmp = tmpl;
  for (const auto& p : programs) {
    VerifyRun run;
    run.program = p.filename().string();
    std::string prefix = tmp + "/" + run.program;
    std::vector<std::string> argv{p.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto rc = run_quiet(argv, prefix);
    if (!rc) {
      fs::remove_all(tmp, ec);
      return rc.error();
    }
    run.exit_code = rc.value();
    std::string text;
    for (const auto& e : fs::directory_iterator(tmp, ec)) {
      if (e.path().filename().string().rfind(run.program + ".", 0) != 0) continue;
      if (auto bytes = read_file(e.path().string())) text.append(bytes->begin(), bytes->end());
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

}  // namespace ferry::bundle
