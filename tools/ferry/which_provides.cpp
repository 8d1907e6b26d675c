// Which distribution package owns a file, found the way auditwheel 6.5+ asks (its vendored whichprovides): what
// `dpkg -S` then `dpkg -s` answer (read from dpkg's database files), `rpm -qf --queryformat`, `apk info
// --who-owns`; the distro is os-release's ID. The library gets the answers through RepairOptions::which_provides
// (it spawns nothing and reads no package database).
#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <fstream>
#include <memory>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>

#include "cli.hpp"
#include "support/file.hpp"
#include "support/parallel.hpp"

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

// Runs argv with stdin and stderr on /dev/null; its stdout when it exits 0, else nullopt.
std::optional<std::string> run_capture(const std::vector<std::string>& argv) {
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
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
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

// dpkg's database read as `dpkg -S PATH` and `dpkg -s PACKAGE` read it, without running them: each package's
// info/<package>[:arch].list names its files one per line, the status file gives its version. A dpkg run reads the
// whole database and cost ~0.1 s of wall time (two per graft once: 4 s of a 22-graft repair); reading it here takes
// ~20 ms for all grafts. An owner is the first package, by .list name, listing the exact path (diversions do
// not change who ships a file).
std::map<std::string, std::string> dpkg_owners(const std::string& admindir, const std::set<std::string>& wanted) {
  std::map<std::string, std::string> owner_of;  // path -> package name
  // Most lines cannot match: their length is not a wanted path's. Checking it first keeps the scan of the ~8 MB
  // of lists at memchr speed (no string built per line), so a graft from outside dpkg costs little.
  std::set<std::string_view> want(wanted.begin(), wanted.end());
  std::vector<bool> wanted_length;
  for (auto& w : wanted) {
    if (wanted_length.size() <= w.size()) wanted_length.resize(w.size() + 1);
    wanted_length[w.size()] = true;
  }
  // Read with the directory's own file types and one buffer: a stat, a mapping and a copy per .list (889 of them
  // here) cost more than the scan itself.
  std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir((admindir + "/info").c_str()), closedir);
  if (!dir) return owner_of;
  std::vector<std::string> names;
  while (const dirent* e = readdir(dir.get())) {
    std::string_view base(e->d_name);
    if ((e->d_type == DT_REG || e->d_type == DT_UNKNOWN) && base.ends_with(".list")) names.emplace_back(base);
  }
  // By .list name, the likely owners first: a library's package is nearly always named after it (libxml2.so.2
  // in libxml2, libicuuc.so.72 in libicu72, libz.so.1 in zlib1g), and the scan stops once every path has its
  // owner, so a repair reads a handful of lists instead of all of them (~10 ms here). dpkg lets only one package
  // list a file, so the order changes no answer.
  std::sort(names.begin(), names.end());
  std::vector<std::string> stems;
  for (auto& w : wanted) {
    std::string_view b(w);
    b = b.substr(b.rfind('/') + 1);
    if (b.starts_with("lib")) b.remove_prefix(3);
    b = b.substr(0, std::min<size_t>(3, b.find_first_of(".-_+0123456789")));
    if (!b.empty()) stems.emplace_back(b);
  }
  auto likely = [&stems](const std::string& list) {
    for (auto& s : stems)
      if (list.starts_with(s) || (list.starts_with("lib") && std::string_view(list).substr(3).starts_with(s)))
        return true;
    return false;
  };
  std::stable_partition(names.begin(), names.end(), likely);
  // Opening a list costs more than scanning it (882 lists, 8 MB: 20 ms of system time, the wait of a repair whose
  // graft no package owns), so the lists are read on every core, claimed in the order above. Where two lists
  // name one path (dpkg allows it only for diverted files), the first by that order is kept, as when read alone.
  std::mutex mu;
  std::map<std::string, std::pair<size_t, std::string>> found;  // path -> (list's position in names, package)
  std::atomic<size_t> paths_found{0};
  parallel_for(names.size(), [&](size_t k) {
    if (paths_found.load(std::memory_order_relaxed) >= wanted.size()) return;
    const std::string& base = names[k];
    UniqueFd list(openat(dirfd(dir.get()), base.c_str(), O_RDONLY | O_CLOEXEC));
    if (!list) return;
    const int fd = list.get();
    try {  // nothing leaves a worker as an exception: a list that cannot be held is a list not read
      std::string text;
      char chunk[1 << 16];
      for (ssize_t n; (n = read(fd, chunk, sizeof chunk)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        text.append(chunk, static_cast<size_t>(n));
      }
      std::string_view all(text);
      for (size_t at = 0; at < all.size();) {
        size_t nl = all.find('\n', at);
        if (nl == std::string_view::npos) nl = all.size();
        std::string_view line = all.substr(at, nl - at);
        if (!line.empty() && line.size() < wanted_length.size() && wanted_length[line.size()] && want.count(line)) {
          std::string package = base.substr(0, base.size() - 5);
          package = package.substr(0, package.find(':'));
          std::lock_guard<std::mutex> lock(mu);
          auto [it, added] = found.try_emplace(std::string(line), k, package);
          if (added) paths_found.fetch_add(1, std::memory_order_relaxed);
          else if (k < it->second.first) it->second = {k, package};
        }
        at = nl + 1;
      }
    } catch (const std::exception&) {
    }
  });
  for (auto& [path, by] : found) owner_of.emplace(path, by.second);
  return owner_of;
}

// Package -> version, from the first stanza of the status file naming each of `names`.
std::map<std::string, std::string> dpkg_versions(const std::string& admindir, const std::set<std::string>& names) {
  std::map<std::string, std::string> version_of;
  std::ifstream status(admindir + "/status");
  std::string package;
  for (std::string line; std::getline(status, line);) {
    if (line.empty()) package.clear();
    else if (line.starts_with("Package: ")) package = line.substr(9);
    else if (line.starts_with("Version: ") && names.count(package)) {
      std::string v = line.substr(9);
      v = v.substr(0, v.find_first_of(" \t\r"));
      if (!v.empty()) version_of.emplace(package, v);
    }
  }
  return version_of;
}

std::vector<std::optional<wheel::PackageOrigin>> ask_dpkg(const std::string& distro,
                                                          const std::vector<std::string>& paths) {
  const std::string admindir = "/var/lib/dpkg";
  std::vector<std::optional<wheel::PackageOrigin>> out(paths.size());
  auto owner_of = dpkg_owners(admindir, std::set<std::string>(paths.begin(), paths.end()));
  std::set<std::string> names;
  for (auto& [p, n] : owner_of) names.insert(n);
  if (names.empty()) return out;
  auto version_of = dpkg_versions(admindir, names);
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
      // dpkg is not run (its database is read), so it counts when it is on PATH and its database is there.
      if (!on_path("dpkg").empty() && access("/var/lib/dpkg/status", R_OK) == 0) m->dpkg = "dpkg";
      m->rpm = usable("rpm"), m->apk = usable("apk");
    });
    std::vector<std::optional<wheel::PackageOrigin>> out(paths.size());
    if (!m->dpkg.empty()) out = ask_dpkg(m->distro, paths);
    for (size_t i = 0; i < paths.size(); ++i) {  // what dpkg did not claim, asked of rpm then apk, path by path
      if (!out[i] && !m->rpm.empty()) out[i] = ask_rpm(m->rpm, m->distro, paths[i]);
      if (!out[i] && !m->apk.empty()) out[i] = ask_apk(m->apk, m->distro, paths[i]);
    }
    return out;
  };
}

}  // namespace ferry::cli
