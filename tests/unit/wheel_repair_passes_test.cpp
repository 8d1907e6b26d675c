// The passes of `ferry repair`, each run alone on data made in memory: choosing the target, planning grafts,
// the RPATHs and edits each ELF gets, retagging, provenance and where RECORD goes. The CLI tests run them
// together against auditwheel's output; these pin down what each pass decides.
#include <catch2/catch.hpp>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "policy/policy.hpp"
#include "wheel/repair_passes.hpp"

using namespace ferry;
using namespace ferry::wheel;

namespace {

Reached reached(const std::string& name, Disposition d, const std::string& path = "") {
  Reached r;
  r.lib.name = name;
  r.lib.disposition = d;
  if (!path.empty()) r.lib.path = path;
  return r;
}

const policy::Target* target(const std::string& name) {
  auto t = policy::find_target(name, "x86_64");
  REQUIRE(t.ok());
  return *t;
}

}  // namespace

TEST_CASE("plan_grafts makes one graft per real file whatever names reach it, and grafts nothing else") {
  TargetEval ev;
  ev.libs["libz.so.1"] = reached("libz.so.1", Disposition::graft, "/usr/lib/libz.so.1.2.13");
  ev.libs["libz.so"] = reached("libz.so", Disposition::graft, "/usr/lib/libz.so.1.2.13");
  ev.libs["libcuda.so.1"] = reached("libcuda.so.1", Disposition::driver, "/usr/lib/libcuda.so.1");
  ev.libs["libpython3.11.so.1.0"] = reached("libpython3.11.so.1.0", Disposition::libpython);
  auto plan = plan_grafts(ev, "pkg.libs");
  CHECK(plan.libs_dir == "pkg.libs");
  REQUIRE(plan.grafts.size() == 1);
  CHECK(plan.grafts[0].real_path == "/usr/lib/libz.so.1.2.13");
  CHECK(plan.grafts[0].names == std::vector<std::string>{"libz.so", "libz.so.1"});
  auto notes = disposition_notes(ev);
  REQUIRE(notes.size() == 2);
  CHECK(notes[0].starts_with("libcuda.so.1: driver or process-singleton library, not grafted"));
  CHECK(notes[1] == "libpython3.11.so.1.0: removed from DT_NEEDED (the interpreter provides libpython)");
}

TEST_CASE("RPATH entries are $ORIGIN-relative to the member, and only those inside the wheel are kept") {
  CHECK(origin_path("pkg/sub/_x.so", "pkg.libs") == "$ORIGIN/../../pkg.libs");
  CHECK(origin_path("_top.so", "pkg.libs") == "$ORIGIN/pkg.libs");
  CHECK(origin_path("pkg/_x.so", "pkg") == "$ORIGIN");
  elf::ElfInfo info;
  info.runpath = "$ORIGIN/lib:/usr/lib:$ORIGIN/../../..:${ORIGIN}/../other:$LIB";
  info.runpath_entries = {"$ORIGIN/lib", "/usr/lib", "$ORIGIN/../../..", "${ORIGIN}/../other", "$LIB"};
  CHECK(rpath_entries_within(info, "pkg/_x.so") == std::vector<std::string>{"$ORIGIN/lib", "${ORIGIN}/../other"});
}

TEST_CASE("edit jobs rename grafted DT_NEEDED names, point RPATH at the grafts and give each graft its SONAME") {
  Analysis a;
  a.name.distribution = "pkg";
  ElfMember m;
  m.member = "pkg/_x.so";
  m.extracted = "/scratch/root/pkg/_x.so";
  m.info.needed = {"libz.so.1", "libc.so.6", "libpython3.11.so.1.0"};
  m.info.runpath = "$ORIGIN/lib:/opt/lib";
  m.info.runpath_entries = {"$ORIGIN/lib", "/opt/lib"};
  a.elves.push_back(m);
  ElfMember untouched;  // needs only whitelisted libraries: no job
  untouched.member = "pkg/_y.so";
  untouched.info.needed = {"libc.so.6"};
  a.elves.push_back(untouched);
  TargetEval ev;
  ev.libs["libz.so.1"] = reached("libz.so.1", Disposition::graft, "/usr/lib/libz.so.1.2.13");
  ev.libs["libpython3.11.so.1.0"] = reached("libpython3.11.so.1.0", Disposition::libpython);
  GraftPlan plan = plan_grafts(ev, "pkg.libs");
  plan.grafts[0].new_name = "libz-0123abcd.so.1.2.13";  // what copy_grafts names it from the content's hash
  plan.grafts[0].member = "pkg.libs/libz-0123abcd.so.1.2.13";
  plan.grafts[0].out_path = "/scratch/out/pkg.libs/libz-0123abcd.so.1.2.13";
  std::vector<std::string> notes;
  ScriptMoves moves;
  auto jobs = build_edit_jobs(a, ev, plan, {}, "/scratch/out", notes, moves);
  CHECK(notes.empty());
  CHECK(moves.empty());
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0].member == "pkg/_x.so");
  CHECK(jobs[0].out == "/scratch/out/pkg/_x.so");
  CHECK(jobs[0].edits.replace_needed ==
        std::vector<std::pair<std::string, std::string>>{{"libz.so.1", "libz-0123abcd.so.1.2.13"}});
  CHECK(jobs[0].edits.remove_needed == std::vector<std::string>{"libpython3.11.so.1.0"});
  CHECK(jobs[0].edits.set_rpath == "$ORIGIN/lib:$ORIGIN/../pkg.libs");
  CHECK(jobs[0].edits.force_rpath);
  CHECK(jobs[1].grafted);
  CHECK(jobs[1].edits.soname == "libz-0123abcd.so.1.2.13");
  CHECK_FALSE(jobs[1].edits.set_rpath);
  CHECK(jobs[1].in == jobs[1].out);
  // A member the graft replaces (the wheel already carried a copy of the library) gets no job.
  auto none = build_edit_jobs(a, ev, plan, {"pkg/_x.so"}, "/scratch/out", notes, moves);
  CHECK(none.size() == 1);
}

TEST_CASE("choose_target takes the best reachable tag, refuses --plat with its reasons, adds the better tag") {
  Analysis a;
  a.wheel_path = "pkg-1.0-cp311-cp311-linux_x86_64.whl";
  a.arch = "x86_64";
  TargetEval older, newer;  // evals are best (most compatible, highest priority) first
  older.target = target("manylinux_2_17");
  newer.target = target("manylinux_2_28");
  REQUIRE(older.target->priority > newer.target->priority);
  older.symbol_reasons = {"pkg/_x.so: needs GLIBC_2.28 (fcntl64)"};
  a.evals = {older, newer};
  RepairOptions opts;
  auto best = choose_target(a, opts);
  REQUIRE(best.ok());
  CHECK(best->eval == &a.evals[1]);
  CHECK(best->abis == std::vector<std::string>{"manylinux_2_28_x86_64"});
  CHECK(best->notes.empty());
  opts.plat = "manylinux2014_x86_64";
  auto refused = choose_target(a, opts);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message == "cannot repair to \"manylinux_2_17_x86_64\": too-recent versioned symbols "
                                   "(compile on an older toolchain)\n  pkg/_x.so: needs GLIBC_2.28 (fcntl64)");
  // Asked for a newer tag while an older one is met: the better one is written first unless --only-plat.
  a.evals[0].symbol_reasons.clear();
  opts.plat = "manylinux_2_28_x86_64";
  auto both = choose_target(a, opts);
  REQUIRE(both.ok());
  CHECK(both->eval == &a.evals[0]);
  CHECK(both->requested == "manylinux_2_28_x86_64");
  CHECK(both->abis == std::vector<std::string>{"manylinux_2_17_x86_64", "manylinux2014_x86_64",
                                               "manylinux_2_28_x86_64"});
  REQUIRE(both->notes.size() == 1);
  CHECK(both->notes[0] == "the wheel is eligible for the better tag manylinux_2_17_x86_64 (--only-plat keeps "
                          "manylinux_2_28_x86_64 only)");
  opts.only_plat = true;
  CHECK(choose_target(a, opts)->abis == std::vector<std::string>{"manylinux_2_28_x86_64"});
  opts.plat = "musllinux_1_2_x86_64";
  CHECK(choose_target(a, opts).error().message == "--plat musllinux_1_2_x86_64: not a manylinux tag for x86_64");
}

TEST_CASE("retag renames the wheel for the new tags, and --no-update-tags keeps name and WHEEL") {
  auto name = *parse_wheel_name("pkg-1.0-cp311-cp311-linux_x86_64.whl");
  std::string wheel = "Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n";
  auto r = retag(name, "pkg-1.0-cp311-cp311-linux_x86_64.whl", wheel, {"manylinux_2_17_x86_64"}, true);
  CHECK(r.file_name == "pkg-1.0-cp311-cp311-manylinux_2_17_x86_64.whl");
  REQUIRE(r.wheel_text);
  CHECK(r.wheel_text->find("Tag: cp311-cp311-manylinux_2_17_x86_64") != std::string::npos);
  auto kept = retag(name, "pkg-1.0-cp311-cp311-linux_x86_64.whl", wheel, {"manylinux_2_17_x86_64"}, false);
  CHECK(kept.file_name == "pkg-1.0-cp311-cp311-linux_x86_64.whl");
  CHECK_FALSE(kept.wheel_text);
  CHECK(kept.platform_tags == std::vector<std::string>{"linux_x86_64"});
}

TEST_CASE("provenance names every graft with its source and hash, and why every other library was not grafted") {
  GraftPlan plan;
  Graft g;
  g.real_path = "/usr/lib/libz.so.1.2.13";
  g.names = {"libz.so.1"};
  g.member = "pkg.libs/libz-0123abcd.so.1.2.13";
  plan.grafts.push_back(g);
  ExternalLibrary drv;
  drv.name = "libcuda.so.1";
  drv.disposition = Disposition::driver;
  ExternalLibrary z;
  z.name = "libz.so.1";
  auto j = nlohmann::json::parse(provenance_json("in.whl", "manylinux_2_17_x86_64", {"manylinux_2_17_x86_64"}, plan,
                                                 {drv, z}));
  CHECK(j["schema"] == "ferry.provenance/1");
  CHECK(j["grafted"][0]["file"] == "pkg.libs/libz-0123abcd.so.1.2.13");
  CHECK(j["grafted"][0]["sha256_of_source"].get<std::string>().size() == 64);
  REQUIRE(j["not_grafted"].size() == 1);
  CHECK(j["not_grafted"][0]["reason"] == "driver");
  ExternalLibrary sib;
  sib.name = "libarrow.so";
  sib.disposition = Disposition::sibling;
  sib.sibling = "PyArrow";
  CHECK(undeclared_sibling_warnings({sib}, "Requires-Dist: pyarrow (>=10)\n").empty());
  CHECK(undeclared_sibling_warnings({sib}, "Requires-Dist: numpy\n").size() == 1);
}

TEST_CASE("RECORD goes where auditwheel's walk puts it and lists every line then itself without a hash") {
  std::vector<OutputEntry> entries(3);
  entries[0].name = "pkg/__init__.py";
  entries[1].name = "pkg-1.0.dist-info/METADATA";
  entries[2].name = "pkg-1.0.dist-info/WHEEL";
  std::sort(entries.begin(), entries.end(),
            [](const OutputEntry& x, const OutputEntry& y) { return walk_order_less(x.name, y.name); });
  std::vector<std::string> lines;
  for (auto& e : entries) lines.push_back(e.name + ",sha256=x,1\r\n");
  insert_record(entries, lines, "pkg-1.0.dist-info/RECORD");
  REQUIRE(entries.size() == 4);
  // RECORD is the last member of its .dist-info (auditwheel writes it after walking the rest).
  CHECK(entries[3].name == "pkg-1.0.dist-info/RECORD");
  CHECK(std::is_sorted(entries.begin(), entries.end(),
                       [](const OutputEntry& x, const OutputEntry& y) { return walk_order_less(x.name, y.name); }));
  size_t at = 3;
  std::string text(entries[at].bytes.begin(), entries[at].bytes.end());
  std::string want;
  for (auto& l : lines) want += l;
  want += "pkg-1.0.dist-info/RECORD,,\r\n";
  CHECK(text == want);
}
