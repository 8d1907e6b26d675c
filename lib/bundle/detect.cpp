// `ferry bundle --detect -- CMD ARGS`: runs the command once under ptrace (as strace, CDE and sharun's strace mode
// do) and collects every regular file a successful open/openat/openat2 returned a descriptor for, in every
// process and thread it starts (PTRACE_O_TRACEFORK/VFORK/CLONE/EXEC). The path is read back from
// /proc/PID/fd/N at the syscall's exit, so relative paths and dirfds need no emulation. Dlopen'ed plugins,
// gconv and NSS modules and interpreter data (Python's stdlib) are found this way. Linux >= 5.3
// (PTRACE_GET_SYSCALL_INFO); x86-64 syscall numbers.
#include <fcntl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "bundle/bundle.hpp"

namespace ferry::bundle {

namespace {

bool is_open_syscall(uint64_t nr) {
#if defined(__x86_64__)
  return nr == SYS_open || nr == SYS_openat || nr == 437 /* openat2 */;
#else
  return nr == SYS_openat || nr == 437;
#endif
}

}  // namespace

Result<DetectResult> detect_files(const std::vector<std::string>& cmd) {
  if (cmd.empty()) return make_error(ErrorCode::usage, "--detect needs a command after --");
  int sync[2];
  if (::pipe2(sync, O_CLOEXEC) != 0) return make_error(ErrorCode::io, "cannot create a pipe");
  pid_t child = ::fork();
  if (child < 0) return make_error(ErrorCode::io, "cannot fork");
  if (child == 0) {
    ::close(sync[0]);
    ::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    ::raise(SIGSTOP);
    std::vector<char*> args;
    for (const auto& a : cmd) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    int err = errno;
    if (::write(sync[1], &err, sizeof err) < 0) {
    }
    ::_exit(127);
  }
  ::close(sync[1]);
  int status = 0;
  if (::waitpid(child, &status, 0) < 0 || !WIFSTOPPED(status)) {
    ::close(sync[0]);
    return make_error(ErrorCode::io, "cannot trace " + cmd[0]);
  }
  long options = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
                 PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
  if (::ptrace(PTRACE_SETOPTIONS, child, nullptr, reinterpret_cast<void*>(options)) != 0) {
    ::kill(child, SIGKILL);
    ::close(sync[0]);
    return make_error(ErrorCode::unsupported, std::string("ptrace is not permitted here: ") + std::strerror(errno));
  }
  ::ptrace(PTRACE_SYSCALL, child, nullptr, nullptr);

  std::set<std::string> files;
  std::map<pid_t, uint64_t> current_nr;  // syscall number at entry, per thread
  int alive = 1;
  DetectResult result;
  while (alive > 0) {
    pid_t pid = ::waitpid(-1, &status, __WALL);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      --alive;
      current_nr.erase(pid);
      if (pid == child) result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      continue;
    }
    if (!WIFSTOPPED(status)) continue;
    int sig = WSTOPSIG(status);
    int deliver = 0;
    if (sig == (SIGTRAP | 0x80)) {
      struct __ptrace_syscall_info info;
      std::memset(&info, 0, sizeof info);
      long n = ::ptrace(PTRACE_GET_SYSCALL_INFO, pid, reinterpret_cast<void*>(sizeof info), &info);
      if (n > 0 && info.op == PTRACE_SYSCALL_INFO_ENTRY) {
        current_nr[pid] = info.entry.nr;
      } else if (n > 0 && info.op == PTRACE_SYSCALL_INFO_EXIT) {
        auto it = current_nr.find(pid);
        if (it != current_nr.end() && is_open_syscall(it->second) && !info.exit.is_error && info.exit.rval >= 0) {
          std::string link = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(info.exit.rval);
          char buf[4096];
          ssize_t len = ::readlink(link.c_str(), buf, sizeof buf - 1);
          struct stat st{};
          if (len > 0 && buf[0] == '/') {
            buf[len] = '\0';
            if (::stat(buf, &st) == 0 && S_ISREG(st.st_mode)) files.insert(buf);
          }
        }
      }
    } else if (status >> 16 != 0) {
      unsigned event = static_cast<unsigned>(status) >> 16;
      if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK || event == PTRACE_EVENT_CLONE) ++alive;
    } else if (sig == SIGSTOP || sig == SIGTRAP) {
      // the initial stop of a new tracee, or a stop we caused
    } else {
      deliver = sig;
    }
    ::ptrace(PTRACE_SYSCALL, pid, nullptr, reinterpret_cast<void*>(static_cast<long>(deliver)));
  }
  int err = 0;
  if (::read(sync[0], &err, sizeof err) == static_cast<ssize_t>(sizeof err) && err != 0) {
    ::close(sync[0]);
    return make_error(ErrorCode::not_found, "--detect: cannot run " + cmd[0] + ": " + std::strerror(err));
  }
  ::close(sync[0]);
  result.files.assign(files.begin(), files.end());
  return result;
}

}  // namespace ferry::bundle
