// The room-making decisions alone (layout_plan.hpp decide_slide / decide_evict / decide_phdr_room, and
// plan_layout): each decide_* case crafts an ElfFile in memory (no parsing, no file), asks for room, and checks
// the move decided as data: which bytes go where, which header fields follow, the program header table
// afterwards, and that the bytes the file was "read" from are untouched. plan_layout is checked on a tiny image,
// on a two-move plan for the crafted file (its model: LayoutView, no copy; the second move compared with the one
// decided on the first carried out and read again) and on the fixture library held in memory: the plan names its
// moves, and apply() carries out exactly that plan.
#include <catch2/catch.hpp>

#include <elf.h>

#include <cstdlib>
#include <cstring>
#include <random>

#include "patch/elf_file.hpp"
#include "patch/layout_plan.hpp"
#include "patch/layout_view.hpp"
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
  // Writes the headers and tables described above into `bytes` (ELF header, program header table, section
  // header table, dynamic entries), so the bytes and the parsed view agree, as for a file that was read.
  void encode() {
    const Codec& c = f.c;
    std::memcpy(bytes.data(), ELFMAG, SELFMAG);
    bytes[EI_CLASS] = ELFCLASS64;
    bytes[EI_DATA] = ELFDATA2LSB;
    bytes[EI_VERSION] = EV_CURRENT;
    auto put = [&](elf::Field fld, uint64_t v) { c.put(bytes.data() + fld.at, fld.size, v); };
    put(c.e_type(), f.e_type);
    put(c.e_machine(), f.e_machine);
    put(c.e_phoff(), f.e_phoff);
    put(c.e_shoff(), f.e_shoff);
    put(c.e_phentsize(), c.phent());
    put(c.e_phnum(), f.phdrs.size());
    put(c.e_shentsize(), c.shent());
    put(c.e_shnum(), f.shdrs.size());
    for (size_t i = 0; i < f.phdrs.size(); ++i) c.put_phdr(bytes.data() + f.e_phoff + i * c.phent(), f.phdrs[i]);
    for (size_t i = 0; i < f.shdrs.size(); ++i) c.put_shdr(bytes.data() + f.e_shoff + i * c.shent(), f.shdrs[i]);
    for (size_t i = 0; i < f.dyn.size(); ++i) c.put_dyn(bytes.data() + f.dynamic_offset + i * c.dynent(), f.dyn[i]);
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

TEST_CASE("plan_layout makes no room in a file without section headers, and never writes its input") {
  test::TinyElf t;
  auto in = t.need("libc.so.6").path("$ORIGIN").build();
  const auto copy = in;
  auto f = read_elf_file_for_patch(ByteView(in.data(), in.size()), "tiny");
  REQUIRE(f.ok());
  Edits e;
  e.set_rpath = "/a/search/path/much/longer/than/the/one/the/file/has";
  auto lp = plan_layout(*f, e, PatchOptions{}, Facts{});
  REQUIRE(lp.ok());
  CHECK(lp->room.empty());  // no section headers: nothing can move
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
  auto lp = plan_layout(*f, e, PatchOptions{}, Facts{});
  REQUIRE(lp.ok());
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

TEST_CASE("LayoutView reads a modelled layout through its moves: copied, cleared, grown and written bytes") {
  std::vector<uint8_t> in(0x100);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<uint8_t>(i);
  // Move 1: [0x40, 0x60) slides to 0x50, [0x40, 0x50) cleared, one byte written at 0x10.
  ModelLayer slide{0x40, 0x50, 0x20, 0x40, 0x10, 0x100, {{0x10, 0xaa}}};
  // Move 2: [0x50, 0x70) (the slid block) goes to 0x180 in a grown file, its old place cleared.
  ModelLayer evict{0x50, 0x180, 0x20, 0x50, 0x20, 0x1a0, {}};
  const LayoutView v(ByteView(in.data(), in.size()), {slide, evict});
  CHECK(v.size() == 0x1a0);
  CHECK(v.at(0x10) == 0xaa);
  CHECK(v.at(0x11) == 0x11);
  CHECK(v.at(0x45) == 0);              // cleared by move 1
  CHECK(v.at(0x55) == 0);              // cleared by move 2
  CHECK(v.at(0x180) == 0x40);          // the block's first byte, moved twice
  CHECK(v.at(0x19f) == 0x5f);
  CHECK(v.at(0x150) == 0);             // grown, never written
  auto run = v.find_sub(0x180, 0x20);  // one input range: no copy
  REQUIRE(run);
  CHECK(run->data() == in.data() + 0x40);
  auto mixed = v.find_sub(0x8, 0x10);  // crosses a written byte: assembled
  REQUIRE(mixed);
  CHECK(mixed->data() != in.data() + 0x8);
  CHECK(mixed->data()[0x8] == 0xaa);
  CHECK(mixed->data()[0x9] == 0x11);
  CHECK_FALSE(v.find_sub(0x190, 0x20));
}

TEST_CASE("first_nonzero finds what a byte-by-byte scan of the modelled layout finds, across chunks and moves") {
  // Mostly zero input (padding-like runs) with sparse non-zero bytes, so the answers fall in every kind of chunk:
  // one input range, a cleared or grown range, one straddling a move's edges or a written field.
  std::mt19937_64 rng(1205);
  for (int round = 0; round < 200; ++round) {
    std::vector<uint8_t> in(20000 + rng() % 20000, 0);
    for (int k = 0; k < 6; ++k) in[rng() % in.size()] = static_cast<uint8_t>(1 + rng() % 255);
    std::vector<ModelLayer> layers;
    uint64_t size = in.size();
    for (int l = 0, n = static_cast<int>(rng() % 4); l < n; ++l) {
      ModelLayer m;
      m.size = 1 + rng() % 9000;
      m.src = rng() % (size - std::min<uint64_t>(size - 1, m.size));
      m.size = std::min<uint64_t>(m.size, size - m.src);
      m.file_size = size + (rng() % 2 ? rng() % 10000 : 0);
      m.dst = rng() % (m.file_size - m.size + 1);
      m.clear_offset = rng() % m.file_size;
      m.clear_size = rng() % std::min<uint64_t>(5000, m.file_size - m.clear_offset + 1);
      if (rng() % 2) m.written[rng() % m.file_size] = static_cast<uint8_t>(1 + rng() % 255);
      layers.push_back(m);
      size = m.file_size;
    }
    const LayoutView v(ByteView(in.data(), in.size()), layers);
    for (int q = 0; q < 20; ++q) {
      const uint64_t off = rng() % (v.size() + 1);
      const uint64_t len = rng() % 3 ? rng() % 12000 : rng() % 64;
      uint64_t want = off + len;
      for (uint64_t o = off; o < off + len; ++o)
        if (v.at(o) != 0) {
          want = o;
          break;
        }
      INFO("round " << round << ", [" << off << ", +" << len << ") over " << layers.size() << " moves");
      REQUIRE(v.first_nonzero(off, len) == want);
    }
    // Without moves, ElfFile reads the input itself.
    const uint64_t off = rng() % in.size(), len = rng() % 30000;
    uint64_t want = off + len;
    for (uint64_t o = off; o < std::min<uint64_t>(off + len, in.size()); ++o)
      if (in[o] != 0) {
        want = o;
        break;
      }
    REQUIRE(off + first_nonzero_byte(in.data(), in.size(), off, len) == want);
  }
}

TEST_CASE("plan_layout decides a multi-move plan on an in-memory file, modelled without a copy, and writes nothing") {
  Crafted c;
  // Room for a longer .dynstr and for the program header table (one more entry: PT_GNU_STACK): each slides
  // the sections after it into PT_LOAD #0's padding, the second on the layout the first leaves. .dynamic has
  // room for the new entry.
  c.f.phdrs[2].filesz = c.f.phdrs[2].memsz = 0x100;
  c.f.shdrs[3].size = 0x100;
  c.f.dynamic_capacity = 0x10;
  c.encode();
  const std::vector<uint8_t> before = c.bytes;
  Edits e;
  e.set_rpath = std::string(0x140, 'r');  // longer than all of .dynstr: it must grow
  e.exec_stack = false;
  auto lp = plan_layout(c.f, e, PatchOptions{}, Facts{});
  REQUIRE(lp.ok());
  REQUIRE(lp->room.size() == 2);
  CHECK(lp->room[0].what == ".dynstr");
  CHECK(lp->room[0].method == RoomMethod::slide);
  CHECK(lp->room[0].block.start == 0x200);  // .rela.dyn makes way for .dynstr
  CHECK(lp->room[1].what == "program headers");
  CHECK(lp->room[1].method == RoomMethod::slide);
  CHECK(lp->room[1].block.start == 0xe8);  // then .dynstr and .rela.dyn, where the first move left them
  CHECK(lp->room[1].block.end == 0x948);
  CHECK(lp->strategy == Strategy::in_place);
  CHECK(c.bytes == before);  // planning wrote nothing: the input is as it was

  // The oracle: the second move decided the old way, on a copy with the first carried out and read again.
  auto img = Image::copy_of(ByteView(before.data(), before.size()), "crafted.so");
  REQUIRE(img.ok());
  REQUIRE(carry_out(c.f.c, lp->room[0], *img).ok());
  auto again = read_elf_file_for_patch(img->view(), "crafted.so");
  REQUIRE(again.ok());
  const RoomMove& m = lp->room[1];
  auto old_way = decide_slide(*again, m.block.start, m.clear_size);
  REQUIRE(old_way.ok());
  CHECK(old_way->block.start == m.block.start);
  CHECK(old_way->block.end == m.block.end);
  CHECK(old_way->new_offset == m.new_offset);
  REQUIRE(old_way->phdrs.size() == m.phdrs.size());
  for (size_t i = 0; i < m.phdrs.size(); ++i) {
    CHECK(old_way->phdrs[i].type == m.phdrs[i].type);
    CHECK(old_way->phdrs[i].offset == m.phdrs[i].offset);
    CHECK(old_way->phdrs[i].vaddr == m.phdrs[i].vaddr);
    CHECK(old_way->phdrs[i].filesz == m.phdrs[i].filesz);
  }
  REQUIRE(old_way->fields.size() == m.fields.size());
  for (size_t i = 0; i < m.fields.size(); ++i) {
    CHECK(old_way->fields[i].offset == m.fields[i].offset);
    CHECK(old_way->fields[i].value == m.fields[i].value);
  }
}
