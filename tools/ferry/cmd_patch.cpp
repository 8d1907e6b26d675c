// `ferry patch` and patchelf mode: parses patchelf's option spellings into ferry::patch::Edits, calls
// patch_file once per FILE, renders the result (text, or --json with schema ferry.patch/1). The same parser
// serves `ferry patch`, `ferry patchelf ...` and ferry invoked through a symlink named patchelf.
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "report/encoding.hpp"
#include "report/patch_report.hpp"
#include "patch/patch.hpp"
#include "support/file.hpp"
#include "support/parallel.hpp"
#include "support/text.hpp"

namespace ferry::cli {

namespace {

struct PatchArgs {
  patch::Edits edits;
  patch::PatchOptions options{.fsync = false, .fsync_directory = false, .seed = {}};  // --fsync turns on both flushes
  std::vector<std::string> files;
  std::optional<std::string> output;
  bool print_interpreter = false, print_soname = false, print_rpath = false, print_needed = false;
  bool print_execstack = false, print_os_abi = false;
  bool json = false, help = false, version = false;
};

const char* kUsage = R"(Usage: ferry patch [OPTIONS] FILE...
       ferry patchelf [OPTIONS] FILE...   (also: ferry invoked through a symlink named patchelf)

Rewrites ELF files in place (atomically: temporary file, verify, rename; mode and ownership kept).
  --set-rpath RPATH              set the search path (DT_RUNPATH, or DT_RPATH with --force-rpath)
  --add-rpath RPATH              append directories not already present
  --remove-rpath                 drop DT_RPATH and DT_RUNPATH
  --shrink-rpath                 keep only directories holding a NEEDED library
  --allowed-rpath-prefixes P:Q   with --shrink-rpath: keep only directories under these prefixes
  --force-rpath                  write DT_RPATH instead of DT_RUNPATH
  --set-interpreter PATH         set PT_INTERP (alias --interpreter)
  --set-soname NAME              set DT_SONAME
  --replace-needed OLD NEW       rename a DT_NEEDED entry (and its version requirements)
  --add-needed LIB               add a DT_NEEDED entry (several keep the order given)
  --remove-needed LIB            remove a DT_NEEDED entry (and its version requirements)
  --clear-symbol-version SYM     remove SYM's version requirement
  --no-default-lib               set DF_1_NODEFLIB
  --set-execstack, --clear-execstack
  --add-debug-tag                add DT_DEBUG (for debuggers) when absent
  --rename-dynamic-symbols MAP   rename dynamic symbols per "OLD NEW" lines of MAP (hash tables rebuilt)
  --set-os-abi ABI               set EI_OSABI ("System V", "Linux", "FreeBSD", ... as patchelf names them)
  --print-interpreter, --print-soname, --print-rpath, --print-needed, --print-execstack, --print-os-abi
  @FILE as an option's value     the value is FILE's contents (patchelf's argument files)
  --output FILE                  write to FILE instead of in place (one input only)
  --page-size N                  alignment of an appended segment (default: by machine)
  --dry-run                      show the layout plan and size change, write nothing
  --fsync                        flush each output to disk before it replaces the file, and its directory
                                 after (survives a power loss; off by default, as in patchelf)
  --json                         machine-readable report (schema ferry.patch/1)
  --debug, --no-sort             accepted for patchelf compatibility, ignored
  --version                      print "patchelf 0.18.0" in patchelf mode)";

// A whole file's bytes, or an error message naming it (patchelf's wording, which its tests look for).
std::optional<std::string> read_whole(const std::string& path, std::string& err) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    err = "getting info about '" + path + "': " + std::strerror(errno);
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err = "opening '" + path + "': " + std::strerror(errno);
    return std::nullopt;
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// patchelf's --rename-dynamic-symbols map: "OLD NEW" per line (whitespace-separated), up to the first line
// without a name; a line with one name, a name given twice or a versioned name (@) is an error.
std::string read_rename_map(const std::string& path, std::vector<std::pair<std::string, std::string>>& out) {
  std::string err;
  auto text = read_whole(path, err);
  if (!text) return "--rename-dynamic-symbols: " + err;
  std::istringstream lines(*text);
  std::string line;
  std::set<std::string> seen;
  for (size_t n = 1; std::getline(lines, line); ++n) {
    std::istringstream words(line);
    std::string from, to;
    if (!(words >> from)) break;
    if (!(words >> to)) return path + ":" + std::to_string(n) + ": the line is missing the new name";
    if (!seen.insert(from).second) return path + ":" + std::to_string(n) + ": " + from + " appears twice";
    if (from.find('@') != std::string::npos || to.find('@') != std::string::npos)
      return path + ":" + std::to_string(n) + ": names carry a version (@): " + from + " " + to;
    out.emplace_back(from, to);
  }
  return "";
}

// Returns an error message, or empty on success.
std::string parse(const std::vector<std::string>& args, PatchArgs& a) {
  auto& e = a.edits;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](std::string& out) -> bool {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    std::string v, w;
    // Options whose value may be "@FILE" (FILE's contents, as patchelf reads them: every byte, no trimming).
    const bool file_value = arg == "--set-rpath" || arg == "--add-rpath" || arg == "--set-interpreter" ||
                            arg == "--interpreter" || arg == "--set-soname" || arg == "--add-needed" ||
                            arg == "--remove-needed" || arg == "--output" || arg == "--clear-symbol-version" ||
                            arg == "--set-os-abi";
    if (file_value || arg == "--allowed-rpath-prefixes" || arg == "--page-size") {
      if (!value(v)) return arg + " needs an argument";
      if (file_value && !v.empty() && v[0] == '@') {
        std::string err;
        auto text = read_whole(v.substr(1), err);
        if (!text) return arg + " " + v + ": " + err;
        v = *text;
      }
      if (arg == "--set-os-abi") {
        auto abi = patch::parse_os_abi(v);
        if (!abi) return "--set-os-abi: unrecognized OS ABI " + v;
        e.os_abi = *abi;
      } else if (arg == "--set-rpath") e.set_rpath = v;
      else if (arg == "--add-rpath") e.add_rpath.push_back(v);
      else if (arg == "--set-interpreter" || arg == "--interpreter") e.interpreter = v;
      else if (arg == "--set-soname") e.soname = v;
      else if (arg == "--add-needed") e.add_needed.push_back(v);
      else if (arg == "--remove-needed") e.remove_needed.push_back(v);
      else if (arg == "--output") a.output = v;
      else if (arg == "--clear-symbol-version") e.clear_symbol_version.push_back(v);
      else if (arg == "--page-size") {
        char* end = nullptr;
        a.options.page_size = std::strtoull(v.c_str(), &end, 0);
        if (!end || *end || a.options.page_size == 0 || (a.options.page_size & (a.options.page_size - 1)))
          return "--page-size needs a power of two, got " + v;
      } else {
        for (auto& part : split_nonempty(v)) e.allowed_rpath_prefixes.push_back(std::move(part));
      }
    } else if (arg == "--replace-needed") {
      if (!value(v) || !value(w)) return "--replace-needed needs two arguments: OLD NEW";
      e.replace_needed.push_back({v, w});
    } else if (arg == "--rename-dynamic-symbols") {
      if (!value(v)) return "--rename-dynamic-symbols needs a map file";
      if (auto err = read_rename_map(v, e.rename_dynamic_symbols); !err.empty()) return err;
    } else if (arg == "--add-debug-tag") e.add_debug_tag = true;
    else if (arg == "--print-os-abi") a.print_os_abi = true;
    else if (arg == "--remove-rpath") e.remove_rpath = true;
    else if (arg == "--shrink-rpath") e.shrink_rpath = true;
    else if (arg == "--force-rpath") e.force_rpath = true;
    else if (arg == "--no-default-lib") e.no_default_lib = true;
    else if (arg == "--set-execstack") e.exec_stack = true;
    else if (arg == "--clear-execstack") e.exec_stack = false;
    else if (arg == "--print-interpreter") a.print_interpreter = true;
    else if (arg == "--print-soname") a.print_soname = true;
    else if (arg == "--print-rpath") a.print_rpath = true;
    else if (arg == "--print-needed") a.print_needed = true;
    else if (arg == "--print-execstack") a.print_execstack = true;
    else if (arg == "--dry-run") a.options.dry_run = true;
    else if (arg == "--fsync") a.options.fsync = a.options.fsync_directory = true;
    else if (arg == "--json") a.json = true;
    else if (arg == "--debug" || arg == "--no-sort") continue;
    else if (arg == "--help" || arg == "-h") a.help = true;
    else if (arg == "--version") a.version = true;
    else if (arg == "--") {
      for (++i; i < args.size(); ++i) a.files.push_back(args[i]);
    } else if (arg.size() > 1 && arg[0] == '-') return "unknown option " + arg;
    else a.files.push_back(arg);
  }
  if (a.help || a.version) return "";
  if (a.files.empty()) return "no input file given";
  if (a.output && a.files.size() != 1) return "--output needs exactly one input file";
  return "";
}

// What one file produced: its JSON object, the text for stdout and the error lines for stderr.
struct Outcome {
  nlohmann::json j;
  std::string out, err;
  int rc = exit_ok;
};

Outcome run_one(const PatchArgs& a, const std::string& path, bool patchelf_mode, bool prefix) {
  Outcome o;
  o.j = {{"path", path}};
  auto fail = [&](const Error& e) {
    if (a.json) o.j["error"] = e.describe();
    else if (patchelf_mode) o.err += "patchelf: " + e.describe() + "\n";
    else o.err += "ferry: " + e.describe() + "\n";
    o.rc = std::max(o.rc, patchelf_mode ? 1 : exit_for(e));
  };
  report::PatchPrints what{a.print_interpreter, a.print_soname, a.print_rpath,
                           a.print_needed,      a.print_execstack, a.print_os_abi};
  if (what.any()) {
    auto mapped = MappedFile::open(path);
    if (!mapped) {
      fail(mapped.error());
      return o;
    }
    auto s = patch::read_summary(mapped->view(), path);
    if (!s) {
      fail(s.error());
      return o;
    }
    auto answers = report::patch_prints(*s, path, what, prefix ? path + ": " : "");
    if (answers.missing) fail(*answers.missing);
    if (!a.json) o.out += answers.text;
    o.j.update(answers.fields);
  }
  if (!a.edits.empty() || a.output) {
    std::string out = a.output.value_or(path);
    auto r = patch::patch_file(path, out, a.edits, a.options);
    if (!r) {
      fail(r.error());
    } else {
      report::add_patch_result_json(out, *r, o.j);
      if (!a.json) o.out += report::patch_result_text(path, out, *r, a.options.dry_run, patchelf_mode);
    }
  }
  return o;
}

// Runs the parsed request, files in parallel (with --fsync the waits for the disk overlap), results printed in
// the order given. `patchelf_mode` keeps patchelf's quiet output and exit status 1 on errors.
int run(const PatchArgs& a, bool patchelf_mode) {
  std::vector<Outcome> outcomes(a.files.size());
  bool prefix = !patchelf_mode && a.files.size() > 1;
  parallel_for(a.files.size(), [&](size_t i) { outcomes[i] = run_one(a, a.files[i], patchelf_mode, prefix); },
               std::max(4u, 2 * default_jobs()));
  nlohmann::json files = nlohmann::json::array();
  int rc = exit_ok;
  for (auto& o : outcomes) {
    std::fputs(o.out.c_str(), stdout);
    std::fputs(o.err.c_str(), stderr);
    rc = std::max(rc, o.rc);
    files.push_back(std::move(o.j));
  }
  if (a.json) {
    nlohmann::json doc = {{"schema", "ferry.patch/1"}, {"files", files}, {"ok", rc == exit_ok}};
    std::printf("%s\n", report::dump_json(std::move(doc), 2).c_str());
  }
  return rc;
}

}  // namespace

void register_patch(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("patch", "rewrite ELF files: RPATH/RUNPATH, interpreter, SONAME, NEEDED, versions "
                                          "(patchelf's options; see `ferry patch --help`)");
  sub->set_help_flag();
  sub->prefix_command();
  sub->callback([sub, &ctx] {
    PatchArgs a;
    std::string err = parse(sub->remaining(), a);
    if (a.help) {
      std::printf("%s\n", kUsage);
      return;
    }
    if (a.version) {
      std::printf("ferry %s\n", FERRY_VERSION);
      return;
    }
    if (!err.empty()) {
      print_error("patch: " + err + " (see ferry patch --help)");
      ctx.exit_code = exit_usage;
      return;
    }
    ctx.exit_code = run(a, false);
  });
}

int run_patchelf(int argc, char** argv) {
  PatchArgs a;
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string err = parse(args, a);
  if (a.version) {
    // Tools such as auditwheel parse this line and require patchelf >= 0.14.
    std::printf("patchelf 0.18.0\n");
    return 0;
  }
  if (a.help) {
    std::printf("%s\n", kUsage);
    return 0;
  }
  if (!err.empty()) {
    std::fprintf(stderr, "patchelf: %s\n", err.c_str());
    return 1;
  }
  return run(a, true);
}

}  // namespace ferry::cli
