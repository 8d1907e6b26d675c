// The planner alone (layout_plan.hpp): plan() decides from a parsed image in memory and the facts gathered
// before it, writes nothing and reads no file. Each case builds a tiny ELF in memory, plans, and checks the
// decisions (strategy, where .dynstr goes, the final dynamic entries) and that the input bytes are untouched.
#include <catch2/catch.hpp>

#include <elf.h>

#include <random>

#include "patch/elf_file.hpp"
#include "patch/layout_plan.hpp"
#include "patch_test_elf.hpp"

using namespace ferry;
using namespace ferry::patch;
using ferry::test::TinyElf;

namespace {

ElfFile parsed(const std::vector<uint8_t>& bytes) {
  auto f = read_elf_file_for_patch(ByteView(bytes.data(), bytes.size()), "tiny");
  REQUIRE(f.ok());
  return *f;
}

// The string a final dynamic entry of the plan names, read from the plan's own .dynstr.
std::optional<std::string> planned_string(const ElfFile& f, const LayoutPlan& lp, int64_t tag) {
  const ByteView old = f.span(f.dynstr_offset, f.dynstr_size).value_or(ByteView());
  for (const auto& d : lp.dynamic)
    if (d.tag == tag) return lp.dynstr.string_at(old, d.val);
  return std::nullopt;
}

}  // namespace

TEST_CASE("plan decides a longer search path without writing: the new string goes after .dynstr's end") {
  TinyElf t;
  auto in = t.need("libc.so.6").path("$ORIGIN").build();
  const auto copy = in;
  ElfFile f = parsed(in);
  Edits e;
  e.set_rpath = "/a/search/path/much/longer/than/the/one/the/file/has:/and/a/second/directory";
  auto lp = plan(f, e, PatchOptions{});
  REQUIRE(lp.ok());
  CHECK(lp->strategy != Strategy::unchanged);
  CHECK(planned_string(f, *lp, DT_RUNPATH) == *e.set_rpath);
  CHECK(lp->dynstr.size() > f.dynstr_size);
  CHECK(lp->new_size >= lp->old_size);
  CHECK(lp->expected.runpath == *e.set_rpath);
  CHECK(lp->expected.needed == std::vector<std::string>{"libc.so.6"});
  CHECK(in == copy);  // nothing written
}

TEST_CASE("plan of an empty edit list is 'unchanged' and changes no structure") {
  TinyElf t;
  auto in = t.need("libc.so.6").path("$ORIGIN").build();
  auto lp = plan(parsed(in), Edits{}, PatchOptions{});
  REQUIRE(lp.ok());
  CHECK(lp->strategy == Strategy::unchanged);
  CHECK_FALSE(lp->dynamic_changed);
  CHECK_FALSE(lp->dynstr_changed);
  CHECK_FALSE(lp->phdrs_changed);
  CHECK(lp->new_size == in.size());
}

TEST_CASE("shrink-rpath is decided from the gathered facts, not from the filesystem") {
  TinyElf t;
  // Neither directory exists here: a plan that keeps one of them can only have read the facts.
  auto in = t.need("libc.so.6").path("/nonexistent/ferry-a:/nonexistent/ferry-b:$ORIGIN/lib").build();
  ElfFile f = parsed(in);
  Edits e;
  e.shrink_rpath = true;
  SECTION("a directory the facts say holds the NEEDED library of the same machine is kept") {
    Facts facts;
    facts.library_machines["/nonexistent/ferry-b/libc.so.6"] = t.machine;
    auto lp = plan(f, e, PatchOptions{}, facts);
    REQUIRE(lp.ok());
    CHECK(planned_string(f, *lp, DT_RUNPATH) == "/nonexistent/ferry-b:$ORIGIN/lib");
  }
  SECTION("a library of another machine does not count; relative entries stay") {
    Facts facts;
    facts.library_machines["/nonexistent/ferry-a/libc.so.6"] = EM_AARCH64;
    auto lp = plan(f, e, PatchOptions{}, facts);
    REQUIRE(lp.ok());
    CHECK(planned_string(f, *lp, DT_RUNPATH) == "$ORIGIN/lib");
  }
  SECTION("gather_facts finds nothing for directories that do not exist") {
    CHECK(gather_facts(f, e).library_machines.empty());
  }
}

// The bytes of .dynstr that no reference reads are where a new string may go (string_table.cpp). Checked against
// the rule worked out byte by byte here, on random tables: strings sharing suffixes (a reference into the middle
// of a string), references at a NUL, past the end, and tables whose last string has no NUL.
TEST_CASE("a new string goes into the first run of .dynstr bytes that no reference reads, and nowhere else") {
  std::mt19937 rng(1951);
  auto pick = [&](uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); };
  for (int round = 0; round < 400; ++round) {
    std::vector<uint8_t> table{0};
    const uint64_t strings = 1 + pick(40);
    for (uint64_t k = 0; k < strings; ++k) {
      const uint64_t len = pick(13);
      for (uint64_t i = 0; i < len; ++i) table.push_back(static_cast<uint8_t>('a' + pick(26)));
      table.push_back(0);
    }
    if (pick(8) == 0) table.push_back('z');  // a last string without its NUL
    const uint64_t n = table.size();
    ElfFile f;
    f.bytes = ByteView(table.data(), n);
    f.has_dynstr = true;
    f.dynstr_offset = 0, f.dynstr_size = n;
    const uint64_t refs = pick(2 * strings + 1);
    for (uint64_t k = 0; k < refs; ++k) f.dynsyms.push_back({static_cast<uint32_t>(pick(n + 4))});
    if (pick(2)) f.verdef_names.push_back(static_cast<uint32_t>(pick(n)));

    std::vector<bool> read(n, false);
    read[0] = true;
    auto reads = [&](uint64_t at) {
      for (uint64_t i = at; i < n; ++i) {
        read[i] = true;
        if (table[i] == 0) break;
      }
    };
    for (const auto& s : f.dynsyms) reads(s.name);
    for (auto v : f.verdef_names) reads(v);
    const std::string value(1 + pick(6), '7');  // digits: never in the table, so never found there
    std::optional<uint64_t> first_fit;
    for (uint64_t at = 1, run = 0; at < n && !first_fit; ++at) {
      run = read[at] ? 0 : run + 1;
      if (run == value.size() + 1) first_fit = at + 1 - run;
    }
    INFO("round " << round << ", table of " << n << " bytes");
    StringPlan sp = allocate_strings(f, {StringRequest{value, std::nullopt}});
    REQUIRE(sp.offsets.size() == 1);
    if (first_fit) {
      CHECK(sp.offsets[0] == *first_fit);
      CHECK(sp.rewritten == value.size() + 1);
    } else {
      CHECK(sp.offsets[0] == n);  // appended
      CHECK(sp.appended == value.size() + 1);
    }
  }
}
