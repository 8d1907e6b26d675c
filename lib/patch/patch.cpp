// The writer's entry points: normalize -> plan -> apply -> verify on a byte image, and the same on a file with
// an atomic, verified replacement of the target (support/file.hpp atomic_write_with). A file is never held in
// memory: it is mapped copy-on-write (image.hpp), the output streams from the input file and the changed pages,
// and verification re-reads the written temporary file. An empty edit list returns the input bytes unchanged.
#include "patch/patch.hpp"

#include <elf.h>

#include <algorithm>
#include <filesystem>

#include "patch/image.hpp"
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

Status make_room(const ElfFile& f, Image& img, const RoomWish& w, Method m, uint64_t page, const LayoutPlan& lp,
                 std::vector<std::string>& steps) {
  switch (m) {
    case Method::slide: return slide_sections(f, img, w.pos, w.bytes, steps);
    case Method::evict: return evict_sections(f, img, w.pos, w.bytes, w.what, steps, w.size);
    case Method::new_segment: return make_room_for_phdr(f, img, page, steps, lp.table_extra);
  }
  return f.error("internal: unknown way to make room", std::nullopt, ErrorCode::verify);
}

// The image after making room, read again, and the plan that fits it.
struct Staged {
  ElfFile file;
  LayoutPlan plan;
  std::vector<std::string> room_steps;
  bool added_segment = false;
};

// One round: the first (structure, method) not tried yet that succeeds, or false when none does. A program
// that cannot get room for its header table is an error (plan() has no other place for it).
Result<bool> make_room_once(Staged& s, Image& img, std::vector<std::pair<std::string, Method>>& tried, uint64_t page) {
  for (const auto& wish : room_wanted(s.file, s.plan)) {
    for (Method method : wish.methods) {
      if (std::find(tried.begin(), tried.end(), std::pair(wish.what, method)) != tried.end()) continue;
      tried.emplace_back(wish.what, method);
      auto made = make_room(s.file, img, wish, method, page, s.plan, s.room_steps);
      if (!made) {
        if (method == Method::new_segment && !s.file.shdrs.empty() && s.file.runs_as_program()) return made.error();
        continue;
      }
      if (method == Method::new_segment) s.added_segment = true;
      return true;
    }
  }
  return false;
}

// Normalizes the layout until the plan fits, cheapest room first, each (structure, method) tried once per image:
//  1. slide the sections after it into the padding at the end of its segment (slide.cpp): the file keeps its size;
//  2. .dynstr / PT_INTERP: move the fewest sections after it to the end of a PT_LOAD that ends the file
//     (make_room.cpp evict_sections), cheaper than copying a large .dynstr;
//  3. the program header table: move the sections after it into a new PT_LOAD (make_room_for_phdr); the table
//     stays right after the ELF header, where kernels (AT_PHDR) and binutils' strip expect it.
// Whatever still does not fit is placed by plan() in the new area (copied whole). A method that failed may work
// after another one changed the image (evicting into the PT_LOAD the table's room created), so failures are
// forgotten after each success; the rounds are bounded.
Result<Staged> plan_with_room(Image& img, const Edits& edits, const PatchOptions& opts, const std::string& path) {
  FERRY_TRY(file, read_elf_file_for_patch(img.view(), path));
  const uint64_t page = opts.page_size ? opts.page_size : target_page_size(file.e_machine);
  const Facts facts = gather_facts(file, edits);  // the only reads outside the file, before any planning
  FERRY_TRY(first, plan(file, edits, opts, facts));
  Staged s{std::move(file), std::move(first), {}, false};
  std::vector<std::pair<std::string, Method>> tried;
  for (int round = 0; round < 8; ++round) {
    FERRY_TRY(progress, make_room_once(s, img, tried, page));
    if (!progress) break;
    FERRY_TRY(again, read_elf_file_for_patch(img.view(), path));
    s.file = std::move(again);
    FERRY_TRY(replanned, plan(s.file, edits, opts, facts));
    s.plan = std::move(replanned);
    tried.clear();
  }
  if (s.plan.needs_room()) {
    // A shared library whose table could not get room after it: the table moves into the new segment. The
    // loader finds it there, but binutils' strip cannot rewrite such a file (it assumes the table follows the
    // ELF header), so this is the last resort.
    FERRY_TRY(moved, plan(s.file, edits, opts, facts, true));
    s.plan = std::move(moved);
  }
  return s;
}

// The strategy the whole run used: room made by a new segment, or by growing the file to `staged_size`
// before planning, counts too.
Strategy final_strategy(Strategy planned, bool added_segment, uint64_t staged_size, uint64_t input_size) {
  if (added_segment) return Strategy::new_segment;
  if (staged_size != input_size && planned != Strategy::new_segment) return Strategy::extend_last_segment;
  return planned;
}

// Plans and writes the edits into `img` (which holds the input's bytes); returns the plan carried out.
Result<LayoutPlan> patch_in_image(Image& img, const Edits& edits, const std::string& path, const PatchOptions& opts) {
  const uint64_t input_size = img.size();
  FERRY_TRY(s, plan_with_room(img, edits, opts, path));
  LayoutPlan lp = std::move(s.plan);
  lp.steps.insert(lp.steps.begin(), s.room_steps.begin(), s.room_steps.end());
  lp.old_size = input_size;
  lp.new_size = std::max<uint64_t>(lp.new_size, s.file.bytes.size());
  lp.strategy = final_strategy(lp.strategy, s.added_segment, s.file.bytes.size(), input_size);
  if (lp.strategy != Strategy::unchanged) FERRY_CHECK(apply(s.file, lp, img));
  return lp;
}

void fill_report(PatchReport* report, const std::string& path, uint64_t old_size, uint64_t new_size, bool changed,
                 const LayoutPlan& lp) {
  if (!report) return;
  report->input = path;
  report->old_size = old_size;
  report->new_size = new_size;
  report->changed = changed;
  report->strategy = to_string(lp.strategy);
  report->plan = lp.describe();
}

// In place through a symlink (libfoo.so -> libfoo.so.1): replace the file it points to, keep the link.
std::string write_target(const std::string& in, const std::string& out) {
  std::error_code ec;
  if (out == in && std::filesystem::is_symlink(out, ec)) {
    auto real = std::filesystem::canonical(out, ec);
    if (!ec) return real.string();
  }
  return out;
}

}  // namespace

Result<std::vector<uint8_t>> patch_image(ByteView in, const Edits& edits, const std::string& path,
                                         const PatchOptions& opts, PatchReport* report) {
  if (auto s = normalize(edits); !s) return s.error().with_path(path);
  FERRY_TRY(original, read_elf_file_for_patch(in, path));
  FERRY_TRY(img, Image::copy_of(in, path));
  FERRY_TRY(lp, patch_in_image(img, edits, path, opts));
  if (lp.strategy != Strategy::unchanged && opts.verify) FERRY_CHECK(verify(original, img.view(), edits, lp));
  FERRY_TRY(changed, img.changed());
  fill_report(report, path, in.size(), img.size(), changed, lp);
  if (!changed) return std::vector<uint8_t>(in.data(), in.data() + in.size());
  return img.to_vector();
}

Result<PatchReport> patch_file(const std::string& in, const std::string& out, const Edits& edits,
                               const PatchOptions& opts) {
  // Two views of the input: `mapped` stays as it is (the reference verification compares against), `img` is
  // the copy-on-write output. Only the pages either one reads or writes are resident.
  FERRY_TRY(mapped, MappedFile::open(in));
  if (auto s = normalize(edits); !s) return s.error().with_path(in);
  FERRY_TRY(original, read_elf_file_for_patch(mapped.view(), in));
  FERRY_TRY(img, Image::open(in));
  FERRY_TRY(lp, patch_in_image(img, edits, in, opts));
  const bool check = lp.strategy != Strategy::unchanged && opts.verify;
  FERRY_TRY(changed, img.changed());
  PatchReport report;
  fill_report(&report, in, mapped.size(), img.size(), changed, lp);
  report.output = out;
  if (opts.dry_run) {
    if (check) FERRY_CHECK(verify(original, img.view(), edits, lp));
    return report;
  }
  if (!changed && out == in) return report;
  AtomicWriteOptions w;
  w.mode = 0755;
  w.fsync = opts.fsync;
  w.fsync_directory = opts.fsync_directory;
  // What reaches the disk is verified: the temporary file is mapped and checked before it replaces anything,
  // its pages dropped as they are compared; the ranges the kernel copied unchanged are checked at their ends.
  if (check)
    w.verify = [&](const std::string& temp) -> Status {
      FERRY_TRY(written, MappedFile::open(temp));
      return verify(original, written.view(), edits, lp, VerifyScope{&img, true});
    };
  FERRY_CHECK(atomic_write_with(write_target(in, out), [&](int fd) { return img.write_to(fd); }, w));
  return report;
}

}  // namespace ferry::patch
