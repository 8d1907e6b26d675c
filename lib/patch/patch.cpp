// The writer's entry points: normalize -> plan -> apply -> verify on a byte image, and the same on a file with
// an atomic, verified replacement of the target (support/file.hpp atomic_write). An empty edit list returns
// the input bytes unchanged.
#include "patch/patch.hpp"

#include <elf.h>

#include <filesystem>

#include "patch/layout_plan.hpp"
#include "support/file.hpp"

namespace ferry::patch {

Result<std::vector<uint8_t>> patch_image(ByteView in, const Edits& edits, const std::string& path,
                                         const PatchOptions& opts, PatchReport* report) {
  if (auto s = normalize(edits); !s) return s.error().with_path(path);
  FERRY_TRY(file, read_elf_file_for_patch(in, path));
  FERRY_TRY(lp, plan(file, edits, opts));
  std::vector<uint8_t> out;
  std::vector<std::string> steps;
  uint64_t page = opts.page_size ? opts.page_size : target_page_size(file.e_machine);
  std::optional<Result<std::vector<uint8_t>>> room;
  if (lp.needs_room) {
    // A program must keep its table in the first PT_LOAD whatever it costs; a library only while the
    // sections to move fit in a page, beyond that its table moves into the new segment instead.
    bool program = file.has_interp() || file.e_type == ET_EXEC;
    room = make_room_for_phdr(file, page, steps, program ? UINT64_MAX : page);
    if (!*room && !program) {
      FERRY_TRY(lp_moved, plan(file, edits, opts, true));
      lp = std::move(lp_moved);
      room.reset();
    } else if (!*room) {
      return room->error();
    }
  }
  if (room) {
    // Stage 1 grew the program header table (a new PT_LOAD holds the sections moved out of its way);
    // stage 2 plans the edits on that image, extending the new segment.
    auto& staged = room->value();
    FERRY_TRY(file2, read_elf_file_for_patch(ByteView(staged.data(), staged.size()), path));
    FERRY_TRY(lp2, plan(file2, edits, opts));
    if (lp2.needs_room) return file.error("internal: no room for the program header table after moving sections", std::nullopt, ErrorCode::verify);
    lp2.steps.insert(lp2.steps.begin(), steps.begin(), steps.end());
    lp2.strategy = Strategy::new_segment;
    lp2.old_size = in.size();
    if (lp2.new_size < staged.size()) lp2.new_size = staged.size();
    FERRY_TRY(bytes, apply(file2, lp2));
    out = std::move(bytes);
    if (opts.verify) FERRY_CHECK(verify(file, ByteView(out.data(), out.size()), edits, lp2));
    lp = std::move(lp2);
  } else if (lp.strategy == Strategy::unchanged) {
    out.assign(in.data(), in.data() + in.size());
  } else {
    FERRY_TRY(bytes, apply(file, lp));
    out = std::move(bytes);
    if (opts.verify) FERRY_CHECK(verify(file, ByteView(out.data(), out.size()), edits, lp));
  }
  if (report) {
    report->input = path;
    report->old_size = in.size();
    report->new_size = out.size();
    report->changed = out.size() != in.size() || !std::equal(out.begin(), out.end(), in.data());
    report->strategy = to_string(lp.strategy);
    report->plan = lp.describe();
  }
  return out;
}

Result<PatchReport> patch_file(const std::string& in, const std::string& out, const Edits& edits,
                               const PatchOptions& opts) {
  FERRY_TRY(mapped, MappedFile::open(in));
  PatchReport report;
  FERRY_TRY(bytes, patch_image(mapped.view(), edits, in, opts, &report));
  report.output = out;
  if (opts.dry_run) return report;
  if (!report.changed && out == in) return report;
  // In place through a symlink (libfoo.so -> libfoo.so.1): replace the file it points to, keep the link.
  std::string target = out;
  std::error_code ec;
  if (out == in && std::filesystem::is_symlink(out, ec)) {
    auto real = std::filesystem::canonical(out, ec);
    if (!ec) target = real.string();
  }
  AtomicWriteOptions w;
  w.mode = 0755;
  // The bytes were verified in memory (patch_image); what reaches the disk is checked by atomic_write's
  // write/fsync results, so the temporary file is not read back.
  FERRY_CHECK(atomic_write(target, bytes, w));
  return report;
}

}  // namespace ferry::patch
