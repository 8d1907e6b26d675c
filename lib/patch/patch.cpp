// The writer's entry points: normalize -> plan_layout -> apply -> verify on a byte image, and the same on a file
// with an atomic, verified replacement of the target (support/file.hpp atomic_write_with). A file is never held in
// memory: it is mapped copy-on-write (image.hpp), the output streams from the input file and the changed pages,
// and verification re-reads the written temporary file. An empty edit list returns the input bytes unchanged.
#include "patch/patch.hpp"

#include <elf.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "patch/image.hpp"
#include "patch/layout_plan.hpp"
#include "support/file.hpp"

namespace ferry::patch {

namespace {

// Plans the edits (plan_layout: every decision, nothing written) and writes them into `img`, which holds the
// input's bytes (apply: the one writer); returns the plan carried out. `file`: the input as parsed (from bytes
// equal to the image's, so it is not parsed twice).
Result<LayoutPlan> patch_in_image(Image& img, const ElfFile& file, const Edits& edits, const PatchOptions& opts) {
  const Facts facts = gather_facts(file, edits);  // the only reads outside the file, before any planning
  FERRY_TRY(lp, plan_layout(file, edits, opts, facts));
  if (lp.strategy != Strategy::unchanged || !lp.room.empty()) FERRY_CHECK(apply(file, lp, img));
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
  FERRY_TRY(lp, patch_in_image(img, original, edits, opts));
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
  FERRY_TRY(lp, patch_in_image(img, original, edits, opts));
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
  // its pages dropped as they are compared; the ranges the kernel copied unchanged are read from the new file at
  // their ends and from the input inside (Image::map_written).
  if (check)
    w.verify = [&](const std::string& temp) -> Status {
      FERRY_TRY(written, img.map_written(temp));
      return verify(original, written.view(), edits, lp, VerifyScope{&img, true});
    };
  // Once replaced, the input is let go of at once: its blocks are freed before the output's write-back starts.
  w.release_replaced = [&] {
    img = Image{};
    mapped = MappedFile{};
  };
  bool seeded = false;
  if (!opts.seed.empty()) {
    struct stat st;
    if (::stat(opts.seed.c_str(), &st) == 0 && S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) == mapped.size())
      w.seed = opts.seed, w.seeded = &seeded;
  }
  report.unchanged = img.copied_ranges();
  FERRY_CHECK(atomic_write_with(write_target(in, out), [&](int fd) { return img.write_to(fd, seeded); }, w));
  return report;
}

}  // namespace ferry::patch
