// The writer's internal pipeline: normalize(edits) -> plan(file, edits) -> apply(file, plan) -> verify.
// A LayoutPlan is the complete description of the output (every header, table and where it lives), computed
// without touching bytes, so --dry-run and golden tests read the same decisions apply() carries out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "patch/elf_file.hpp"
#include "patch/patch.hpp"

namespace ferry::patch {

// Where one relocated structure ends up. A range of the input's address space [old_vaddr, +size) moves to
// new_vaddr/new_offset; sections, symbols and DT_* pointers inside it follow.
struct Move {
  std::string what;
  uint64_t old_vaddr = 0, old_offset = 0, size = 0;
  uint64_t new_vaddr = 0, new_offset = 0;
};

enum class Strategy { unchanged, in_place, extend_last_segment, new_segment };
const char* to_string(Strategy s);

struct LayoutPlan {
  Strategy strategy = Strategy::unchanged;
  std::vector<std::string> steps;  // human-readable decisions, one per line

  // Dynamic section: final entries (without the terminating DT_NULLs) and where they are written.
  std::vector<Dyn> dynamic;
  uint64_t dynamic_offset = 0, dynamic_vaddr = 0, dynamic_capacity = 0;
  bool dynamic_changed = false, dynamic_moved = false;

  // .dynstr: final bytes and where.
  std::vector<uint8_t> dynstr;
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
  std::vector<std::pair<uint64_t, uint64_t>> copies;  // {from offset, to offset} of moved bytes, sizes in moves

  uint64_t old_size = 0, new_size = 0;
  DynamicSummary expected;
  // A program needs one more program header and has section headers: make_room_for_phdr first, then plan again.
  bool needs_room = false;  // what reading the output back must give

  std::string describe() const;
};

// The edits resolved against one file, before any layout decision: final dynamic entries with their strings,
// final version tables and symbol version changes.
struct TargetEntry {
  int64_t tag = 0;
  uint64_t val = 0;
  std::optional<std::string> str;  // for string-valued tags
};
struct TargetState {
  std::vector<TargetEntry> entries;
  std::vector<Verneed> verneeds;            // string offsets still those of the input
  std::vector<std::string> verneed_files;   // desired vn_file strings, parallel to verneeds
  bool verneed_changed = false;
  std::vector<std::pair<uint64_t, uint16_t>> versym_writes;
  std::optional<std::string> interpreter;
  std::optional<bool> exec_stack;
  std::vector<std::string> notes;  // "replace-needed: libfoo.so.1 -> libbar.so.2", for describe()
};
Result<TargetState> resolve_edits(const ElfFile& file, const Edits& edits);

// .dynstr allocation: keeps unchanged strings, reuses existing ones (also shared suffixes), fills bytes no
// reference uses (only when every reference into .dynstr is known), and appends the rest.
struct StringPlan {
  std::vector<uint8_t> table;
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
// Pure: reads `file` and the filesystem only for --shrink-rpath (it looks for NEEDED libraries in each directory).
// allow_table_move: a shared library's program header table may move into the new PT_LOAD (binutils' strip
// cannot rewrite such a file; used when moving the sections after the table would cost more than a page).
Result<LayoutPlan> plan(const ElfFile& file, const Edits& edits, const PatchOptions& opts, bool allow_table_move = false);
Result<std::vector<uint8_t>> apply(const ElfFile& file, const LayoutPlan& plan);
// Re-parses `after` and checks layout invariants and that the requested edits read back.
Status verify(const ElfFile& before, ByteView after, const Edits& edits, const LayoutPlan& plan);

// Grows a program's header table in place by moving the sections after it into a new PT_LOAD (make_room.cpp).
// Fails (ErrorCode::unsupported) when the sections to move span more than max_block bytes.
Result<std::vector<uint8_t>> make_room_for_phdr(const ElfFile& file, uint64_t page, std::vector<std::string>& steps,
                                                uint64_t max_block = UINT64_MAX);

// The page size an appended PT_LOAD is aligned to on this machine (EM_*).
uint64_t target_page_size(uint16_t machine);

}  // namespace ferry::patch
