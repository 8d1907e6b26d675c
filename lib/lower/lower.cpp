// lower_file: read -> gather -> plan -> apply -> verify (`check -t TARGET` on the temporary output) -> atomic
// replace. The input is never modified unless it is also the output and everything succeeded.
#include <sys/stat.h>

#include "elf/elf_constants.hpp"
#include "lower/lower_passes.hpp"
#include "patch/patch.hpp"
#include "policy/check.hpp"
#include "support/file.hpp"

namespace ferry::lower {

namespace {

bool has_glue(const Plan& p, const std::string& symbol) {
  for (const auto& b : p.bindings)
    if (b.method == Method::glue && b.symbol == symbol) return true;
  return false;
}

std::string refusals(const Plan& p) {
  std::string s;
  for (const auto& b : p.bindings)
    if (b.method == Method::refused)
      s += (s.empty() ? "" : "; ") + b.symbol + "@" + b.version + " (" + b.library + "): " + b.reason;
  for (const auto& x : p.problems) s += (s.empty() ? "" : "; ") + x;
  return s;
}

// `check -t TARGET` on the written temporary file: any symbol version it still finds above the target is a
// verification failure. Other issues (a library to ship, an executable stack) are not lowering's business:
// `ferry check` reports them as it did for the input.
Status check_output(const std::string& path, const std::string& target) {
  policy::CheckOptions o;
  o.targets = {target};
  o.hints = false;
  o.jobs = 1;
  auto r = policy::run_check({path}, o);
  if (!r.errors.empty()) return r.errors.front();
  std::string issues;
  for (const auto& f : r.files)
    for (const auto& v : f.verdicts)
      for (const auto& i : v.issues)
        if (i.severity == policy::Severity::error && i.kind == policy::IssueKind::symbol_version) issues += (issues.empty() ? "" : "; ") + i.message;
  if (!issues.empty()) return make_error(ErrorCode::verify, "the lowered file still fails check -t " + target + ": " + issues);
  return {};
}

}  // namespace

Result<std::vector<uint8_t>> apply_plan(ByteView in, const std::string& path, const Plan& plan,
                                        const policy::Target& target, std::vector<std::string>& steps) {
  std::vector<uint8_t> image(in.data(), in.data() + in.size());
  patch::Edits e;
  e.add_needed = plan.add_needed;
  for (const auto& b : plan.bindings)
    if (!b.new_symbol.empty()) e.rename_dynamic_symbols.emplace_back(b.symbol, b.new_symbol);
  for (const auto& b : plan.bindings)  // every version name the rewritten Verneeds may need
    if (!b.new_version.empty() && b.method != Method::refused) e.add_strings.push_back(b.new_version);
  if (!e.empty()) {
    patch::PatchReport pr;
    FERRY_TRY(patched, patch::patch_image(in, e, path, {}, &pr));
    image = std::move(patched);
    for (const auto& n : plan.add_needed) steps.push_back("DT_NEEDED " + n + " added (" + pr.strategy + ")");
    for (const auto& [from, to] : e.rename_dynamic_symbols) steps.push_back("symbol " + from + " renamed " + to);
  }
  std::vector<uint8_t> out = image;
  // Each step reads the file as the previous one left it (segments grow, tables move). A step that finds no
  // padding for what it adds runs again after a PT_LOAD of its kind (R, or R+X for code) was appended at the
  // end of the file, which then grows with what the later steps add. Data steps run before code steps so that
  // both kinds share as few new segments as possible.
  auto step = [&](bool exec, auto&& add) -> Status {
    patch::AppendedSegment seg;
    for (int attempt = 0;; ++attempt) {
      std::vector<uint8_t> before = out;
      FERRY_TRY(f, patch::read_elf_file_for_patch(ByteView(before), path));
      auto s = add(f);
      if (s && attempt > 0 && f.phdrs.size() > seg.phdr && f.phdrs[seg.phdr].filesz == 0) {
        FERRY_TRY(after, patch::read_elf_file_for_patch(ByteView(out), path));
        if (after.phdrs[seg.phdr].filesz == 0)  // the loader cannot map an empty PT_LOAD
          return f.error("internal: the PT_LOAD added for room was not used", std::nullopt, ErrorCode::verify);
      }
      if (s || attempt > 0 || !is_no_room(s.error())) return s;
      FERRY_TRY(grown, patch::append_load_segment(ByteView(before), path, 0, elf::pf::r | (exec ? elf::pf::x : 0), seg));
      out = std::move(grown);
      for (const auto& st : seg.steps) steps.push_back(st);
      steps.push_back(std::string("new PT_LOAD #") + std::to_string(seg.phdr) + " (" + (exec ? "R+X" : "R") +
                      ") for what follows: no padding was left after the segments");
    }
  };
  if (plan.has_feature("DT_RELR"))
    FERRY_CHECK(step(false, [&](const patch::ElfFile& f) { return expand_relr(f, out, steps); }));
  FERRY_CHECK(step(false, [&](const patch::ElfFile& f) -> Status {
    // Nothing to rebind: the tables change only to drop GLIBC_ABI_DT_RELR.
    if (plan.bindings.empty() && (!plan.has_feature("DT_RELR") || !f.find_dyn(elf::dt::verneed))) return {};
    return rewrite_versions(f, out, plan, target, steps);
  }));
  if (plan.has_feature("DT_HASH"))
    FERRY_CHECK(step(false, [&](const patch::ElfFile& f) { return add_dt_hash(f, out, steps); }));
  if (has_glue(plan, "__libc_single_threaded"))
    FERRY_CHECK(step(false, [&](const patch::ElfFile& f) { return add_data_glue(f, out, plan, steps); }));
  if (has_glue(plan, "__libc_start_main"))
    FERRY_CHECK(step(true, [&](const patch::ElfFile& f) { return add_start_glue(f, out, steps); }));
  FERRY_CHECK(step(true, [&](const patch::ElfFile& f) { return add_call_glue(f, out, plan, steps); }));
  return out;
}

Result<LowerReport> lower_file(const std::string& in, const std::string& out, const LowerOptions& opts) {
  LowerReport rep;
  rep.input = in, rep.output = out, rep.target = opts.target;
  FERRY_TRY(bytes, read_file(in));
  FERRY_TRY(f, patch::read_elf_file_for_patch(ByteView(bytes), in));
  const std::string arch = lower_arch(f.e_machine);
  if (arch.empty())
    return make_error(ErrorCode::unsupported, "ferry lower handles x86_64, aarch64 and i386 files only (e_machine " +
                                                  std::to_string(f.e_machine) + ")").with_path(in);
  auto target = policy::find_target(opts.target, arch);
  if (!target) return target.error();
  if ((*target)->libc != policy::Libc::glibc)
    return make_error(ErrorCode::usage, "target " + opts.target + " has no glibc ceiling");
  rep.target = (*target)->name;
  rep.glibc = (*target)->libc_version.str();
  FERRY_TRY(facts, gather(f));
  rep.plan = make_plan(facts, **target, opts.add_dt_hash);
  if (opts.dry_run) return rep;
  if (rep.plan.refused())
    return make_error(ErrorCode::policy, "cannot lower to " + rep.target + ": " + refusals(rep.plan)).with_path(in);
  std::vector<uint8_t> image = bytes;
  if (!rep.plan.bindings.empty() || !rep.plan.features.empty()) {
    auto applied = apply_plan(ByteView(bytes), in, rep.plan, **target, rep.steps);
    if (!applied) return applied.error().with_path(in);
    image = std::move(*applied);
    rep.changed = true;
  }
  if (!rep.changed && out == in) return rep;
  struct stat st;
  AtomicWriteOptions w;
  if (::stat(in.c_str(), &st) == 0) w.mode = st.st_mode & 07777;
  if (opts.verify) w.verify = [&](const std::string& tmp) { return check_output(tmp, opts.target); };
  auto written = atomic_write(out, image, w);
  if (!written) return written.error().with_path(out);
  return rep;
}

}  // namespace ferry::lower
