// The writer's entry points: normalize -> plan -> apply -> verify on a byte image, and the same on a file with
// an atomic, verified replacement of the target (support/file.hpp atomic_write). An empty edit list returns
// the input bytes unchanged.
#include "patch/patch.hpp"

#include <elf.h>

#include <algorithm>
#include <filesystem>

#include "patch/layout_plan.hpp"
#include "support/file.hpp"

namespace ferry::patch {

namespace {

enum class Method { slide, evict, new_segment };

// What a plan could not fit where it is: the end of the structure that would otherwise move whole (or, for the
// program header table, move at all), by how many bytes it grows, and the ways to make room, cheapest first.
struct RoomWish {
  std::string what;
  uint64_t pos = 0, bytes = 0;
  uint64_t size = 0;  // its current size: moving other sections instead must cost less
  std::vector<Method> methods;
};
std::vector<RoomWish> room_wanted(const ElfFile& f, const LayoutPlan& lp) {
  std::vector<RoomWish> w;
  if (lp.dynstr_growth)
    w.push_back({".dynstr", f.dynstr_offset + f.dynstr_size, lp.dynstr_growth, f.dynstr_size, {Method::slide, Method::evict}});
  if (lp.interp_growth && f.interp_phdr) {
    const Phdr& p = f.phdrs[*f.interp_phdr];
    w.push_back({"PT_INTERP", p.offset + p.filesz, lp.interp_growth, p.filesz, {Method::slide, Method::evict}});
  }
  if (lp.needs_room())
    w.push_back({"program headers", f.e_phoff + f.phdrs.size() * f.c.phent(),
                 std::max<uint64_t>(lp.table_growth, f.c.phent()), 0, {Method::slide, Method::new_segment}});
  return w;
}

Result<std::vector<uint8_t>> make_room(const ElfFile& f, const RoomWish& w, Method m, uint64_t page,
                                       const LayoutPlan& lp, std::vector<std::string>& steps) {
  switch (m) {
    case Method::slide: return slide_sections(f, w.pos, w.bytes, steps);
    case Method::evict: return evict_sections(f, w.pos, w.bytes, w.what, steps, w.size);
    case Method::new_segment: return make_room_for_phdr(f, page, steps, lp.table_extra);
  }
  return f.error("internal: unknown way to make room", std::nullopt, ErrorCode::verify);
}

}  // namespace

Result<std::vector<uint8_t>> patch_image(ByteView in, const Edits& edits, const std::string& path,
                                         const PatchOptions& opts, PatchReport* report) {
  if (auto s = normalize(edits); !s) return s.error().with_path(path);
  FERRY_TRY(original, read_elf_file_for_patch(in, path));
  const uint64_t page = opts.page_size ? opts.page_size : target_page_size(original.e_machine);
  // Normalize the layout until the plan fits, cheapest room first, each (structure, method) tried once per image:
  //  1. slide the sections after it into the padding at the end of its segment (slide.cpp): the file keeps
  //     its size;
  //  2. .dynstr / PT_INTERP: move the fewest sections after it to the end of a PT_LOAD that ends the file
  //     (make_room.cpp evict_sections), cheaper than copying a large .dynstr;
  //  3. the program header table: move the sections after it into a new PT_LOAD (make_room_for_phdr); the
  //     table stays right after the ELF header, where kernels (AT_PHDR) and binutils' strip expect it.
  // Whatever still does not fit is placed by plan() in the new area (copied whole).
  std::vector<std::string> pre_steps;
  std::vector<uint8_t> staged;
  ElfFile file = original;
  bool added_segment = false;
  FERRY_TRY(lp, plan(file, edits, opts));
  std::vector<std::pair<std::string, Method>> tried;
  // A method that failed may work after another one changed the image (evicting into the PT_LOAD the
  // table's room created), so failures are forgotten after each success; the rounds are bounded.
  for (int round = 0, progress = 1; progress && round < 8; ++round) {
    progress = 0;
    for (const auto& wish : room_wanted(file, lp)) {
      for (Method method : wish.methods) {
        if (std::find(tried.begin(), tried.end(), std::pair(wish.what, method)) != tried.end()) continue;
        tried.emplace_back(wish.what, method);
        auto moved = make_room(file, wish, method, page, lp, pre_steps);
        if (!moved) {
          // A program cannot go on without room for its table (plan() has no other place for it).
          if (method == Method::new_segment && !file.shdrs.empty() && file.runs_as_program())
            return moved.error();
          continue;
        }
        if (method == Method::new_segment) added_segment = true;
        staged = std::move(*moved);
        FERRY_TRY(again, read_elf_file_for_patch(ByteView(staged.data(), staged.size()), path));
        file = std::move(again);
        FERRY_TRY(replanned, plan(file, edits, opts));
        lp = std::move(replanned);
        progress = 1;
        tried.clear();
        break;
      }
      if (progress) break;
    }
  }
  if (lp.needs_room()) {
    // A shared library whose table could not get room after it: the table moves into the new segment. The
    // loader finds it there, but binutils' strip cannot rewrite such a file (it assumes the table follows the
    // ELF header), so this is the last resort.
    FERRY_TRY(lp_moved, plan(file, edits, opts, true));
    lp = std::move(lp_moved);
  }
  lp.steps.insert(lp.steps.begin(), pre_steps.begin(), pre_steps.end());
  lp.old_size = in.size();
  lp.new_size = std::max<uint64_t>(lp.new_size, file.bytes.size());
  if (added_segment) lp.strategy = Strategy::new_segment;
  else if (file.bytes.size() != in.size() && lp.strategy != Strategy::new_segment) lp.strategy = Strategy::extend_last_segment;
  std::vector<uint8_t> out;
  if (lp.strategy == Strategy::unchanged) {
    out.assign(file.bytes.data(), file.bytes.data() + file.bytes.size());
  } else {
    FERRY_TRY(bytes, apply(file, lp, std::move(staged)));
    out = std::move(bytes);
    if (opts.verify) FERRY_CHECK(verify(original, ByteView(out.data(), out.size()), edits, lp));
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
