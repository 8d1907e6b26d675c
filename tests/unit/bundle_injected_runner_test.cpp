// lib/bundle's detect and verify driven by fake runners (no process is started): the library decides what to
// run, with which environment, and what the run's trace means; the CLI's real runners are tools/ferry/process.cpp.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bundle/bundle.hpp"

namespace fs = std::filesystem;
using namespace ferry;
using namespace ferry::bundle;

namespace {

// A private directory under $TMPDIR (or /tmp), removed at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    const char* t = std::getenv("TMPDIR");
    std::string tmpl = std::string(t && *t ? t : "/tmp") + "/ferry-runner-test.XXXXXX";
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = fs::canonical(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

std::string env_of(const RunRequest& r, const std::string& name) {
  for (const auto& [n, v] : r.env)
    if (n == name) return v;
  return "";
}

}  // namespace

TEST_CASE("detect_files keeps each absolute regular file the tracer saw once, sorted, with the command's exit") {
  std::vector<std::string> traced;
  OpenTracer fake = [&](const std::vector<std::string>& cmd) -> Result<TracedRun> {
    traced = cmd;
    TracedRun run;
    run.exit_code = 3;
    run.opened = {{"/usr/lib/b.so", true}, {"/dev/null", false}, {"/usr/lib/a.so", true},
                  {"/usr/lib/b.so", true}, {"pipe:[42]", false},  {"relative/file", true}};
    return run;
  };
  auto r = detect_files({"prog", "--flag"}, fake);
  REQUIRE(r.ok());
  CHECK(traced == std::vector<std::string>{"prog", "--flag"});
  CHECK(r->exit_code == 3);
  CHECK(r->files == std::vector<std::string>{"/usr/lib/a.so", "/usr/lib/b.so"});
}

TEST_CASE("detect_files names the command it could not start, and needs a command at all") {
  OpenTracer cannot_exec = [](const std::vector<std::string>&) -> Result<TracedRun> {
    TracedRun run;
    run.exit_code = 127;
    run.exec_errno = ENOENT;
    return run;
  };
  auto missing = detect_files({"/nonexistent/program"}, cannot_exec);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == "--detect: cannot run /nonexistent/program: No such file or directory");
  CHECK(missing.error().code == ErrorCode::not_found);

  bool called = false;
  OpenTracer never = [&](const std::vector<std::string>&) -> Result<TracedRun> {
    called = true;
    return TracedRun{};
  };
  auto empty = detect_files({}, never);
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().code == ErrorCode::usage);
  CHECK_FALSE(called);

  OpenTracer refused = [](const std::vector<std::string>&) -> Result<TracedRun> {
    return make_error(ErrorCode::unsupported, "ptrace is not permitted here: Operation not permitted");
  };
  auto no_ptrace = detect_files({"prog"}, refused);
  REQUIRE_FALSE(no_ptrace.ok());
  CHECK(no_ptrace.error().message == "ptrace is not permitted here: Operation not permitted");
}

TEST_CASE("verify_bundle runs each bin/ program under LD_DEBUG and sorts what its trace loaded into inside, "
          "allowed host and outside") {
  TempDir t;
  fs::path root = t.path / "b", host = t.path / "host", other = t.path / "other";
  write(root / "manifest.json", "{}");
  write(root / "bin" / "prog", "");
  write(root / "lib" / "libin.so.1", "");
  write(host / "libok.so.1", "");
  write(other / "libbad.so.1", "");
  write(root / ".ferry" / "host-path", host.string() + "\n");
  fs::create_directories(t.path / "tmp");

  std::vector<RunRequest> requests;
  ProgramRunner fake = [&](const RunRequest& r) -> Result<int> {
    requests.push_back(r);
    // What glibc's loader writes with LD_DEBUG=libs,files into LD_DEBUG_OUTPUT.PID, one file per process.
    std::string prefix = env_of(r, "LD_DEBUG_OUTPUT");
    write(prefix + ".101",
          "       101:\tfile=libin.so.1 [0];  needed by " + r.argv[0] + " [0]\n"
          "       101:\ttrying file=" + (root / "lib" / "libin.so.1").string() + "\n"
          "       101:\tfile=libin.so.1 [0];  generating link map\n"
          "       101:\tfile=" + (other / "libbad.so.1").string() + " [0];  generating link map\n");
    write(prefix + ".102", "       102:\tcalling init: " + (host / "libok.so.1").string() + "\n");
    return 7;
  };
  auto r = verify_bundle(root.string(), {"--version"}, (t.path / "tmp").string(), fake);
  REQUIRE(r.ok());
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].argv == std::vector<std::string>{(root / "bin" / "prog").string(), "--version"});
  CHECK(env_of(requests[0], "LD_DEBUG") == "libs,files");
  REQUIRE(r->runs.size() == 1);
  const VerifyRun& run = r->runs[0];
  CHECK(run.program == "prog");
  CHECK(run.exit_code == 7);
  CHECK(run.loaded.size() == 3);
  CHECK(run.outside == std::vector<std::string>{(other / "libbad.so.1").string()});
  CHECK(run.allowed == std::vector<std::string>{(host / "libok.so.1").string()});
  CHECK_FALSE(r->sealed());
  CHECK(fs::is_empty(t.path / "tmp"));  // the logs' directory is removed
}

TEST_CASE("verify_bundle returns the runner's failure to start a program, and refuses a non-bundle directory "
          "without running anything") {
  TempDir t;
  fs::path root = t.path / "b";
  write(root / "manifest.json", "{}");
  write(root / "bin" / "prog", "");
  ProgramRunner cannot_fork = [](const RunRequest&) -> Result<int> { return make_error(ErrorCode::io, "cannot fork"); };
  auto r = verify_bundle(root.string(), {}, t.path.string(), cannot_fork);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "cannot fork");

  int runs = 0;
  ProgramRunner counting = [&](const RunRequest&) -> Result<int> { return ++runs, 0; };
  auto not_bundle = verify_bundle(t.path.string(), {}, t.path.string(), counting);
  REQUIRE_FALSE(not_bundle.ok());
  CHECK(not_bundle.error().message == "not a ferry bundle directory (extract archives first)");
  CHECK(runs == 0);
}
