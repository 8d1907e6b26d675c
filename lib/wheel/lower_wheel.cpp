// repair --lower and show --lower: which target lowering the wheel's own ELF files reaches, and the lowering
// itself, in the scratch tree, before grafting and retagging (lower_wheel.hpp).
#include "wheel/lower_wheel.hpp"

#include <algorithm>

#include "support/file.hpp"
#include "support/parallel.hpp"
#include "wheel/analyze_passes.hpp"

namespace ferry::wheel {

Result<std::vector<lower::Facts>> lowering_facts(const Analysis& a) {
  std::vector<lower::Facts> out;
  for (auto& e : a.elves) {
    FERRY_TRY(bytes, read_file(e.extracted));
    auto facts = lower::read_facts(ByteView(bytes), e.member);
    if (!facts) return facts.error().with_path(a.wheel_path + "!" + e.member);
    out.push_back(std::move(*facts));
  }
  return out;
}

std::vector<std::string> lowering_blockers(const Analysis& a, const TargetEval& ev, const std::vector<lower::Facts>& facts) {
  std::vector<std::string> why;
  if (a.family != policy::Family::manylinux) {
    why.push_back("ferry lower rewrites glibc requirements: a " + std::string(policy::to_string(a.family)) +
                  " wheel has none to lower");
    return why;
  }
  for (size_t k = 0; k < a.elves.size() && k < facts.size(); ++k) {
    lower::Plan p = lower::make_plan(facts[k], *ev.target);
    for (auto& b : p.bindings)
      if (b.method == lower::Method::refused)
        why.push_back(a.elves[k].member + ": " + b.symbol + "@" + b.version + " (" + b.library + "): " + b.reason);
    for (auto& x : p.problems) why.push_back(a.elves[k].member + ": " + x);
  }
  // Symbol versions of libraries to be grafted: lowering leaves them as they are (they come from the system).
  for (auto& line : ev.symbol_reasons) {
    bool own = false;
    for (auto& e : a.elves) own = own || line.starts_with(e.member + ": ");
    if (!own) why.push_back(line + " (a library to graft: ferry lowers the wheel's own files only)");
  }
  why.insert(why.end(), ev.blacklist_reasons.begin(), ev.blacklist_reasons.end());
  why.insert(why.end(), ev.isa_reasons.begin(), ev.isa_reasons.end());
  for (auto& [nm, r] : ev.libs)
    if (r.lib.disposition == Disposition::missing) why.push_back("required library \"" + nm + "\" could not be located");
  if (a.ucs2) why.push_back("compiled against a narrow unicode (UCS2) Python build");
  if (a.pyfpe) why.push_back("uses PyFPE_jbuf (a --with-fpectl Python build)");
  return why;
}

Result<const TargetEval*> lowering_target(const Analysis& a, const ShowOptions& opts, const std::vector<lower::Facts>& facts) {
  auto refuse = [&](const TargetEval& ev, const std::vector<std::string>& why) {
    std::string s = "cannot lower to " + ev.target->tag() + ":";
    for (auto& w : why) s += "\n  " + w;
    return make_error(ErrorCode::policy, s).with_path(a.wheel_path);
  };
  if (opts.plat && *opts.plat != "auto") {
    const TargetEval* ev = a.find_eval(*opts.plat);
    if (!ev)
      return make_error(ErrorCode::usage, "--plat " + *opts.plat + ": not a " +
                                              std::string(policy::to_string(a.family)) + " tag for " + a.arch);
    auto why = lowering_blockers(a, *ev, facts);
    if (!why.empty()) return refuse(*ev, why);
    return ev;
  }
  for (auto& ev : a.evals)
    if (lowering_blockers(a, ev, facts).empty()) return &ev;
  if (a.evals.empty())
    return make_error(ErrorCode::policy, "no target is known for " + a.arch).with_path(a.wheel_path);
  return refuse(a.evals.back(), lowering_blockers(a, a.evals.back(), facts));
}

Result<Lowered> lower_members(Analysis& a, const policy::Target& t, const ShowOptions& opts, bool include_drivers) {
  Lowered out;
  lower::LowerOptions lo;
  lo.target = t.tag();
  for (auto& e : a.elves) {
    auto r = lower::lower_file(e.extracted, e.extracted, lo);
    if (!r) return r.error().with_path(a.wheel_path + "!" + e.member);
    if (!r->changed) continue;
    a.seeds.erase(e.member);  // a copy of the member as it was: a patch of the lowered file cannot start from it
    out.members.insert(e.member);
    out.before[e.member] = e.info;
    std::map<std::string, int> by_method;
    for (auto& b : r->plan.bindings) by_method[lower::to_string(b.method)]++;
    std::string how;
    for (auto& [m, n] : by_method) how += (how.empty() ? "" : ", ") + std::to_string(n) + " " + m;
    out.notes.push_back(e.member + ": lowered to " + t.tag() + " (glibc " + r->glibc + "): " + how);
  }
  if (out.members.empty()) return out;
  // The lowered files have other version needs (and maybe DT_NEEDED libpthread.so.0 & co.): judge again.
  for (auto& e : a.elves) {
    if (!out.members.count(e.member)) continue;
    auto info = elf::read_elf_file(e.extracted);
    if (!info) return info.error().with_path(a.wheel_path + "!" + e.member);
    e.info = std::move(*info);
  }
  unsigned jobs = opts.jobs ? opts.jobs : default_jobs();
  FERRY_CHECK(resolve_elves(a, resolve_options(a, opts), jobs));
  a.versioned = versioned_uses(a.elves);
  a.evals.clear();
  for (auto* target : targets_to_judge(a.arch, a.family, opts.musl_policy))
    a.evals.push_back(evaluate_target(a, *target, opts, include_drivers));
  return out;
}

void add_lowering_changes(const Lowered& l, const Analysis& a, std::vector<ElfChange>& changes) {
  auto rpath = [](const elf::ElfInfo& i) { return i.rpath ? *i.rpath : i.runpath.value_or(""); };
  for (auto& [member, orig] : l.before) {
    auto c = std::find_if(changes.begin(), changes.end(), [&](const ElfChange& x) { return x.member == member; });
    if (c == changes.end()) {
      const ElfMember* e = nullptr;
      for (auto& x : a.elves) e = x.member == member ? &x : e;
      if (!e) continue;
      ElfChange n;
      n.member = member;
      n.needed_after = e->info.needed;
      n.rpath_before = n.rpath_after = rpath(e->info);
      n.soname_before = n.soname_after = e->info.soname.value_or("");
      n.size_after = e->info.file_size;
      changes.push_back(std::move(n));
      c = changes.end() - 1;
    }
    c->needed_before = orig.needed;
    c->size_before = orig.file_size;
  }
}

}  // namespace ferry::wheel
