// The planner alone (layout_plan.hpp): plan() decides from a parsed image in memory and the facts gathered
// before it, writes nothing and reads no file. Each case builds a tiny ELF in memory, plans, and checks the
// decisions (strategy, where .dynstr goes, the final dynamic entries) and that the input bytes are untouched.
#include <catch2/catch.hpp>

#include <elf.h>

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
