// Which distribution package owns a file, asked of the package manager the way auditwheel 6.5+ asks (its vendored
// whichprovides): `dpkg -S` then `dpkg -s` for the version, `rpm -qf --queryformat`, `apk info --who-owns`; the
// distro is os-release's ID. The library gets the answers through RepairOptions::which_provides (it spawns nothing).
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <fstream>
#include <memory>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>

#include "cli.hpp"

extern char** environ;

namespace ferry::cli {

namespace {

// argv[0] found on PATH (as shutil.which does), or "".
std::string on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(ss, dir, ':');) {
    std::string p = (dir.empty() ? "." : dir) + "/" + program;
    if (access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

// Runs argv with stdin and stderr on /dev/null; its stdout when it exits 0 (or whatever the status when
// `any_status`: `dpkg -S` exits 1 when one of many paths is not owned, and still names the owners of the others),
// else nullopt.
std::optional<std::string> run_capture(const std::vector<std::string>& argv, bool any_status = false) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, argv[0].c_str(), &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return std::nullopt;
  }
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (out.size() < (1u << 20)) out.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && !any_status)) return std::nullopt;
  return out;
}

// os-release's ID ("debian", "almalinux", "alpine"), "" when unknown.
std::string distro_id() {
  std::ifstream f("/etc/os-release");
  for (std::string line; std::getline(f, line);) {
    if (!line.starts_with("ID=")) continue;
    std::string v = line.substr(3);
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
    return v;
  }
  return "";
}

// A package manager counts when it is on PATH and `--version` succeeds (as whichprovides checks).
std::string usable(const std::string& program) {
  std::string p = on_path(program);
  if (p.empty() || !run_capture({p, "--version"})) return "";
  return p;
}

// Each path's owner as `dpkg -S` names it for the path alone: the package of the line "pkg[:arch][, ...]: path"
// (diversion lines are not owners). Every dpkg run reads the whole database, so one `dpkg -S` answers all paths
// and one `dpkg -s` gives every owner's version: two runs whatever the number of grafts.
std::vector<std::optional<wheel::PackageOrigin>> ask_dpkg(const std::string& dpkg, const std::string& distro,
                                                          const std::vector<std::string>& paths) {
  std::vector<std::optional<wheel::PackageOrigin>> out(paths.size());
  std::vector<std::string> args = {dpkg, "-S"};
  args.insert(args.end(), paths.begin(), paths.end());
  auto owners = run_capture(args, true);
  if (!owners) return out;
  std::map<std::string, std::string> owner_of;  // path -> package name
  std::istringstream lines(*owners);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("diversion by ")) continue;
    size_t sep = line.find(": ");
    size_t colon = line.find(':');
    if (sep == std::string::npos || colon == 0) continue;
    owner_of.emplace(line.substr(sep + 2), line.substr(0, colon));
  }
  std::set<std::string> names;
  for (auto& [p, n] : owner_of) names.insert(n);
  if (names.empty()) return out;
  args = {dpkg, "-s"};
  args.insert(args.end(), names.begin(), names.end());
  auto status = run_capture(args, true);
  if (!status) return out;
  std::map<std::string, std::string> version_of;  // the first stanza of a package names its version
  std::string package;
  std::istringstream stanzas(*status);
  for (std::string line; std::getline(stanzas, line);) {
    if (line.empty()) package.clear();
    else if (line.starts_with("Package: ")) package = line.substr(9);
    else if (line.starts_with("Version: ") && !package.empty()) {
      std::string v = line.substr(9);
      v = v.substr(0, v.find_first_of(" \t\r"));
      if (!v.empty()) version_of.emplace(package, v);
    }
  }
  for (size_t i = 0; i < paths.size(); ++i) {
    auto o = owner_of.find(paths[i]);
    if (o == owner_of.end()) continue;
    auto v = version_of.find(o->second);
    if (v != version_of.end()) out[i] = wheel::PackageOrigin{"deb", distro, o->second, v->second};
  }
  return out;
}

std::optional<wheel::PackageOrigin> ask_rpm(const std::string& rpm, const std::string& distro,
                                            const std::string& path) {
  auto out = run_capture({rpm, "-qf", "--queryformat", "%{NAME} %{VERSION} %{RELEASE} %{ARCH}", path});
  if (!out) return std::nullopt;
  std::istringstream ss(*out);
  std::string name, version, release;
  if (!(ss >> name >> version >> release)) return std::nullopt;
  return wheel::PackageOrigin{"rpm", distro, name, version + "-" + release};
}

std::optional<wheel::PackageOrigin> ask_apk(const std::string& apk, const std::string& distro,
                                            const std::string& path) {
  auto out = run_capture({apk, "info", "--who-owns", path});
  std::smatch m;
  if (!out || !std::regex_search(*out, m, std::regex(R"( is owned by ([^\s\-]+)-([^\s]+)(\n|$))"))) return std::nullopt;
  return wheel::PackageOrigin{"apk", distro, m[1], m[2]};
}

}  // namespace

wheel::WhichProvidesMany system_which_provides() {
  // Probed on the first question, not here: a repair that grafts nothing (every Windows wheel, most re-repairs)
  // would otherwise spawn `dpkg --version` for nothing (a few milliseconds, more than such a repair takes).
  struct Managers {
    std::once_flag once;
    std::string distro, dpkg, rpm, apk;
  };
  auto m = std::make_shared<Managers>();
  return [m](const std::vector<std::string>& paths) {
    std::call_once(m->once, [&] {
      m->distro = distro_id();
      if (m->distro.empty()) return;
      m->dpkg = usable("dpkg"), m->rpm = usable("rpm"), m->apk = usable("apk");
    });
    std::vector<std::optional<wheel::PackageOrigin>> out(paths.size());
    if (!m->dpkg.empty()) out = ask_dpkg(m->dpkg, m->distro, paths);
    for (size_t i = 0; i < paths.size(); ++i) {  // what dpkg did not claim, asked of rpm then apk, path by path
      if (!out[i] && !m->rpm.empty()) out[i] = ask_rpm(m->rpm, m->distro, paths[i]);
      if (!out[i] && !m->apk.empty()) out[i] = ask_apk(m->apk, m->distro, paths[i]);
    }
    return out;
  };
}

}  // namespace ferry::cli
