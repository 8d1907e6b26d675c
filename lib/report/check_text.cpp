// Human text for `ferry check`: per file its requirements, the oldest target it runs on, and per target
// pass/FAIL with every offending symbol and its fix; an overview line per family when no target was given.
#include <map>

#include "report/check_common.hpp"
#include "report/check_report.hpp"

namespace ferry::report {
namespace {

std::string requirements_line(const policy::Requirements& r) {
  std::string s;
  for (const auto& q : r.highest) s += (s.empty() ? "" : ", ") + q.version + " (" + q.library + ")";
  return s.empty() ? "no versioned symbols" : s;
}

void overview(std::string& out, const policy::FileReport& f, const TextStyle& st) {
  std::map<std::string, std::pair<std::string, std::string>> by_family;  // family -> (passes, fails)
  std::vector<std::string> order;
  for (const auto& v : f.verdicts) {
    auto t = policy::find_target(v.target, f.arch);
    std::string fam = t ? policy::to_string((*t)->family) : "custom";
    if (!by_family.count(fam)) order.push_back(fam);
    auto& [p, x] = by_family[fam];
    (v.pass ? p : x) += ((v.pass ? p : x).empty() ? "" : " ") + v.target;
  }
  for (const auto& fam : order) {
    auto& [p, x] = by_family[fam];
    out += "  " + dim(fam + ":", st) + " " + (p.empty() ? "" : green("pass", st) + " " + p);
    if (!x.empty()) out += std::string(p.empty() ? "" : "; ") + red("fail", st) + " " + x;
    out += "\n";
  }
}

}  // namespace

std::string check_to_text(const policy::CheckReport& r, const TextStyle& st, const CheckTextOptions& opts) {
  std::string out;
  bool overview_mode = r.targets.empty();
  size_t failed = 0;
  for (const auto& f : r.files) {
    bool pass = f.passed();
    failed += !pass;
    if (opts.quiet && pass) continue;
    out += bold(f.path, st) + " " + dim("(" + f.arch + ", " + f.kind + ")", st) + "\n";
    if (f.unsafe_name) out += "  " + yellow("warning:", st) + " archive member name escapes the archive root\n";
    out += field("requires", requirements_line(f.requirements), st);
    out += field("oldest target", f.oldest_target.empty() ? "none of the built-in targets"
                                                          : f.oldest_target + " (" + f.oldest_target_description + ")",
                 st);
    out += field("best manylinux", f.best_manylinux.empty() ? "none (linux)" : f.best_manylinux, st);
    if (overview_mode) {
      overview(out, f, st);
      continue;
    }
    for (const auto& v : f.verdicts) {
      out += "  " + v.tag + ": " + (v.pass ? green("pass", st) : red("FAIL", st)) + "\n";
      for (const auto& i : v.issues) {
        bool err = i.severity == policy::Severity::error;
        out += "    " + (err ? red("error:", st) : yellow("warning:", st)) + " " + i.message + "\n";
        if (!opts.hints) continue;
        const auto& h = i.hint;
        if (!h.older_versions.empty()) {
          std::string list;
          for (const auto& o : h.older_versions) list += (list.empty() ? "" : ", ") + o;
          out += "      " + dim("older versions:", st) + " " + list + "\n";
        }
        if (!h.cause.empty()) out += "      " + dim("cause:", st) + " " + h.cause + "\n";
        if (!h.remedy.empty()) out += "      " + dim("fix:", st) + " " + h.remedy + "\n";
      }
    }
  }
  for (const auto& in : r.inputs)
    if ((in.kind == "zip" || in.kind == "tar" || in.kind == "directory") && in.file_count)
      out += bold(in.input, st) + ": " + std::to_string(in.file_count) + " ELF file" + (in.file_count == 1 ? "" : "s") +
             ", best tag " + (in.best_manylinux.empty() ? "linux (no manylinux policy)" : in.best_manylinux) + "\n";
  std::string targets;
  for (const auto& t : r.targets) targets += (targets.empty() ? "" : ", ") + t;
  if (overview_mode) {
    out += std::to_string(r.files.size()) + " file" + (r.files.size() == 1 ? "" : "s") +
           " checked against every built-in target (give --target to gate on one)\n";
  } else {
    out += std::to_string(r.files.size()) + " file" + (r.files.size() == 1 ? "" : "s") + " checked against " + targets +
           ": " + std::to_string(r.files.size() - failed) + " passed, " +
           (failed ? red(std::to_string(failed) + " failed", st) : std::string("0 failed")) + "\n";
  }
  if (r.files.empty() && r.errors.empty()) out += "no ELF files found\n";
  return out;
}

std::string targets_to_text(const std::vector<const policy::Target*>& targets, const TextStyle& st) {
  std::string out;
  std::string last;
  for (const auto* first : targets) {
    std::string key = first->name;
    if (key == last) continue;  // one entry per target; its architectures listed on it
    last = key;
    std::string archs;
    const policy::Target* t = first;  // ceilings shown for x86_64 when the target has it
    for (const auto* u : targets)
      if (u->name == first->name) {
        archs += (archs.empty() ? "" : " ") + u->arch;
        if (u->arch == "x86_64") t = u;
      }
    std::string aliases;
    for (const auto& a : t->aliases) aliases += (aliases.empty() ? "" : ", ") + a;
    std::string ceil;
    for (const char* ns : {"GLIBC", "GLIBCXX", "CXXABI", "GCC"}) {
      auto it = t->versions.find(ns);
      if (it != t->versions.end() && it->second.ceiling) ceil += std::string(ceil.empty() ? "" : " ") + ns + " " + it->second.ceiling->str();
    }
    out += bold(t->name, st) + (aliases.empty() ? "" : " " + dim("(" + aliases + ")", st)) + "  " +
           dim(policy::to_string(t->family), st) + "\n";
    out += "  " + t->description + "\n";
    if (!ceil.empty()) out += "  ceilings (" + t->arch + "): " + ceil + (t->kernel.parts.empty() ? "" : "; kernel " + t->kernel.str()) + "\n";
    if (t->old_cxx_abi || !t->python.empty())
      out += std::string("  rules: ") + (t->old_cxx_abi ? "old libstdc++ ABI (no std::__cxx11 symbols)" : "") +
             (t->old_cxx_abi && !t->python.empty() ? "; " : "") +
             (t->python.empty() ? "" : "extension modules for Python " + t->python) + "\n";
    out += "  arch: " + archs + "\n";
  }
  return out;
}

}  // namespace ferry::report
