// ferry's ELF writer: the public API that `ferry patch`, patchelf mode, wheel repair and bundle call.
// Pipeline: normalize(edits) -> plan_layout(file, edits) -> apply(file, plan) -> verify(before, after, edits) ->
// atomic_write. Follows docs/elf-rewriting.md: edits that fit are done in
// place, otherwise one appended PT_LOAD aligned to the target page size; version tables kept consistent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/bytes.hpp"
#include "support/result.hpp"

namespace ferry::patch {

// Every edit as a plain field. Fields left at their defaults mean "leave alone"; an Edits{} changes nothing
// and gives byte-identical output.
struct Edits {
  // RPATH / RUNPATH. set_rpath replaces the search path (an empty string sets an empty path); add_rpath appends
  // ':'-separated directories not already present; remove_rpath drops DT_RPATH and DT_RUNPATH; shrink_rpath
  // keeps only directories holding a DT_NEEDED library of the same machine (relative entries such as $ORIGIN
  // are kept), restricted to allowed_rpath_prefixes when that is non-empty.
  std::optional<std::string> set_rpath;
  std::vector<std::string> add_rpath;
  bool remove_rpath = false;
  bool shrink_rpath = false;
  std::vector<std::string> allowed_rpath_prefixes;
  // Write the result as DT_RPATH (patchelf --force-rpath) instead of DT_RUNPATH. Without it the search path
  // is written as DT_RUNPATH (an existing DT_RPATH is converted), exactly like patchelf.
  bool force_rpath = false;

  std::optional<std::string> interpreter;  // PT_INTERP
  std::optional<std::string> soname;       // DT_SONAME (added when missing)

  // DT_NEEDED: applied in this order: replace, remove, add. Renaming a NEEDED renames its Verneed file;
  // removing one drops its Verneed (refused when dynamic symbols still bind to it).
  std::vector<std::pair<std::string, std::string>> replace_needed;  // {old, new}
  std::vector<std::string> remove_needed;
  std::vector<std::string> add_needed;  // appended in the order given, skipped when already present

  // Symbols whose version requirement is cleared (versym set to global); a Vernaux with no user left is dropped.
  std::vector<std::string> clear_symbol_version;

  bool no_default_lib = false;        // set DF_1_NODEFLIB
  std::optional<bool> exec_stack;     // PT_GNU_STACK PF_X on (true) / off (false)
  bool add_debug_tag = false;         // add DT_DEBUG (the loader's r_debug pointer for debuggers) when absent
  std::optional<uint8_t> os_abi;      // e_ident[EI_OSABI]

  // Dynamic symbols renamed {old, new} (patchelf --rename-dynamic-symbols): each new name is a new .dynstr
  // string, and the SysV and GNU hash tables are rebuilt so the loader finds the symbols under their new names.
  // GNU hash chains must hold symbols in bucket order, so the hashed symbols may be reordered; .gnu.version and
  // the symbol indices of dynamic relocations follow.
  std::vector<std::pair<std::string, std::string>> rename_dynamic_symbols;

  // Strings .dynstr must hold afterwards (added when missing), for callers that write version tables themselves
  // (ferry lower's Vernaux names).
  std::vector<std::string> add_strings;

  bool empty() const;
};

struct PatchOptions {
  // Page size for an appended PT_LOAD; 0 = by machine (4 KiB x86, 64 KiB aarch64/ppc64/others).
  uint64_t page_size = 0;
  bool dry_run = false;  // plan and report, write nothing
  bool verify = true;    // re-parse and check the output before it replaces anything
  // Crash durability (the replacement is atomic and verified either way): flush the output before it replaces
  // the target, and with fsync_directory the directory after the rename. `ferry patch` turns both off unless
  // --fsync (patchelf and the linkers do not flush); library callers (repair, bundle) keep flushing the file.
  bool fsync = true;
  bool fsync_directory = false;
  // A file on the output's filesystem holding the input's bytes (a second copy the caller made while it wrote
  // the input: repair extracts a large member twice, on a thread that has the time). It becomes the output and
  // only what the patch changes is written into it, instead of the kernel copying every unchanged page. It must
  // be the input's size (else it is not used); its contents are the caller's promise. Left where it is when the
  // output is not written.
  std::string seed;
};

// What `plan` decided, in words: backs --dry-run and golden tests.
struct PatchReport {
  std::string input;
  std::string output;
  uint64_t old_size = 0;
  uint64_t new_size = 0;
  bool changed = false;     // output bytes differ from the input
  std::string strategy;     // "unchanged", "in place", "extend last segment", "new segment"
  std::string plan;         // LayoutPlan::describe(): one line per decision
  // patch_file, output written: its ranges [from, to) that hold the input's bytes at the same offsets (whole
  // untouched pages; Image::copied_ranges). A zip writer rebuilding the member's deflate stream reuses the
  // original's compressed bits there without comparing the two files.
  std::vector<std::pair<uint64_t, uint64_t>> unchanged;
};

// Rewrites an ELF image in memory; the result is verified (re-parsed, structural invariants, read-back).
Result<std::vector<uint8_t>> patch_image(ByteView in, const Edits& edits, const std::string& path_for_errors,
                                         const PatchOptions& opts = {}, PatchReport* report = nullptr);

// Reads `in`, patches it and writes `out` (which may equal `in`) atomically: temporary file in the target's
// directory, verified, renamed; mode and ownership of an existing target kept. Nothing is written when the
// patched bytes equal the existing target, or with opts.dry_run.
Result<PatchReport> patch_file(const std::string& in, const std::string& out, const Edits& edits,
                               const PatchOptions& opts = {});

// What the --print-* queries show, read the way the loader reads it (through PT_DYNAMIC).
struct DynamicSummary {
  std::optional<std::string> interpreter;
  std::optional<std::string> soname;
  std::vector<std::string> needed;
  std::optional<std::string> rpath;    // DT_RPATH
  std::optional<std::string> runpath;  // DT_RUNPATH
  bool nodeflib = false;
  std::optional<bool> exec_stack;
  uint16_t machine = 0;
  uint8_t os_abi = 0;
  bool debug_tag = false;        // DT_DEBUG present
  bool has_dynamic = false;      // a dynamic section with contents (PT_DYNAMIC, or the .dynamic section)
};

// patchelf's names for e_ident[EI_OSABI] ("System V", "Linux", "FreeBSD", ...; others as 0xNN), and the
// names --set-os-abi accepts (case-insensitive, with patchelf's aliases such as "sysv", "gnu", "hurd").
std::string os_abi_name(uint8_t abi);
std::optional<uint8_t> parse_os_abi(const std::string& name);
Result<DynamicSummary> read_summary(ByteView in, const std::string& path_for_errors);

// A new PT_LOAD of `bytes` zero bytes at the end of the file, for callers that write their own data or code there
// (ferry lower's relocation and hash tables, glue). Its program header entry comes from a spare PT_NULL, unused
// bytes after the table, sliding the sections after the table into their segment's padding, or moving them into
// a PT_LOAD of their own (decide_phdr_room); the table stays where it is. `flags`: PF_R/PF_W/PF_X.
struct AppendedSegment {
  size_t phdr = 0;  // its index in the output's program header table
  uint64_t offset = 0, vaddr = 0, size = 0;
  std::vector<std::string> steps;  // what was moved to make room, in words
};
Result<std::vector<uint8_t>> append_load_segment(ByteView in, const std::string& path_for_errors, uint64_t bytes,
                                                 uint32_t flags, AppendedSegment& segment, uint64_t page_size = 0);

}  // namespace ferry::patch
