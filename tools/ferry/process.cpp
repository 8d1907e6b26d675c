// The real process runners behind lib/bundle's ProgramRunner and OpenTracer (process.hpp): fork/exec and the
// ptrace loop live here, at the edge; what to run and what the runs mean stay in lib/bundle.
#include "process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>

namespace ferry::cli {

namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  return args;
}

bool is_open_syscall(uint64_t nr) {
#if defined(__x86_64__)
  return nr == SYS_open || nr == SYS_openat || nr == 437 /* openat2 */;
#else
  return nr == SYS_openat || nr == 437;
#endif
}

// The traced child: stops for its parent to attach the options, then execs; a failed exec writes its errno to
// `sync_fd` (close-on-exec, so the parent reads nothing when the exec succeeded).
[[noreturn]] void traced_child(const std::vector<std::string>& cmd, int sync_fd) {
  ::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
  ::raise(SIGSTOP);
  auto args = c_argv(cmd);
  ::execvp(args[0], args.data());
  int err = errno;
  if (::write(sync_fd, &err, sizeof err) < 0) {
  }
  ::_exit(127);
}

// At an open's exit: the path its descriptor names, and whether that is a regular file now.
void note_opened(pid_t pid, int64_t fd, std::vector<bundle::OpenedFile>& opened) {
  std::string link = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd);
  char buf[4096];
  ssize_t len = ::readlink(link.c_str(), buf, sizeof buf - 1);
  if (len <= 0 || buf[0] != '/') return;
  buf[len] = '\0';
  struct stat st{};
  opened.push_back({buf, ::stat(buf, &st) == 0 && S_ISREG(st.st_mode)});
}

// One syscall stop of `pid`: remembers the syscall number at entry, notes the descriptor at an open's exit.
void on_syscall_stop(pid_t pid, std::map<pid_t, uint64_t>& current_nr, std::vector<bundle::OpenedFile>& opened) {
  struct __ptrace_syscall_info info;
  std::memset(&info, 0, sizeof info);
  long n = ::ptrace(PTRACE_GET_SYSCALL_INFO, pid, reinterpret_cast<void*>(sizeof info), &info);
  if (n > 0 && info.op == PTRACE_SYSCALL_INFO_ENTRY) {
    current_nr[pid] = info.entry.nr;
  } else if (n > 0 && info.op == PTRACE_SYSCALL_INFO_EXIT) {
    auto it = current_nr.find(pid);
    if (it != current_nr.end() && is_open_syscall(it->second) && !info.exit.is_error && info.exit.rval >= 0)
      note_opened(pid, info.exit.rval, opened);
  }
}

// Follows every tracee of `child` until all have exited; returns `child`'s exit status.
int trace_until_exit(pid_t child, std::vector<bundle::OpenedFile>& opened) {
  std::map<pid_t, uint64_t> current_nr;  // syscall number at entry, per thread
  int alive = 1, status = 0, exit_code = 0;
  while (alive > 0) {
    pid_t pid = ::waitpid(-1, &status, __WALL);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      --alive;
      current_nr.erase(pid);
      if (pid == child) exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      continue;
    }
    if (!WIFSTOPPED(status)) continue;
    int sig = WSTOPSIG(status);
    int deliver = 0;
    if (sig == (SIGTRAP | 0x80)) {
      on_syscall_stop(pid, current_nr, opened);
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
  return exit_code;
}

}  // namespace

Result<int> run_quiet(const bundle::RunRequest& request) {
  pid_t pid = ::fork();
  if (pid < 0) return make_error(ErrorCode::io, "cannot fork");
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, 0), ::dup2(devnull, 1), ::dup2(devnull, 2);
    }
    for (const auto& [name, value] : request.env) ::setenv(name.c_str(), value.c_str(), 1);
    auto args = c_argv(request.argv);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Result<bundle::TracedRun> trace_opens(const std::vector<std::string>& cmd) {
  if (cmd.empty()) return make_error(ErrorCode::usage, "--detect needs a command after --");
  int sync[2];
  if (::pipe2(sync, O_CLOEXEC) != 0) return make_error(ErrorCode::io, "cannot create a pipe");
  pid_t child = ::fork();
  if (child < 0) return make_error(ErrorCode::io, "cannot fork");
  if (child == 0) {
    ::close(sync[0]);
    traced_child(cmd, sync[1]);
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
  bundle::TracedRun run;
  run.exit_code = trace_until_exit(child, run.opened);
  int err = 0;
  if (::read(sync[0], &err, sizeof err) == static_cast<ssize_t>(sizeof err)) run.exec_errno = err;
  ::close(sync[0]);
  return run;
}

}  // namespace ferry::cli
