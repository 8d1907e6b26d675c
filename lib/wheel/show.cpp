// `ferry show`: the best tag a wheel satisfies as it is, and for every better tag the reasons it is refused
// (auditwheel main_show.py's content, with the symbols behind each version and a real exit code).
#include <algorithm>

#include "wheel/analyze.hpp"
#include "wheel/lower_wheel.hpp"

namespace ferry::wheel {

std::vector<std::string> target_tags(const policy::Target& t) {
  std::vector<std::string> out{t.tag()};
  for (auto& a : t.aliases) out.push_back(a + "_" + t.arch);
  return out;
}

std::vector<std::string> refusal_reasons(const Analysis& a, const TargetEval& ev, bool after_graft) {
  std::vector<std::string> r = ev.symbol_reasons;
  r.insert(r.end(), ev.blacklist_reasons.begin(), ev.blacklist_reasons.end());
  r.insert(r.end(), ev.isa_reasons.begin(), ev.isa_reasons.end());
  for (auto& [nm, lib] : ev.libs) {
    std::string by;
    for (auto& b : lib.lib.needed_by) by += (by.empty() ? "" : ", ") + b;
    if (lib.lib.disposition == Disposition::missing)
      r.push_back(by + ": needs " + nm + ", which is not on the whitelist and could not be found");
    else if (lib.lib.disposition == Disposition::graft && !after_graft)
      r.push_back(by + ": needs " + nm + " (" + lib.lib.path.value_or("?") + "), which is not on the whitelist");
  }
  if (a.ucs2) r.push_back("compiled against a narrow unicode (UCS2) Python build");
  if (a.pyfpe) r.push_back("uses PyFPE_jbuf (a --with-fpectl Python build)");
  return r;
}

Result<ShowReport> show_wheel(const std::string& wheel_path, const ShowOptions& opts) {
  AnalyzeOptions ao;
  ao.show = &opts;
  ao.verify_all_hashes = false;
  ao.decode_in_memory = !opts.lower;  // --lower reads and rewrites the extracted files
  ao.progress = &opts.progress;
  FERRY_TRY(a, analyze_wheel(wheel_path, ao));
  ShowReport rep;
  rep.wheel = wheel_path;
  rep.warnings = a.record_mismatches;
  for (auto& e : a.elves) rep.elf_members.push_back(e.member);
  if (a.elves.empty()) {
    rep.pure = true;
    if (!opts.allow_pure)
      return make_error(ErrorCode::policy, "this does not look like a platform wheel (no ELF file inside)")
          .with_path(wheel_path);
    rep.best_tag = "any";
    rep.satisfies = !opts.plat;
    return rep;
  }
  rep.arch = a.arch;
  rep.versioned = a.versioned;
  rep.ucs2 = a.ucs2;
  rep.pyfpe = a.pyfpe;
  const TargetEval* best = nullptr;
  for (auto& ev : a.evals)
    if (ev.fine_as_is(a.ucs2, a.pyfpe)) {
      best = &ev;
      break;
    }
  for (auto& ev : a.evals)
    if (ev.fine_after_graft(a.ucs2, a.pyfpe)) {
      rep.repairable_tag = ev.target->tag();
      break;
    }
  if (best) {
    auto tags = target_tags(*best->target);
    rep.best_tag = tags[0];
    rep.best_aliases.assign(tags.begin() + 1, tags.end());
  } else {
    rep.best_tag = "linux_" + a.arch;
  }
  if (!a.evals.empty())
    for (auto& [nm, r] : a.evals.back().libs) rep.external.push_back(r.lib);
  for (auto& ev : a.evals) {
    if (&ev == best) break;
    rep.refused.push_back({ev.target->tag(), refusal_reasons(a, ev, false)});
  }
  if (opts.lower && a.family == policy::Family::manylinux) {
    // The best tag lowering reaches, and why the next better one is out of its reach.
    FERRY_TRY(facts, lowering_facts(a));
    for (auto& ev : a.evals) {
      auto why = lowering_blockers(a, ev, facts);
      if (why.empty()) {
        rep.lowerable_tag = ev.target->tag();
        break;
      }
      rep.lower_blockers = std::move(why);
    }
  }
  if (opts.plat) {
    const TargetEval* want = a.find_eval(*opts.plat);
    if (!want)
      return make_error(ErrorCode::usage, "--plat " + *opts.plat + ": not a " +
                                              std::string(policy::to_string(a.family)) + " tag for " + a.arch);
    rep.requested = want->target->tag();
    rep.satisfies = want->fine_as_is(a.ucs2, a.pyfpe);
  } else {
    rep.satisfies = best != nullptr;
  }
  return rep;
}

}  // namespace ferry::wheel
