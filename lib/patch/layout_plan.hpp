// The writer's internal pipeline: normalize(edits) -> gather_facts -> plan_layout(file, edits, facts) ->
// apply(file, plan) -> verify. A LayoutPlan is the complete description of the output (the room moves in order,
// then every header, table and where it lives), computed without touching the output, so --dry-run and golden
// tests read the same decisions apply() carries out.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "patch/elf_file.hpp"
#include "patch/image.hpp"
#include "patch/patch.hpp"

namespace ferry::patch {

// Where one relocated structure ends up. A range of the input's address space [old_vaddr, +size) moves to
// new_vaddr/new_offset; sections, symbols and DT_* pointers inside it follow.
struct Move {
  std::string what;
  uint64_t old_vaddr = 0, old_offset = 0, size = 0;
  uint64_t new_vaddr = 0, new_offset = 0;
};

// A block of allocated sections being moved (move_block.cpp): its file range, the address of its start and the
// indices of its sections.
struct SectionBlock {
  uint64_t start = 0, end = 0, old_vaddr = 0;
  std::vector<size_t> sections;
};

// One header or table field a room move rewrites: `size` bytes at file `offset`, in the file's byte order.
struct FieldWrite {
  uint64_t offset = 0;
  int size = 0;
  uint64_t value = 0;
};

// The ways to make room for a structure that does not fit where it is, cheapest first (make_room.cpp, slide.cpp).
enum class RoomMethod { slide, evict, new_segment };
const char* to_string(RoomMethod m);

// One room-making move as data, decided by decide_slide / decide_evict / decide_phdr_room from a parsed file
// alone and carried out by carry_out(): the block's bytes go to new_offset (memmove), [clear_offset,
// +clear_size) is zeroed, then the fields are written and the program header table is rewritten at phoff.
struct RoomMove {
  RoomMethod method = RoomMethod::slide;
  std::string what;  // the structure room is made for (".dynstr", "PT_INTERP", "program headers")
  SectionBlock block;
  uint64_t new_offset = 0, new_vaddr = 0;
  uint64_t clear_offset = 0, clear_size = 0;
  uint64_t file_size = 0;  // the file's size afterwards
  uint64_t phoff = 0;
  std::vector<Phdr> phdrs;          // the whole program header table afterwards (e_phnum follows it)
  std::vector<FieldWrite> fields;   // DT_* pointers, section headers and symbol values that follow the block
  std::string step;                 // in words, for --dry-run
  uint64_t size() const { return block.end - block.start; }
};

// The new .dynstr as changes to the old one, which is never copied: a large library's table is megabytes, and
// a patch that has to make room plans twice. Strings go into bytes of the old table that no reference reads
// (`writes`) or after its end (`tail`); every other byte is the old table's.
struct DynstrEdits {
  uint64_t old_size = 0;
  std::vector<std::pair<uint64_t, std::string>> writes;  // {offset, the string with its NUL}
  std::string tail;                                       // NUL-terminated strings appended at old_size
  uint64_t size() const { return old_size + tail.size(); }
  // The NUL-terminated string at `off` of the new table; `old` holds the old table's bytes.
  std::optional<std::string> string_at(ByteView old, uint64_t off) const;
};

enum class Strategy { unchanged, in_place, extend_last_segment, new_segment };
const char* to_string(Strategy s);

struct LayoutPlan {
  Strategy strategy = Strategy::unchanged;
  std::vector<std::string> steps;  // human-readable decisions, one per line

  // Room made before everything below, in order: the fields below describe the file after these moves.
  std::vector<RoomMove> room;

  // Dynamic section: final entries (without the terminating DT_NULLs) and where they are written.
  std::vector<Dyn> dynamic;
  uint64_t dynamic_offset = 0, dynamic_vaddr = 0, dynamic_capacity = 0;
  bool dynamic_changed = false, dynamic_moved = false;

  // .dynstr: what changes in it, and where the table is.
  DynstrEdits dynstr;
  uint64_t dynstr_offset = 0, dynstr_vaddr = 0;
  bool dynstr_changed = false, dynstr_moved = false;

  // .gnu.version_r rewritten in place (it only shrinks or renames), and .gnu.version entries changed.
  bool verneed_changed = false;
  std::vector<Verneed> verneeds;
  std::vector<std::pair<uint64_t, uint16_t>> versym_writes;  // {symbol index, new value}

  // PT_INTERP contents (with NUL) and where.
  std::optional<std::string> interp;
  uint64_t interp_offset = 0, interp_vaddr = 0;
  bool interp_moved = false;

  // Program headers: final table and where.
  std::vector<Phdr> phdrs;
  uint64_t phoff = 0;
  bool phdrs_changed = false;

  // Section headers: final values of those that changed {index, header}.
  std::vector<std::pair<size_t, Shdr>> section_updates;
  std::vector<Move> moves;  // address-space moves (.symtab/.dynsym values follow them)

  // Fixed-size tables rewritten where they are (--rename-dynamic-symbols: .dynsym, .gnu.version, hash tables,
  // relocation r_info words), written after everything else but the symbol moves.
  struct TableWrite {
    uint64_t offset = 0;
    std::vector<uint8_t> bytes;
    std::string what;
  };
  std::vector<TableWrite> table_writes;
  bool symbols_renamed = false;
  std::vector<std::string> expected_symbol_names;  // per input symbol index
  std::vector<uint64_t> symbol_order;              // output index -> input index; empty: unchanged

  std::optional<uint8_t> os_abi;  // e_ident[EI_OSABI] to write

  uint64_t old_size = 0, new_size = 0;
  DynamicSummary expected;  // what reading the output back must give

  // Bytes .dynstr / PT_INTERP must grow by that did not fit where they are (they go to the new area unless
  // a room move frees bytes after them); set before a needs_room() return.
  uint64_t dynstr_growth = 0, interp_growth = 0;
  // The program header table needs more entries than fit (it has section headers, and is a program or a
  // library whose table should not move): bytes it needs after it, of which table_extra for entries other than
  // a new PT_LOAD. plan_layout() decides the room and plans again.
  uint64_t table_growth = 0;
  uint64_t table_extra = 0;
  bool needs_room() const { return table_growth > 0; }

  std::string describe() const;
};

// The edits resolved against one file, before any layout decision: final dynamic entries with their strings,
// final version tables and symbol version changes.
struct TargetEntry {
  int64_t tag = 0;
  uint64_t val = 0;
  std::optional<std::string> str;  // for string-valued tags
};
// One dynamic symbol to rename: its index in the input's .dynsym and its new name.
struct SymbolRename {
  uint64_t index = 0;
  std::string name;
};
struct TargetState {
  std::vector<TargetEntry> entries;
  std::vector<Verneed> verneeds;            // string offsets still those of the input
  std::vector<std::string> verneed_files;   // desired vn_file strings, parallel to verneeds
  bool verneed_changed = false;
  std::vector<std::pair<uint64_t, uint16_t>> versym_writes;
  std::optional<std::string> interpreter;
  std::optional<bool> exec_stack;
  std::optional<uint8_t> os_abi;  // set when it changes
  std::vector<SymbolRename> renames;
  std::vector<std::string> notes;  // "replace-needed: libfoo.so.1 -> libbar.so.2", for describe()
};
// What planning needs from outside the file, gathered first so that resolve_edits() and plan() read nothing but
// their arguments: for --shrink-rpath, the e_machine of every candidate library (each absolute directory of the
// current search path + "/" + each NEEDED name the output may have) that is a readable ELF file.
struct Facts {
  std::map<std::string, uint16_t> library_machines;
};
Facts gather_facts(const ElfFile& file, const Edits& edits);
Result<TargetState> resolve_edits(const ElfFile& file, const Edits& edits, const Facts& facts = {});

// .dynstr allocation: keeps unchanged strings, reuses existing ones (also shared suffixes), fills bytes no
// reference uses (only when every reference into .dynstr is known), and appends the rest.
struct StringPlan {
  DynstrEdits table;
  std::vector<uint64_t> offsets;  // per request
  uint64_t appended = 0;          // bytes added at the end
  uint64_t rewritten = 0;         // bytes written inside the old table
};
struct StringRequest {
  std::string value;
  std::optional<uint64_t> old_offset;
};
StringPlan allocate_strings(const ElfFile& file, const std::vector<StringRequest>& requests);

Status normalize(const Edits& edits);
// --rename-dynamic-symbols (rename_symbols.cpp): which symbols get which names; then, once the new names have
// .dynstr offsets (name_offsets, parallel to t.renames) and lp.dynstr is final, the rewritten tables; and the
// check of the output.
Status resolve_renames(const ElfFile& file, const Edits& edits, TargetState& t);
Status plan_renames(const ElfFile& file, const TargetState& t, const std::vector<uint64_t>& name_offsets, LayoutPlan& lp);
Status verify_renames(const ElfFile& before, const ElfFile& after, const LayoutPlan& lp);
// One layout for the file as it is. Pure: reads only `file` (a parsed view of bytes in memory) and `facts`
// (gather_facts), never the filesystem. allow_table_move: a shared library's program header table may move into
// the new PT_LOAD (binutils' strip cannot rewrite such a file; the last resort). A plan that needs room first
// says so (needs_room(), dynstr_growth, interp_growth); plan_layout() then decides the room.
Result<LayoutPlan> plan(const ElfFile& file, const Edits& edits, const PatchOptions& opts, const Facts& facts = {},
                        bool allow_table_move = false);

// The planner (plan_layout.cpp): plan(), and while a structure does not fit, the cheapest room move that can be
// done (slide, evict, new segment) and plan() again on the layout it leaves (the parsed file following the
// move, its bytes seen through layout_view.hpp); then the table moved as the last resort. Returns every
// decision as data: the room moves in order, the layout after them, the strategy and the sizes. Pure: reads
// `file` and `facts` only, writes nothing, copies none of the file's bytes.
Result<LayoutPlan> plan_layout(const ElfFile& file, const Edits& edits, const PatchOptions& opts, const Facts& facts);
// The writer: carries out the plan's room moves, then writes its layout into `image`, which holds the bytes
// `file` was read from.
Status apply(const ElfFile& file, const LayoutPlan& plan, Image& image);
// How much of the output verify() compares byte for byte with the input.
struct VerifyScope {
  // The image the output was written from: a section the writer did not touch and that kept its offset was
  // copied by the kernel from the same input range, so only its first and last 4 KiB are compared (they catch a
  // range copied to the wrong place). A section that shares written pages is checked run by run: pages written
  // from memory whole, pages the kernel copied at both ends. And each range the kernel copied
  // (Image::copied_ranges) is compared at its first and last page, the only pages of it that `after` must hold
  // from the new file (Image::map_written maps the rest from the input). nullptr: every section whole.
  const Image* written = nullptr;
  // `before` and `after` are read-only file mappings whose pages may be dropped once compared.
  bool drop_pages = false;
};
// Re-parses `after` and checks layout invariants and that the requested edits read back.
Status verify(const ElfFile& before, ByteView after, const Edits& edits, const LayoutPlan& plan,
              const VerifyScope& scope = {});

// Room-making, decided (pure: reads only the parsed file) and carried out (the only place room moves write).
// decide_phdr_room: a program's header table grows in place by moving the sections after it into a new PT_LOAD
// (make_room.cpp); `bytes`: room to free after the table beyond the entry of that new PT_LOAD itself.
Result<RoomMove> decide_phdr_room(const ElfFile& file, uint64_t page, uint64_t bytes = 0);
// decide_slide (slide.cpp): the sections from file offset `pos` to the end of the PT_LOAD holding it move `bytes`
// (rounded up to their alignment) towards the next PT_LOAD, into the padding the linker left there (GNU ld's
// -z separate-code pads the first segment to a page). Afterwards [pos, pos + bytes) is free, so the structure
// ending at `pos` can grow in place and the file does not grow. Fails (ErrorCode::unsupported) when a section in
// the way cannot move or the padding is too small.
Result<RoomMove> decide_slide(const ElfFile& file, uint64_t pos, uint64_t bytes);
// decide_evict (make_room.cpp): the fewest movable sections from `pos` on that free [pos, pos + bytes) move to
// the end of the PT_LOAD that ends the file (one an earlier stage or an earlier ferry/patchelf run appended), so
// the structure ending at `pos` grows in place for the cost of those sections instead of moving whole; refused
// when they are `max_block` bytes or more.
Result<RoomMove> decide_evict(const ElfFile& file, uint64_t pos, uint64_t bytes, const std::string& purpose,
                              uint64_t max_block);
// Writes one decided move into `image` (which holds the bytes the move was decided on).
Status carry_out(const Codec& c, const RoomMove& move, Image& image);
// Whether every range the move copies, clears or writes lies in a file of `size` bytes (its size afterwards):
// carry_out's check, which the planner's model makes too.
Status move_fits(const Codec& c, const RoomMove& move, uint64_t size);
// decide + carry_out, for callers that make room on an image themselves (append_segment.cpp); the move's words
// are appended to `steps`.
Status make_room_for_phdr(const ElfFile& file, Image& image, uint64_t page, std::vector<std::string>& steps,
                          uint64_t bytes = 0);
Status slide_sections(const ElfFile& file, Image& image, uint64_t pos, uint64_t bytes, std::vector<std::string>& steps);

// The PT_LOAD that ends the file, maps no .bss and is highest in memory: it can grow without a new header.
std::optional<size_t> extendable_last_load(const ElfFile& f);

// Bytes from `offset` on that nothing uses: zero, inside the PT_LOAD that maps `offset - 1`, before any section,
// header table or segment that starts later. 0 for files without section headers (no way to know what is used).
uint64_t free_after(const ElfFile& file, uint64_t offset);

// Whether only the dynamic section, program headers and symbols refer to this section's address, so it may move.
bool is_movable_section(const ElfFile& f, const Shdr& s);
bool is_dt_pointer(int64_t tag);
// A relocation range the loader reads (DT_RELA/RELASZ, ...) that the block would cut in two, named.
std::optional<std::string> splits_dynamic_range(const ElfFile& f, const SectionBlock& b);
// The move's header edits for its block moving by (d_off, d_vaddr): non-PT_LOAD headers wholly in the block (in
// move.phdrs), DT_* pointers, section headers and symbol values (read as they will be after the copy).
void retarget_block(const ElfFile& f, uint64_t d_off, uint64_t d_vaddr, RoomMove& move);
// Writes `ph` at `phoff` and sets e_phnum.
void write_program_headers(const ElfFile& f, Image& out, uint64_t phoff, const std::vector<Phdr>& ph);

// The page size an appended PT_LOAD is aligned to on this machine (EM_*).
uint64_t target_page_size(uint16_t machine);

}  // namespace ferry::patch
