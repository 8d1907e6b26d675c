// The ELF writer in memory: each layout strategy, read-back of every edit, idempotence and byte-identical no-ops,
// in all four class/byte-order combinations (tiny images from patch_test_elf.hpp), and on the compiled fixtures
// (version tables, plan descriptions).
#include <catch2/catch.hpp>

#include <cstdlib>

#include "patch/elf_file.hpp"
#include "patch/image.hpp"
#include "patch/layout_plan.hpp"
#include "patch/patch.hpp"
#include "patch_test_elf.hpp"
#include "support/file.hpp"

using namespace ferry;
using namespace ferry::patch;
using ferry::test::TinyElf;

namespace {

ByteView view(const std::vector<uint8_t>& b) { return ByteView(b.data(), b.size()); }

TinyElf tiny() {
  TinyElf t;
  t.is64 = GENERATE(true, false);
  t.big = GENERATE(false, true);
  t.machine = t.is64 ? (t.big ? EM_S390 : EM_X86_64) : (t.big ? EM_PPC : EM_386);
  return t;
}

std::string combo(const TinyElf& t) {
  return std::string(t.is64 ? "ELF64" : "ELF32") + (t.big ? " big-endian" : " little-endian");
}

DynamicSummary summary(const std::vector<uint8_t>& b) {
  auto s = read_summary(view(b), "out");
  REQUIRE(s.ok());
  return *s;
}

// patch_image(in, e) as `name`, which must succeed: the new bytes and the report.
struct Patched {
  std::vector<uint8_t> out;
  PatchReport rep;
};
Patched patched(const std::vector<uint8_t>& in, const Edits& e, const std::string& name = "tiny") {
  PatchReport rep;
  auto out = patch_image(view(in), e, name, {}, &rep);
  if (!out.ok()) FAIL(out.error().describe());
  return {std::move(*out), std::move(rep)};
}

// The writer's own parse of patched bytes, which must succeed.
ElfFile parsed(const std::vector<uint8_t>& b) {
  auto f = read_elf_file_for_patch(view(b), "out");
  REQUIRE(f.ok());
  return std::move(*f);
}

// FERRY_FIXTURES/patch/NAME, or nothing (with a warning) when it was not built.
std::vector<uint8_t> fixture(const std::string& name) {
  const char* dir = std::getenv("FERRY_FIXTURES");
  if (dir)
    if (auto r = read_file(std::string(dir) + "/patch/" + name)) return *r;
  WARN("FERRY_FIXTURES/patch/" + name + " not built; skipped");
  return {};
}

}  // namespace

TEST_CASE("an empty edit list gives byte-identical output in every class and byte order") {
  TinyElf t = tiny();
  auto in = t.need("libc.so.6").path("$ORIGIN").build();
  PatchReport rep;
  auto out = patch_image(view(in), Edits{}, "tiny", {}, &rep);
  INFO(combo(t));
  REQUIRE(out.ok());
  CHECK(*out == in);
  CHECK_FALSE(rep.changed);
  CHECK(rep.strategy == "unchanged");
}

TEST_CASE("a search path that fits is written in place; a longer one extends the segment that ends the file") {
  TinyElf t = tiny();
  auto in = t.need("libc.so.6").path("$ORIGIN/../lib/quite/long").build();
  INFO(combo(t));
  Edits e;
  e.set_rpath = "/x";
  auto small = patched(in, e);
  CHECK(small.rep.strategy == "in place");
  CHECK(small.out.size() == in.size());
  CHECK(summary(small.out).runpath == "/x");
  CHECK(summary(small.out).needed == std::vector<std::string>{"libc.so.6"});

  e.set_rpath = "/a/much/longer/search/path/than/the/one/before:/and/another";
  auto big = patched(in, e);
  CHECK(big.rep.strategy == "extend last segment");
  CHECK(summary(big.out).runpath == *e.set_rpath);
  CHECK(parsed(big.out).phdrs.size() == 3);  // no new program header
}

TEST_CASE(".dynstr moves with the strings written into its unused bytes and the ones appended after it") {
  TinyElf t = tiny();
  auto in = t.need("libold-with-a-rather-long-name.so").need("libc.so.6").path("/p").build();
  INFO(combo(t));
  Edits e;
  e.remove_needed = {"libold-with-a-rather-long-name.so"};  // its 34 bytes are read by nothing after this
  e.add_needed = {"libnew-with-a-name-longer-than-any-unused-run-of-bytes.so"};  // cannot fit there: appended
  e.set_rpath = "/a/b/c";  // fits there
  auto f = read_elf_file_for_patch(view(in), "tiny");
  REQUIRE(f.ok());
  auto lp = plan(*f, e, PatchOptions{});
  REQUIRE(lp.ok());
  REQUIRE(lp->dynstr.writes.size() == 1);
  CHECK(lp->dynstr.writes[0].first > 0);
  CHECK(lp->dynstr.writes[0].first + lp->dynstr.writes[0].second.size() <= t.dynstr_size);
  CHECK(lp->dynstr.old_size == t.dynstr_size);
  CHECK(lp->dynstr.size() == t.dynstr_size + e.add_needed[0].size() + 1);
  const ByteView old(in.data() + t.dynstr_offset, t.dynstr_size);
  CHECK(lp->dynstr.string_at(old, lp->dynstr.writes[0].first) == "/a/b/c");
  CHECK(lp->dynstr.string_at(old, t.dynstr_size) == e.add_needed[0]);
  // A string that starts in old bytes before the written ones reads through them.
  CHECK(lp->dynstr.string_at(old, lp->dynstr.writes[0].first + 3) == "b/c");

  auto out = patched(in, e);
  CHECK(out.rep.strategy != "in place");
  CHECK(summary(out.out).needed == std::vector<std::string>{e.add_needed[0], "libc.so.6"});
  CHECK(summary(out.out).runpath == "/a/b/c");
  CHECK(patched(out.out, e).out == out.out);  // and once is enough
}

TEST_CASE("with bytes after the last PT_LOAD a library gets one new PT_LOAD holding its moved header table") {
  TinyElf t = tiny();
  t.trailing = 24;
  auto in = t.need("libc.so.6").name("libtiny.so.1").build();
  INFO(combo(t));
  Edits e;
  e.soname = "libtiny-with-a-longer-name.so.1";
  e.add_needed = {"libextra.so"};
  auto [out, rep] = patched(in, e);
  CHECK(rep.strategy == "new segment");
  auto f = parsed(out);
  REQUIRE(f.phdrs.size() == 4);
  const Phdr& load = f.phdrs[1];
  CHECK(load.type == PT_LOAD);
  CHECK(load.offset % 0x1000 == load.vaddr % 0x1000);
  CHECK(f.e_phoff >= load.offset);
  CHECK(f.e_phoff + 4 * f.c.phent() <= load.offset + load.filesz);
  CHECK(summary(out).soname == "libtiny-with-a-longer-name.so.1");
  CHECK(summary(out).needed == std::vector<std::string>{"libextra.so", "libc.so.6"});
  CHECK(rep.new_size - rep.old_size < 0x1000);
}

TEST_CASE("a program without section headers or padding after its first PT_LOAD says why its headers cannot grow") {
  TinyElf t = tiny();
  t.trailing = 8;
  t.interp = "/lib/ld.so";
  auto in = t.need("libc.so.6").build();
  Edits e;
  e.set_rpath = "/a/path/that/needs/a/new/string/table";
  auto out = patch_image(view(in), e, "prog", {}, nullptr);
  REQUIRE_FALSE(out.ok());
  CHECK(out.error().code == ErrorCode::unsupported);
  CHECK(out.error().describe() ==
        "prog: no room for one more program header: the table must stay in the first PT_LOAD (a program), there is "
        "no spare PT_NULL and no padding after the first PT_LOAD (at offset " + hex(t.phoff) + ")");
}

TEST_CASE("a spare PT_NULL becomes the new PT_LOAD, so a program's header table stays where it is") {
  TinyElf t = tiny();
  t.trailing = 8;
  t.interp = "/lib/ld.so";
  t.spare_null = true;
  auto in = t.need("libc.so.6").build();
  INFO(combo(t));
  Edits e;
  e.set_rpath = "/a/path/that/needs/a/new/string/table";
  auto [out, rep] = patched(in, e, "prog");
  CHECK(rep.strategy == "new segment");
  CHECK(rep.plan.find("a spare PT_NULL entry becomes the new PT_LOAD") != std::string::npos);
  auto f = parsed(out);
  CHECK(f.e_phoff == t.phoff);
  CHECK(f.phdrs.size() == 5);
  CHECK(std::none_of(f.phdrs.begin(), f.phdrs.end(), [](const Phdr& p) { return p.type == PT_NULL; }));
  CHECK(f.phdrs[0].type == PT_INTERP);
  CHECK(f.phdrs[2].type == PT_LOAD);
  CHECK(f.phdrs[2].vaddr > f.phdrs[1].vaddr);
  CHECK(summary(out).runpath == *e.set_rpath);
}

TEST_CASE("new dynamic entries use spare DT_NULL slots in place") {
  TinyElf t = tiny();
  t.spare_dynamic = 3;
  auto in = t.need("libc.so.6").build();
  Edits e;
  e.soname = "libc.so.6";  // an existing string: no new bytes either
  e.no_default_lib = true;
  auto [out, rep] = patched(in, e);
  CHECK(rep.strategy == "in place");
  CHECK(out.size() == in.size());
  CHECK(summary(out).soname == "libc.so.6");
  CHECK(summary(out).nodeflib);
}

TEST_CASE("added NEEDED entries come first in the order given and present ones are skipped") {
  TinyElf t = tiny();
  auto in = t.need("libc.so.6").build();
  Edits e;
  e.add_needed = {"liba.so", "libc.so.6", "libb.so", "liba.so"};
  CHECK(summary(patched(in, e).out).needed == std::vector<std::string>{"liba.so", "libb.so", "libc.so.6"});
}

TEST_CASE("the same edits applied twice give the same bytes as applied once") {
  TinyElf t = tiny();
  t.trailing = 8;
  auto in = t.need("libc.so.6").path("$ORIGIN").build();
  Edits e;
  e.set_rpath = "/opt/idempotent/path/long/enough/for/growth";
  e.add_needed = {"libz.so.1"};
  e.replace_needed = {{"libc.so.6", "libc-renamed.so.6"}};
  auto once = patched(in, e).out;
  CHECK(patched(once, e).out == once);
}

TEST_CASE("conflicting edits are refused before the file is read") {
  Edits e;
  e.set_rpath = "/x";
  e.remove_rpath = true;
  auto s = normalize(e);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::usage);
  CHECK(s.error().message == "--remove-rpath cannot be combined with --set-rpath, --add-rpath or --shrink-rpath");
  Edits d;
  d.add_needed = {"liba.so"};
  d.remove_needed = {"liba.so"};
  CHECK(normalize(d).error().message == "liba.so is both added and removed");
  Edits r;
  r.replace_needed = {{"a", "b"}, {"a", "c"}};
  CHECK(normalize(r).error().message == "--replace-needed a is given twice");
}

TEST_CASE("set-interpreter on a file without PT_INTERP is refused and names the file") {
  TinyElf t = tiny();
  auto in = t.need("libc.so.6").build();
  Edits e;
  e.interpreter = "/lib/ld.so";
  auto out = patch_image(view(in), e, "libx.so");
  REQUIRE_FALSE(out.ok());
  CHECK(out.error().describe() == "libx.so: --set-interpreter: the file has no PT_INTERP (it is a shared library or static)");
}

TEST_CASE("a shorter interpreter is written in place and a longer one moves to a new place") {
  TinyElf t = tiny();
  t.interp = "/lib/ld-linux-long-name.so.2";
  auto in = t.need("libc.so.6").build();
  Edits e;
  e.interpreter = "/lib/ld.so";
  auto shorter = patched(in, e, "prog");
  CHECK(shorter.rep.strategy == "in place");
  CHECK(summary(shorter.out).interpreter == "/lib/ld.so");
  e.interpreter = "/opt/a/much/longer/path/to/the/dynamic/loader/ld.so";
  auto longer = patched(in, e, "prog");
  CHECK(longer.rep.strategy == "extend last segment");
  CHECK(summary(longer.out).interpreter == *e.interpreter);
}

TEST_CASE("the fixture program: replace-needed renames the Verneed file and the plan says what happened") {
  auto in = fixture("prog");
  if (in.empty()) return;
  Edits e;
  e.replace_needed = {{"libfoo.so.1", "libfoo-renamed-longer.so.1"}};
  e.set_rpath = "/opt/a/new/and/long/search/path";
  auto [out, rep] = patched(in, e, "prog");
  auto f = parsed(out);
  std::vector<std::string> files;
  for (const auto& v : f.verneeds) files.push_back(*f.find_dynstr(v.file));
  CHECK(std::find(files.begin(), files.end(), "libfoo-renamed-longer.so.1") != files.end());
  CHECK(std::find(files.begin(), files.end(), "libfoo.so.1") == files.end());
  // gcc's default layout pads the first PT_LOAD: the version tables and relocations after .dynstr slide into
  // the padding and the file keeps its size.
  CHECK(rep.plan.rfind("strategy: in place\n", 0) == 0);
  CHECK(rep.plan.find("  replace-needed: libfoo.so.1 -> libfoo-renamed-longer.so.1\n") != std::string::npos);
  CHECK(rep.plan.find("  DT_RUNPATH: [$ORIGIN] -> [/opt/a/new/and/long/search/path]\n") != std::string::npos);
  CHECK(rep.plan.find("  slid .gnu.version .gnu.version_r") != std::string::npos);
  CHECK(rep.new_size == rep.old_size);
}

TEST_CASE("the fixture program: removing a NEEDED its symbols bind to is refused with the symbol named") {
  auto in = fixture("prog");
  if (in.empty()) return;
  Edits e;
  e.remove_needed = {"libfoo.so.1"};
  auto out = patch_image(view(in), e, "prog");
  REQUIRE_FALSE(out.ok());
  CHECK(out.error().code == ErrorCode::usage);
  CHECK(out.error().message.rfind("cannot remove NEEDED libfoo.so.1: 2 dynamic symbol(s) still bind to its version FOO_1.0 (e.g. foo_", 0) == 0);
  e.clear_symbol_version = {"foo_value", "foo_name"};
  out = patch_image(view(in), e, "prog");
  REQUIRE(out.ok());
  CHECK(summary(*out).needed == std::vector<std::string>{"libc.so.6"});
}

TEST_CASE("sliding sections inside their PT_LOAD (the fixture library)") {
  auto in = fixture("libfoo.so.1");
  if (in.empty()) return;
  // The writer works on a copy-on-write image of the file (image.hpp); the parsed view reads that image.
  auto img = Image::copy_of(view(in), "libfoo.so.1");
  REQUIRE(img.ok());
  auto f = read_elf_file_for_patch(img->view(), "libfoo.so.1");
  REQUIRE(f.ok());
  SECTION("sliding the sections after .dynstr frees room in place and moves every pointer to them") {
    const uint64_t end = f->dynstr_offset + f->dynstr_size;
    CHECK(free_after(*f, end) < 8);  // the version table follows .dynstr closely
    std::vector<std::string> steps;
    auto slid = slide_sections(*f, *img, end, 100, steps);
    REQUIRE(slid.ok());
    auto out = std::make_optional(img->to_vector());
    REQUIRE(out->size() == in.size());
    auto g = read_elf_file_for_patch(view(*out), "out");
    REQUIRE(g.ok());
    CHECK(free_after(*g, end) >= 100);
    // Every section after .dynstr in the first PT_LOAD moved by the same delta (104: 100 rounded up to 8), with
    // its bytes; DT_VERSYM / DT_VERNEED / DT_RELA point at the moved copies.
    for (size_t i = 1; i < f->shdrs.size(); ++i) {
      const Shdr &a = f->shdrs[i], &b = g->shdrs[i];
      if (a.offset >= end && a.offset < 0x1000 && (a.flags & 2 /* SHF_ALLOC */)) {
        CHECK(b.offset == a.offset + 104);
        CHECK(b.addr == a.addr + 104);
        CHECK(std::equal(in.begin() + a.offset, in.begin() + a.offset + a.size, out->begin() + b.offset));
      } else {
        CHECK(b.offset == a.offset);
      }
    }
    for (int64_t tag : {DT_VERSYM, DT_VERNEED, DT_RELA})
      if (f->find_dyn(tag)) CHECK(*g->find_dyn(tag) == *f->find_dyn(tag) + 104);
    CHECK(g->find_dyn(DT_STRTAB) == f->find_dyn(DT_STRTAB));
    REQUIRE(steps.size() == 1);
    CHECK(steps[0].rfind("slid .gnu.version", 0) == 0);
  }
  SECTION("sliding refuses to move code: the error names the section and its offset") {
    std::optional<size_t> init;
    for (size_t i = 1; i < f->shdrs.size(); ++i)
      if (f->shdrs[i].name_str == ".init") init = i;
    REQUIRE(init);
    // Room after .init: the next section (.plt or .text) is code.
    const uint64_t pos = f->shdrs[*init].offset + f->shdrs[*init].size;
    std::optional<size_t> next;
    for (size_t i = 1; i < f->shdrs.size(); ++i)
      if (f->shdrs[i].offset >= pos && f->shdrs[i].size && (!next || f->shdrs[i].offset < f->shdrs[*next].offset)) next = i;
    REQUIRE(next);
    std::vector<std::string> steps;
    auto out = slide_sections(*f, *img, pos, 16, steps);
    REQUIRE(!out.ok());
    CHECK(img->to_vector() == in);  // nothing written on failure
    CHECK(out.error().describe() == "libfoo.so.1: cannot slide the sections after " + hex(pos) + ": section " +
                                        f->shdrs[*next].name_str + " at " + hex(f->shdrs[*next].offset) +
                                        " cannot move (code or data may use its address) (at offset " + hex(pos) + ")");
    CHECK(steps.empty());
  }
}
