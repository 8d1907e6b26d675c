// Text of show / repair / merge results (wheel_report.hpp): what `ferry show` and `ferry repair` print for one
// wheel, in auditwheel's and delocate's vocabulary.
#include "report/appendf.hpp"
#include "report/wheel_report.hpp"

namespace ferry::report {

namespace {

using ull = unsigned long long;

void lower_text(std::string& out, const wheel::ShowReport& r) {
  if (r.lowerable_tag.empty() && r.lower_blockers.empty()) return;  // no --lower
  appendf(out, "  `ferry repair --lower` can reach: %s\n",
          r.lowerable_tag.empty() ? "no manylinux tag" : r.lowerable_tag.c_str());
  if (!r.lower_blockers.empty()) appendf(out, "    not better, because:\n");
  for (auto& w : r.lower_blockers) appendf(out, "      %s\n", w.c_str());
}

void versioned_text(std::string& out, const wheel::ShowReport& r) {
  if (r.versioned.empty()) {
    appendf(out, "  no versioned symbols from system libraries\n");
    return;
  }
  appendf(out, "  versioned symbols from system libraries:\n");
  for (auto& v : r.versioned) {
    std::string vs;
    for (auto& x : v.versions) vs += (vs.empty() ? "" : ", ") + x;
    appendf(out, "    %s: %s\n", v.library.c_str(), vs.c_str());
  }
}

void external_text(std::string& out, const wheel::ShowReport& r) {
  if (r.external.empty()) {
    appendf(out, "  external libraries: none\n");
    return;
  }
  appendf(out, "  external libraries (for the most permissive target):\n");
  for (auto& l : r.external)
    appendf(out, "    %s => %s [%s]\n", l.name.c_str(), l.path ? l.path->c_str() : "not found",
            wheel::to_string(l.disposition));
}

// Consecutive tags refused for the same reasons are printed once.
void refused_text(std::string& out, const wheel::ShowReport& r) {
  for (size_t i = 0; i < r.refused.size();) {
    size_t j = i + 1;
    while (j < r.refused.size() && r.refused[j].reasons == r.refused[i].reasons) ++j;
    if (j - i == 1) appendf(out, "  %s refused:\n", r.refused[i].tag.c_str());
    else
      appendf(out, "  %s .. %s (%zu tags) refused:\n", r.refused[i].tag.c_str(), r.refused[j - 1].tag.c_str(), j - i);
    for (auto& line : r.refused[i].reasons) appendf(out, "    %s\n", line.c_str());
    i = j;
  }
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (auto& x : v) s += (s.empty() ? "" : " ") + x;
  return s.empty() ? "-" : s;
}

void change_text(std::string& out, const wheel::ElfChange& c) {
  appendf(out, "  %s%s\n", c.member.c_str(), c.grafted ? " (grafted)" : "");
  if (c.soname_before != c.soname_after)
    appendf(out, "    soname: %s -> %s\n", c.soname_before.empty() ? "-" : c.soname_before.c_str(),
            c.soname_after.c_str());
  if (c.needed_before != c.needed_after)
    appendf(out, "    needed: %s -> %s\n", joined(c.needed_before).c_str(), joined(c.needed_after).c_str());
  if (c.rpath_before != c.rpath_after)
    appendf(out, "    rpath:  %s -> %s\n", c.rpath_before.empty() ? "-" : c.rpath_before.c_str(),
            c.rpath_after.c_str());
  appendf(out, "    size:   %llu -> %llu\n", static_cast<ull>(c.size_before), static_cast<ull>(c.size_after));
}

void macos_libs_text(std::string& out, const std::vector<macos::Library>& libs) {
  for (auto& l : libs) {
    std::string by;
    for (auto& n : l.needed_by) by += (by.empty() ? "" : ", ") + n;
    appendf(out, "    %s => %s [%s] (needed by %s)\n", l.name.c_str(), l.path.empty() ? "-" : l.path.c_str(),
            l.disposition.c_str(), by.c_str());
  }
}

// One "warning:" line each; `rewritten` (repair of a RECORD the members disproved): the output has the real lines.
void warnings_text(std::string& out, const std::vector<std::string>& warnings, bool rewritten) {
  for (auto& w : warnings)
    appendf(out, "  warning: %s%s\n", w.c_str(), rewritten ? " (the repaired wheel's RECORD has the real one)" : "");
}

}  // namespace

std::string show_to_text(const wheel::ShowReport& r) {
  std::string out;
  appendf(out, "%s\n", r.wheel.c_str());
  warnings_text(out, r.warnings, false);
  if (r.pure) {
    appendf(out, "  pure Python wheel (no ELF file inside)\n");
    return out;
  }
  std::string aliases;
  for (auto& a : r.best_aliases) aliases += (aliases.empty() ? " (alias " : ", ") + a;
  if (!aliases.empty()) aliases += ")";
  appendf(out, "  consistent with platform tag: %s%s\n", r.best_tag.c_str(), aliases.c_str());
  if (!r.repairable_tag.empty() && r.repairable_tag != r.best_tag)
    appendf(out, "  `ferry repair` can reach: %s (by grafting external libraries)\n", r.repairable_tag.c_str());
  lower_text(out, r);
  if (r.requested)
    appendf(out, "  requested %s: %s\n", r.requested->c_str(), r.satisfies ? "satisfied" : "NOT satisfied");
  if (r.ucs2) appendf(out, "  compiled against a narrow unicode (UCS2) Python: no manylinux tag possible\n");
  if (r.pyfpe) appendf(out, "  uses PyFPE_jbuf: no manylinux tag possible\n");
  versioned_text(out, r);
  external_text(out, r);
  refused_text(out, r);
  return out;
}

std::string windows_show_to_text(const wheel::WindowsShow& s) {
  std::string out;
  appendf(out, "%s\n  Windows wheel: %s, %s, ABI %s\n", s.wheel.c_str(), s.platform.c_str(), s.arch.c_str(),
          s.abi.c_str());
  if (s.repaired_by) appendf(out, "  already repaired: %s\n", s.repaired_by->c_str());
  if (!s.existing_libs.empty()) {
    appendf(out, "  vendored DLLs already in the wheel:\n");
    for (auto& l : s.existing_libs) appendf(out, "    %s\n", l.c_str());
  }
  appendf(out, "  extension modules analysed: %zu\n", s.pe_members.size());
  auto group = [](wheel::DllKind k) {
    if (k == wheel::DllKind::vendor || k == wheel::DllKind::missing) return 0;
    return k == wheel::DllKind::in_wheel ? 1 : 2;
  };
  const char* titles[] = {"to vendor", "found in the wheel", "left to the system"};
  for (int g = 0; g < 3; ++g) {
    std::string lines;
    for (auto& d : s.dlls)
      if (group(d.kind) == g)
        lines += "    " + d.name + (d.path ? " => " + *d.path : "") + " [" + wheel::to_string(d.kind) + "]" +
                 (d.why.empty() ? "" : " " + d.why) + "\n";
    appendf(out, "  DLLs %s:%s", titles[g], lines.empty() ? " none\n" : ("\n" + lines).c_str());
  }
  warnings_text(out, s.warnings, false);
  return out;
}

std::string repair_to_text(const wheel::RepairReport& r) {
  std::string out;
  appendf(out, "%s\n", r.wheel.c_str());
  warnings_text(out, r.warnings, !r.unchanged);
  for (auto& n : r.notes) appendf(out, "  note: %s\n", n.c_str());
  for (auto& l : r.libraries)
    if (l.disposition == wheel::Disposition::graft)
      appendf(out, "  grafted %s (%s) as %s\n", l.name.c_str(), l.path.value_or("?").c_str(), l.graft_name.c_str());
  for (auto& c : r.changes) change_text(out, c);
  if (!r.sbom.empty())
    appendf(out, "  SBOM %s: %zu distribution package%s\n", r.sbom.c_str(), r.sbom_purls.size(),
            r.sbom_purls.size() == 1 ? "" : "s");
  appendf(out, "  wrote %s (%llu members copied as they were, %llu written)\n", r.output.c_str(),
          static_cast<ull>(r.members_copied), static_cast<ull>(r.members_written));
  if (r.members_trusted)
    appendf(out, "  %llu member%s trusted, not checked: RECORD line%s carried over as the input had %s (--trust-record)\n",
            static_cast<ull>(r.members_trusted), r.members_trusted == 1 ? "" : "s", r.members_trusted == 1 ? "" : "s",
            r.members_trusted == 1 ? "it" : "them");
  return out;
}

std::string macos_show_to_text(const macos::ShowReport& r) {
  std::string out;
  appendf(out, "%s\n  platform tag: %s\n", r.wheel.c_str(), r.tag.c_str());
  warnings_text(out, r.warnings, false);
  for (auto& m : r.minos) appendf(out, "  minos %s: %s (%s)\n", m.arch.c_str(), m.version.c_str(), m.file.c_str());
  if (!r.repair_tag.empty()) appendf(out, "  `ferry repair` reaches: %s\n", r.repair_tag.c_str());
  else appendf(out, "  `ferry repair` would fail: %s\n", r.repair_problem.c_str());
  appendf(out, "  dependencies:\n");
  macos_libs_text(out, r.libraries);
  return out;
}

std::string macos_repair_to_text(const macos::RepairReport& r) {
  std::string out;
  appendf(out, "%s\n", r.wheel.c_str());
  warnings_text(out, r.warnings, !r.unchanged);
  for (auto& n : r.notes) appendf(out, "  note: %s\n", n.c_str());
  for (auto& l : r.libraries)
    if (l.disposition == "graft")
      appendf(out, "  grafted %s (%s) as %s\n", l.name.c_str(), l.path.c_str(), l.grafted_as.c_str());
  for (auto& c : r.changed) appendf(out, "  rewrote %s\n", c.c_str());
  appendf(out, "  wrote %s\n", r.output.c_str());
  return out;
}

std::string merge_to_text(const macos::MergeReport& r) {
  std::string out;
  for (auto& f : r.fused) appendf(out, "  fused %s\n", f.c_str());
  for (auto& f : r.only_one) appendf(out, "  from one wheel only: %s\n", f.c_str());
  appendf(out, "  wrote %s\n", r.output.c_str());
  return out;
}

}  // namespace ferry::report
