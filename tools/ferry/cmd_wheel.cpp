// `ferry show WHEEL...` and `ferry repair WHEEL...`: auditwheel's two commands, same option names; the work is in
// lib/wheel, the rendering in lib/report (wheel_report.hpp); this file parses arguments, reads the environment
// into options, and prints (text, or JSON with schemas ferry.show/1, ferry.repair/2).
#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <regex>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "cmd_wheel_macos.hpp"
#include "progress_line.hpp"
#include "report/encoding.hpp"
#include "report/json_lines.hpp"
#include "report/wheel_report.hpp"
#include "support/text.hpp"
#include "wheel/wheel.hpp"

extern char** environ;

namespace ferry::cli {

namespace {

using nlohmann::json;

struct WheelArgs {
  std::vector<std::string> wheels;
  std::string plat;
  std::vector<std::string> exclude, siblings, ldpaths_raw;
  std::string site_packages, ld_library_path, ldpaths;
  bool json = false, disable_isa = false, allow_pure = false, progress = false, lower = false;
  unsigned jobs = 0;
  // repair
  std::string wheel_dir = "wheelhouse/", lib_sdir = ".libs";
  bool only_plat = false, strip = false, no_update_tags = false, include_drivers = false, verify_record = false,
       trust_record = false;
  std::string patcher;  // auditwheel's --patcher: accepted, ferry always uses its own ELF writer
  int zip_level = -1;
  FleetArgs fleet;  // show
  // Windows wheels (delvewheel's options)
  std::vector<std::string> add_path, include, no_mangle, namespace_pkg;
  bool no_mangle_all = false, ignore_existing = false, analyze_existing = false;
  MacArgs mac;      // macosx_* wheels (cmd_wheel_macos.cpp)
};

// delvewheel's options, for win32 / win_amd64 / win_arm64 wheels; lists are ':' or ';' separated as well as
// repeatable.
void windows_options(CLI::App* sub, WheelArgs& a) {
  const std::string g = "Windows wheels";
  sub->add_option("--add-path", a.add_path, "Windows: directories searched for DLLs before PATH")->group(g);
  sub->add_option("--include,--add-dll", a.include, "Windows: vendor these DLLs even if Windows has them")->group(g);
  sub->add_option("--no-mangle", a.no_mangle, "Windows: keep these vendored DLLs' names (wildcards)")->group(g);
  sub->add_flag("--no-mangle-all", a.no_mangle_all, "Windows: keep every vendored DLL's name")->group(g);
  sub->add_flag("--ignore-existing", a.ignore_existing, "Windows: leave DLLs already in the wheel as they are")->group(g);
  sub->add_flag("--analyze-existing", a.analyze_existing, "Windows: analyse DLLs already in the wheel too")->group(g);
  sub->add_option("--namespace-pkg", a.namespace_pkg, "Windows: namespace packages (a.b), patched module by module")
      ->group(g);
}

std::vector<std::string> split_list(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (auto& it : items)
    for (auto& field : split_nonempty(it, ":;")) out.push_back(std::move(field));
  return out;
}

void fill_windows(wheel::WindowsOptions& w, const WheelArgs& a) {
  w.add_path = split_list(a.add_path);
  if (const char* path = std::getenv("PATH")) w.path_dirs = split_list({path});
  w.include = split_list(a.include);
  w.exclude = split_list(a.exclude);
  w.no_mangle = split_list(a.no_mangle);
  w.no_mangle_all = a.no_mangle_all;
  w.ignore_existing = a.ignore_existing;
  w.analyze_existing = a.analyze_existing;
  w.namespace_pkgs = split_list(a.namespace_pkg);
}

void common_options(CLI::App* sub, WheelArgs& a) {
  sub->add_option("wheels", a.wheels, "wheel files")->required();
  sub->add_option("--plat", a.plat, "target platform tag (manylinux_2_17_x86_64, manylinux2014, ...; repair: auto)")
      ->envname("AUDITWHEEL_PLAT");
  sub->add_option("--exclude", a.exclude, "do not graft libraries matching this soname or path glob (repeatable)");
  sub->add_option("--sibling", a.siblings,
                  "an installed distribution (e.g. nvidia-cuda-runtime-cu12) whose libraries are used in place, "
                  "through RPATH, instead of being grafted (repeatable)");
  sub->add_option("--site-packages", a.site_packages, "where --sibling distributions are installed (default: python3's)");
  sub->add_option("--ld-library-path", a.ld_library_path, "overrides LD_LIBRARY_PATH for resolving libraries");
  sub->add_option("--ldpaths", a.ldpaths,
                  "colon-separated directories replacing the system search path (and LD_LIBRARY_PATH); "
                  "AUDITWHEEL_LD_LIBRARY_PATH still adds to it");
  sub->add_flag("--disable-isa-ext-check", a.disable_isa, "do not check the x86-64 ISA level");
  sub->add_flag("--allow-pure-python-wheel", a.allow_pure, "accept a wheel without ELF files");
  sub->add_flag("--json", a.json, "JSON output");
  sub->add_option("-j,--jobs", a.jobs, "parallel workers (default: all cores)");
  windows_options(sub, a);
  add_macos_options(sub, a.mac);
  sub->add_flag("--progress", a.progress,
                "draw progress on stderr even when it is not a terminal (a terminal gets it after ~2 s anyway)");
}

// The running musl's policy, found as auditwheel finds it: /lib/libc.musl-*.so.1 run without arguments prints
// "Version X.Y.Z" (Alpine's layout; Debian's musl has no such file, so there the newest policy is used).
std::optional<std::string> host_musl_policy() {
  std::error_code ec;
  std::vector<std::string> found;
  for (auto& e : std::filesystem::directory_iterator("/lib", ec)) {
    std::string n = e.path().filename().string();
    if (n.starts_with("libc.musl-") && n.size() > 5 && n.compare(n.size() - 5, 5, ".so.1") == 0)
      found.push_back(e.path().string());
  }
  if (found.size() != 1) return std::nullopt;
  FILE* f = popen(("'" + found[0] + "' 2>&1").c_str(), "r");
  if (!f) return std::nullopt;
  std::string out;
  char buf[512];
  for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  pclose(f);
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(R"(Version (\d+)\.(\d+)\.\d+)"))) return std::nullopt;
  return "musllinux_" + m[1].str() + "_" + m[2].str();
}

std::optional<std::string> env_string(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::optional<std::string>(v) : std::nullopt;
}

// The directories searched before the system's, as auditwheel 6.8 builds them: AUDITWHEEL_LD_LIBRARY_PATH first,
// then LD_LIBRARY_PATH, which --ldpaths switches off (it names the whole search list; the AUDITWHEEL_ variable
// still adds to it). --ld-library-path, ferry's own option, stands for LD_LIBRARY_PATH. nullopt = the loader's
// usual LD_LIBRARY_PATH (nothing auditwheel-specific is set).
std::optional<std::string> library_path_for(const WheelArgs& a, const std::optional<std::string>& auditwheel_env,
                                            const std::optional<std::string>& ld_env) {
  std::optional<std::string> ld = a.ld_library_path.empty() ? ld_env : std::optional<std::string>(a.ld_library_path);
  if (!a.ldpaths.empty() && a.ld_library_path.empty()) ld = std::nullopt;
  if (!auditwheel_env && a.ldpaths.empty()) return a.ld_library_path.empty() ? std::nullopt : ld;
  std::string out = auditwheel_env.value_or("");
  if (ld && !ld->empty()) out += (out.empty() ? "" : ":") + *ld;
  return out;
}

// python3's platlib (where --sibling distributions are installed unless --site-packages says), "" without python3.
std::string python_platlib() {
  FILE* p = popen("python3 -c 'import sysconfig; print(sysconfig.get_paths()[\"platlib\"])' 2>/dev/null", "r");
  if (!p) return "";
  char buf[4096];
  std::string out;
  while (fgets(buf, sizeof buf, p)) out += buf;
  pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// repair --strip: `strip -s PATH` in place (binutils), the program found on PATH.
Status run_strip(const std::string& path) {
  const char* argv[] = {"strip", "-s", path.c_str(), nullptr};
  pid_t pid;
  if (posix_spawnp(&pid, "strip", nullptr, nullptr, const_cast<char* const*>(argv), environ) != 0)
    return make_error(ErrorCode::io, "--strip: cannot run strip (binutils)").with_path(path);
  int st = 0;
  waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return make_error(ErrorCode::io, "strip failed").with_path(path);
  return {};
}

void fill(wheel::ShowOptions& o, const WheelArgs& a, const std::shared_ptr<ProgressLine>& line) {
  o.musl_policy = host_musl_policy();
  o.progress = progress_callback(line);
  if (!a.plat.empty()) o.plat = a.plat;
  o.exclude = a.exclude;
  o.siblings = a.siblings;
  o.site_packages = a.site_packages;
  if (!a.siblings.empty() && o.site_packages.empty()) o.site_packages = python_platlib();
  // AUDITWHEEL_LD_LIBRARY_PATH and --ldpaths as auditwheel 6.8; otherwise the loader's own LD_LIBRARY_PATH.
  auto lp = library_path_for(a, env_string("AUDITWHEEL_LD_LIBRARY_PATH"), env_ld_library_path());
  o.ld_library_path = lp ? lp : env_ld_library_path();
  o.ldpaths = split_nonempty(a.ldpaths);
  o.temp_dir = temp_root();
  fill_windows(o.windows, a);
  o.disable_isa_check = a.disable_isa;
  o.allow_pure = a.allow_pure;
  o.lower = a.lower;
  o.jobs = a.jobs;
}

// `ferry show` on a Windows wheel: exit 1 when a DLL to vendor cannot be found.
int show_windows(const std::string& wheel, const wheel::ShowOptions& o, bool as_json, bool lines, json& all) {
  auto r = wheel::show_windows_wheel(wheel, o.windows);
  if (!r) {
    print_error(r.error());
    if (lines) std::fputs(report::dump_line(report::error_line("ferry.show/1", wheel, r.error())).c_str(), stdout);
    return exit_for(r.error());
  }
  if (lines) std::fputs(report::dump_line(report::json_line("ferry.show/1", wheel, report::windows_show_to_json(*r))).c_str(), stdout);
  else if (as_json) all.push_back(report::windows_show_to_json(*r));
  else std::fputs(report::windows_show_to_text(*r).c_str(), stdout);
  for (auto& d : r->dlls)
    if (d.kind == wheel::DllKind::missing) return exit_failed;
  return exit_ok;
}

// What `show` prints across its wheels: the JSON array (--json), or text reports with a blank line between.
struct ShowOutput {
  json all = json::array();
  size_t shown = 0;
  bool text = true;  // neither --json nor --json-lines
  void separate() {
    if (text && shown++) std::printf("\n");
  }
};

// macOS wheels: delocate's job (cmd_wheel_macos.cpp).
int show_macos_wheel(const std::string& wheel, const WheelArgs& a, ShowOutput& out) {
  const bool lines = a.fleet.json_lines;
  json m;
  out.separate();
  int rc = macos_show(wheel, macos_options(a.mac, a.exclude), a.json || lines, m);
  if (lines && !m.is_null()) std::fputs(report::dump_line(report::json_line("ferry.show/1", wheel, m)).c_str(), stdout);
  else if (a.json && !m.is_null()) out.all.push_back(m);
  return rc;
}

// manylinux / musllinux wheels; `auditwheel_mode` (ferry run as auditwheel) exits 0 when the tag is not met.
int show_linux_wheel(const std::string& wheel, const wheel::ShowOptions& o, const WheelArgs& a, bool auditwheel_mode,
                     ShowOutput& out) {
  const bool lines = a.fleet.json_lines;
  auto r = wheel::show_wheel(wheel, o);
  if (!r) {
    print_error(r.error());
    if (lines) std::fputs(report::dump_line(report::error_line("ferry.show/1", wheel, r.error())).c_str(), stdout);
    return exit_for(r.error());
  }
  if (lines) {
    std::fputs(report::dump_line(report::json_line("ferry.show/1", wheel, report::show_to_json(*r))).c_str(), stdout);
    std::fflush(stdout);
  } else if (a.json) {
    out.all.push_back(report::show_to_json(*r));
  } else {
    out.separate();
    std::fputs(report::show_to_text(*r).c_str(), stdout);
  }
  return !r->satisfies && !auditwheel_mode ? exit_failed : exit_ok;
}

// `ferry show`: every wheel of this shard, by platform; the exit code is the worst of theirs.
int run_show(const WheelArgs& a, bool auditwheel_mode) {
  wheel::ShowOptions o;
  const auto line = progress_line(a.progress);
  fill(o, a, line);
  ShowOutput out;
  out.text = !a.json && !a.fleet.json_lines;
  int rc = exit_ok;
  const Shard shard = a.fleet.shard();
  size_t count = 0, k = 0;
  for (size_t i = 0; i < a.wheels.size(); ++i) count += shard.takes(i);
  for (size_t i = 0; i < a.wheels.size(); ++i) {
    if (!shard.takes(i)) continue;
    const std::string& w = a.wheels[i];
    if (line && count > 1) line->begin_item(k++, count, std::filesystem::path(w).filename().string());
    if (macos::is_macos_wheel(w)) {
      rc = std::max(rc, show_macos_wheel(w, a, out));
    } else if (wheel::is_windows_wheel(w)) {
      out.separate();
      rc = std::max(rc, show_windows(w, o, a.json, a.fleet.json_lines, out.all));
    } else {
      rc = std::max(rc, show_linux_wheel(w, o, a, auditwheel_mode, out));
    }
  }
  if (a.json) std::printf("%s\n", json{{"schema", "ferry.show/1"}, {"wheels", out.all}}.dump(2).c_str());
  return rc;
}

void register_show(CLI::App& app, Context& ctx) {
  auto sa = std::make_shared<WheelArgs>();
  auto* show = app.add_subcommand("show", "Audit wheels: best platform tag and why better ones are refused");
  common_options(show, *sa);
  show->add_flag("--lower", sa->lower, "also report the best tag `repair --lower` reaches, and what keeps it from a better one");
  // --json is added by common_options; --json-lines excludes it.
  add_fleet_options(show, sa->fleet, "ferry.show/1")->excludes("--json");
  show->footer("Exit status: 0 the wheel satisfies --plat (or, without --plat, some manylinux/musllinux tag), "
               "1 it does not, 2 unreadable or malformed input.");
  show->callback([sa, &ctx] { ctx.exit_code = run_show(*sa, ctx.auditwheel_mode); });
}

wheel::RepairOptions repair_options(const WheelArgs& a, const std::shared_ptr<ProgressLine>& line) {
  wheel::RepairOptions o;
  fill(o, a, line);
  o.wheel_dir = a.wheel_dir;
  o.lib_sdir = a.lib_sdir;
  o.only_plat = a.only_plat;
  if (a.strip) o.strip = run_strip;
  o.update_tags = !a.no_update_tags;
  o.include_drivers = a.include_drivers;
  o.verify_all_hashes = a.verify_record;
  o.trust_record = a.trust_record;
  o.zip_level = a.zip_level;
  o.source_date_epoch = source_date_epoch();
  o.which_provides = system_which_provides();  // lazy: spawns dpkg/rpm/apk only at the first lookup
  // FERRY_TIMINGS=1: each step's wall time on stderr, to see where a repair spends its time (bench/repair*.sh).
  if (const char* t = std::getenv("FERRY_TIMINGS"); t && *t && std::string(t) != "0")
    o.on_step = [](const char* step, double s) { std::fprintf(stderr, "ferry: %8.3f s  %s\n", s, step); };
  return o;
}

// macOS wheels: delocate's job (cmd_wheel_macos.cpp); `lib_sdir_given`: -L was on the command line (delocate's
// default directory differs from auditwheel's).
int repair_macos_wheel(const std::string& wheel, const WheelArgs& a, bool lib_sdir_given, json& all) {
  macos::Options mo = macos_options(a.mac, a.exclude);
  mo.wheel_dir = a.wheel_dir;
  if (lib_sdir_given) mo.lib_sdir = a.lib_sdir;
  mo.zip_level = a.zip_level;
  json m;
  int rc = macos_repair(wheel, mo, a.json, m);
  if (rc == exit_ok && a.json) all.push_back(m);
  return rc;
}

// `ferry repair`: like auditwheel, the first wheel that fails stops the remaining ones.
int run_repair(const WheelArgs& a, bool lib_sdir_given) {
  const auto line = progress_line(a.progress);
  const wheel::RepairOptions o = repair_options(a, line);
  json all = json::array();
  int rc = exit_ok;
  for (size_t k = 0; k < a.wheels.size(); ++k) {
    const std::string& w = a.wheels[k];
    if (line && a.wheels.size() > 1) line->begin_item(k, a.wheels.size(), std::filesystem::path(w).filename().string());
    if (macos::is_macos_wheel(w)) {
      rc = repair_macos_wheel(w, a, lib_sdir_given, all);
      if (rc != exit_ok) break;
      continue;
    }
    auto r = wheel::repair_wheel(w, o);
    if (!r) {
      print_error(r.error());
      rc = exit_for(r.error());
      break;
    }
    if (a.json) all.push_back(report::repair_to_json(*r));
    else std::fputs(report::repair_to_text(*r).c_str(), stdout);
  }
  if (a.json) std::printf("%s\n", json{{"schema", "ferry.repair/2"}, {"wheels", all}}.dump(2).c_str());
  return rc;
}

void register_repair(CLI::App& app, Context& ctx) {
  auto ra = std::make_shared<WheelArgs>();
  auto* rep = app.add_subcommand("repair", "Graft external libraries into wheels and retag them (auditwheel repair)");
  common_options(rep, *ra);
  rep->add_option("-w,--wheel-dir", ra->wheel_dir, "output directory (default: wheelhouse/)");
  rep->add_option("-L,--lib-sdir", ra->lib_sdir, "suffix of the grafted-library directory (default: .libs)");
  rep->add_flag("--only-plat", ra->only_plat, "do not add a better tag the wheel is eligible for");
  rep->add_flag("--lower", ra->lower,
                "lower the glibc symbol versions of the wheel's own ELF files (ferry lower) to --plat's glibc, or to "
                "the best tag lowering reaches, before grafting (grafted system libraries are not lowered)");
  rep->add_flag("--strip", ra->strip, "strip symbols from grafted libraries and patched files (strip -s)");
  rep->add_flag("--no-update-tags", ra->no_update_tags, "keep the file name and WHEEL tags");
  rep->add_flag("--include-drivers", ra->include_drivers, "graft driver libraries (libcuda, libGL, ...) too");
  auto* verify = rep->add_flag("--verify-record", ra->verify_record,
                "accepted for compatibility: repair always checks every member's CRC-32 and hash against RECORD");
  rep->add_flag("--trust-record", ra->trust_record,
                "opt-in speed-up for huge wheels: members copied byte for byte (not ELF, not rewritten, outside "
                ".dist-info) are not inflated; their RECORD lines are carried over unchecked (pip does not check "
                "them either) and the report counts them. ELF members are read but take their hash from RECORD; "
                "written members are always hashed")
      ->excludes(verify);
  rep->add_option("--patcher", ra->patcher,
                  "accepted for auditwheel compatibility; ferry always patches with its own ELF writer");
  rep->add_option("-z,--zip-compression-level", ra->zip_level, "deflate level of written members (0 = stored; 1-9, libdeflate's scale; default 4)")
      ->check(CLI::Range(-1, 9))->envname("AUDITWHEEL_ZIP_COMPRESSION_LEVEL");
  rep->footer("Exit status: 0 repaired, 1 the target cannot be met (the message says why), 2 bad input.\n"
              "SOURCE_DATE_EPOCH makes the output byte-identical across runs.");
  rep->callback([ra, rep, &ctx] { ctx.exit_code = run_repair(*ra, rep->count("--lib-sdir") > 0); });
}

}  // namespace

void register_wheel(CLI::App& app, Context& ctx) {
  register_show(app, ctx);
  register_repair(app, ctx);
  register_macos_merge(app, ctx);  // macOS: delocate-merge (cmd_wheel_macos.cpp)
}

int run_auditwheel(int argc, char** argv) {
  // auditwheel's command line (show, repair, their option names, -v, -V) on ferry's implementation, so that
  // scripts and cibuildwheel's default CIBW_REPAIR_WHEEL_COMMAND run unchanged with ferry installed as auditwheel.
  CLI::App app{"auditwheel (ferry " FERRY_VERSION "): cross-distro Python wheels"};
  app.name("auditwheel");
  app.set_version_flag("-V,--version", std::string("auditwheel (ferry ") + FERRY_VERSION + ")");
  int verbose = 0;
  app.add_flag("-v,--verbose", verbose, "accepted (auditwheel's verbosity); ferry's output is the same");
  app.require_subcommand(1);
  Context ctx;
  ctx.auditwheel_mode = true;
  register_wheel(app, ctx);
  return parse_and_run(app, ctx, argc, argv);
}

}  // namespace ferry::cli
