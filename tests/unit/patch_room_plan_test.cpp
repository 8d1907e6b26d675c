// The room-making decisions alone (layout_plan.hpp decide_slide / decide_evict / decide_phdr_room, and
// plan_layout): each decide_* case crafts an ElfFile in memory (no parsing, no file), asks for room, and checks
// the move decided as data: which bytes go where, which header fields follow, the program header table
// afterwards, and that the bytes the file was "read" from are untouched. plan_layout is checked on a tiny image
// and on the fixture library held in memory: the plan names its moves, and apply() carries out exactly that plan.
#include <catch2/catch.hpp>

#include <elf.h>

#include <cstdlib>

#include "patch/elf_file.hpp"
#include "patch/layout_plan.hpp"
#include "patch/patch.hpp"
#include "patch_test_elf.hpp"
#include "support/file.hpp"

using namespace ferry;
using namespace ferry::patch;

namespace {

// A 64-bit x86_64 library, laid out as GNU ld would: PT_LOAD #0 [0, 0x800) read-only with the program header
// table (0x40..0xe8), .dynstr (0x100..0x200) and .rela.dyn (0x200..0x380), zero padding up to the page; PT_LOAD
// #1 [0x1000, 0x2000) with .dynamic at 0x1000; it ends the file, so it can grow. Section headers are described
// at 0x1c00 (only their values matter: decisions never read them from the bytes).
struct Crafted {
  std::vector<uint8_t> bytes = std::vector<uint8_t>(0x2000, 0);
  ElfFile f;
  Crafted() {
    f.path = "crafted.so";
    f.bytes = ByteView(bytes.data(), bytes.size());
    f.c = Codec{true, Endian::little};
    f.e_type = ET_DYN;
    f.e_machine = EM_X86_64;
    f.e_phoff = 0x40;
    f.e_shoff = 0x1c00;
    f.phdrs = {load(0, 0x800, PF_R), load(0x1000, 0x1000, PF_R | PF_W), segment(PT_DYNAMIC, 0x1000, 0x60)};
    f.e_phnum = 3;
    f.shdrs = {Shdr{}, section(".dynstr", SHT_STRTAB, 0x100, 0x100, 1), section(".rela.dyn", SHT_RELA, 0x200, 0x180, 8),
               section(".dynamic", SHT_DYNAMIC, 0x1000, 0x60, 8)};
    f.shnum = f.shdrs.size();
    f.dyn = {{DT_STRTAB, 0x100}, {DT_STRSZ, 0x100}, {DT_RELA, 0x200}, {DT_RELASZ, 0x180}, {DT_RELAENT, 24}};
    f.has_dynamic = true;
    f.dynamic_phdr = 2;
    f.dynamic_offset = f.dynamic_vaddr = 0x1000;
    f.dynamic_capacity = 6;
    f.has_dynstr = true;
    f.dynstr_offset = f.dynstr_addr = 0x100;
    f.dynstr_size = 0x100;
  }
  static Phdr segment(uint32_t type, uint64_t off, uint64_t size) {
    Phdr p;
    p.type = type;
    p.flags = PF_R;
    p.offset = p.vaddr = p.paddr = off;
    p.filesz = p.memsz = size;
    p.align = 8;
    return p;
  }
  static Phdr load(uint64_t off, uint64_t size, uint32_t flags) {
    Phdr p = segment(PT_LOAD, off, size);
    p.flags = flags;
    p.align = 0x1000;
    return p;
  }
  static Shdr section(const char* name, uint32_t type, uint64_t off, uint64_t size, uint64_t align) {
    Shdr s;
    s.name_str = name;
    s.type = type;
    s.flags = SHF_ALLOC;
    s.offset = s.addr = off;
    s.size = size;
    s.addralign = align;
    return s;
  }
};

// The value a move writes into `size` bytes at `offset`, if it writes there.
std::optional<uint64_t> field(const RoomMove& m, uint64_t offset) {
  std::optional<uint64_t> v;
  for (const auto& w : m.fields)
    if (w.offset == offset) v = w.value;
  return v;
}

constexpr uint64_t kDtRelaVal = 0x1000 + 2 * 16 + 8;  // d_val of the third dynamic entry (DT_RELA)
constexpr uint64_t kRelaShdr = 0x1c00 + 2 * 64;       // .rela.dyn's section header

}  // namespace

TEST_CASE("decide_slide moves the sections after .dynstr into the segment's padding, as data") {
  Crafted c;
  const auto before = c.bytes;
  auto m = decide_slide(c.f, 0x200, 0x1c);
  REQUIRE(m.ok());
  CHECK(m->method == RoomMethod::slide);
  CHECK(m->block.start == 0x200);
  CHECK(m->block.end == 0x800);  // to the end of PT_LOAD #0
  CHECK(m->block.sections == std::vector<size_t>{2});
  CHECK(m->new_offset == 0x220);  // 0x1c rounded up to the block's alignment (8)
  CHECK(m->new_vaddr == 0x220);
  CHECK(m->clear_offset == 0x200);
  CHECK(m->clear_size == 0x20);
  CHECK(m->file_size == 0x2000);  // the file keeps its size
  REQUIRE(m->phdrs.size() == 3);
  CHECK(m->phdrs[0].filesz == 0x820);
  CHECK(m->phdrs[0].memsz == 0x820);
  CHECK(field(*m, kDtRelaVal) == 0x220);                     // DT_RELA follows
  CHECK(field(*m, kRelaShdr + 16) == 0x220);                 // sh_addr
  CHECK(field(*m, kRelaShdr + 24) == 0x220);                 // sh_offset
  CHECK_FALSE(field(*m, 0x1000 + 8));                        // DT_STRTAB: .dynstr stays
  CHECK(m->step.rfind("slid .rela.dyn forward by 32 bytes", 0) == 0);
  CHECK(c.bytes == before);
}

TEST_CASE("decide_slide refuses padding that holds bytes, naming the offset") {
  Crafted c;
  c.bytes[0x810] = 1;
  auto m = decide_slide(c.f, 0x200, 0x1c);
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().describe() == "crafted.so: cannot slide the sections after 0x200: the padding after the segment is "
                                "not zero at 0x810 (at offset 0x200)");
}

TEST_CASE("decide_evict moves .rela.dyn to the end of the PT_LOAD that ends the file, unless that costs more") {
  Crafted c;
  auto costly = decide_evict(c.f, 0x200, 0x40, ".dynstr", 0x100);
  REQUIRE_FALSE(costly.ok());
  CHECK(costly.error().message.find("cost more than moving it") != std::string::npos);

  auto m = decide_evict(c.f, 0x200, 0x40, ".dynstr", 0x1000);
  REQUIRE(m.ok());
  CHECK(m->method == RoomMethod::evict);
  CHECK(m->block.start == 0x200);
  CHECK(m->block.end == 0x380);
  CHECK(m->new_offset == 0x2000);
  CHECK(m->new_vaddr == 0x2000);
  CHECK(m->clear_offset == 0x200);
  CHECK(m->clear_size == 0x180);
  CHECK(m->file_size == 0x2180);
  CHECK(m->phdrs[1].filesz == 0x1180);  // PT_LOAD #1 grows over it
  CHECK(m->phdrs[0].filesz == 0x800);
  CHECK(field(*m, kDtRelaVal) == 0x2000);
  CHECK(field(*m, kRelaShdr + 24) == 0x2000);
}

TEST_CASE("decide_phdr_room keeps the table and moves the sections after it into a new PT_LOAD") {
  Crafted c;
  auto m = decide_phdr_room(c.f, 0x1000);
  REQUIRE(m.ok());
  CHECK(m->method == RoomMethod::new_segment);
  CHECK(m->block.start == 0x100);  // .dynstr: the first section after the table
  CHECK(m->block.end == 0x200);
  CHECK(m->new_offset == 0x2000);
  CHECK(m->new_vaddr == 0x2000);
  CHECK(m->phoff == 0x40);
  REQUIRE(m->phdrs.size() == 4);
  CHECK(m->phdrs[2].type == PT_LOAD);  // after the last PT_LOAD
  CHECK(m->phdrs[2].offset == 0x2000);
  CHECK(m->phdrs[2].filesz == 0x100);
  CHECK(m->phdrs[3].type == PT_DYNAMIC);
  CHECK(field(*m, 0x1000 + 8) == 0x2000);  // DT_STRTAB follows .dynstr
  CHECK(m->step.find("moved .dynstr (256 bytes) into a new PT_LOAD at offset 0x2000") != std::string::npos);
}

TEST_CASE("carry_out writes exactly the decided move into an image of the crafted bytes") {
  Crafted c;
  for (uint64_t o = 0x200; o < 0x380; ++o) c.bytes[o] = static_cast<uint8_t>(o);
  auto m = decide_slide(c.f, 0x200, 0x1c);
  REQUIRE(m.ok());
  auto img = Image::copy_of(c.f.bytes, "crafted.so");
  REQUIRE(img.ok());
  REQUIRE(carry_out(c.f.c, *m, *img).ok());
  auto out = img->to_vector();
  for (uint64_t o = 0x200; o < 0x220; ++o) CHECK(out[o] == 0);
  for (uint64_t o = 0x200; o < 0x380; ++o) CHECK(out[o + 0x20] == static_cast<uint8_t>(o));
  CHECK(c.f.c.get(out.data() + kDtRelaVal, 8) == 0x220);
  CHECK(c.f.c.get(out.data() + 0x40 + 32, 8) == 0x820);  // PT_LOAD #0's p_filesz
}

TEST_CASE("plan_layout needs no model when everything fits, and never writes its input") {
  test::TinyElf t;
  auto in = t.need("libc.so.6").path("$ORIGIN").build();
  const auto copy = in;
  auto f = read_elf_file_for_patch(ByteView(in.data(), in.size()), "tiny");
  REQUIRE(f.ok());
  Edits e;
  e.set_rpath = "/a/search/path/much/longer/than/the/one/the/file/has";
  bool asked = false;
  auto lp = plan_layout(*f, e, PatchOptions{}, Facts{}, [&]() -> Result<Image> {
    asked = true;
    return make_error(ErrorCode::unsupported, "no model here");
  });
  REQUIRE(lp.ok());
  CHECK_FALSE(asked);  // no section headers: nothing can move, so no room is modelled
  CHECK(lp->room.empty());
  CHECK(lp->strategy != Strategy::unchanged);
  CHECK(in == copy);
}

TEST_CASE("plan_layout decides the slide the fixture library needs, and apply() carries out exactly that plan") {
  const char* dir = std::getenv("FERRY_FIXTURES");
  auto read = dir ? read_file(std::string(dir) + "/patch/libfoo.so.1") : Result<std::vector<uint8_t>>(make_error(ErrorCode::io, "unset"));
  if (!read) {
    WARN("FERRY_FIXTURES/patch/libfoo.so.1 not built; skipped");
    return;
  }
  const std::vector<uint8_t> in = *read, copy = *read;
  const ByteView view(in.data(), in.size());
  auto f = read_elf_file_for_patch(view, "libfoo.so.1");
  REQUIRE(f.ok());
  Edits e;
  e.set_rpath = "/a/search/path/much/longer/than/the/one/the/file/has/" + std::string(100, 'q');
  int models = 0;
  auto lp = plan_layout(*f, e, PatchOptions{}, Facts{}, [&] { ++models; return Image::copy_of(view, "model"); });
  REQUIRE(lp.ok());
  CHECK(models == 1);
  REQUIRE(lp->room.size() == 1);
  const RoomMove& m = lp->room[0];
  CHECK(m.method == RoomMethod::slide);
  CHECK(m.what == ".dynstr");
  CHECK(m.block.start == f->dynstr_offset + f->dynstr_size);  // what follows .dynstr moves
  CHECK(m.file_size == in.size());
  CHECK(lp->strategy == Strategy::in_place);
  CHECK(lp->describe().find("room move 1 (slide, for .dynstr): bytes " + hex(m.block.start)) != std::string::npos);
  CHECK(in == copy);  // planning wrote nothing

  auto img = Image::copy_of(view, "libfoo.so.1");
  REQUIRE(img.ok());
  REQUIRE(apply(*f, *lp, *img).ok());
  auto patched = patch_image(view, e, "libfoo.so.1");
  REQUIRE(patched.ok());
  CHECK(img->to_vector() == *patched);
}
