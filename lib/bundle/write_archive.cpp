// Deterministic bundle archives through libarchive: entries sorted by path, directories listed explicitly, one
// mtime for everything (the caller's: the CLI passes SOURCE_DATE_EPOCH or 0), owner root/root, no atime/ctime, gzip without a timestamp, so
// the same inputs give byte-identical archives. Duplicate contents are tar hard links (stored once).
// Outputs: a directory, a tarball or a self-extracting installer (docs/bundles.md).
#include <sys/stat.h>
#include <archive.h>
#include <archive_entry.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>

#include "archive/archive.hpp"
#include "bundle/bundle.hpp"
#include "bundle/bundle_internal.hpp"
#include "support/file.hpp"

namespace ferry::bundle {

OutputKind output_kind_for(const std::string& path) {
  auto ends = [&](const char* suffix) {
    size_t n = std::strlen(suffix);
    return path.size() > n && path.compare(path.size() - n, n, suffix) == 0;
  };
  if (ends(".tar.zst") || ends(".tzst")) return OutputKind::tar_zst;
  if (ends(".tar.gz") || ends(".tgz")) return OutputKind::tar_gz;
  if (ends(".sh")) return OutputKind::installer;
  return OutputKind::directory;
}

namespace {

struct ArchiveDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};

la_ssize_t append_to_vector(struct archive*, void* client, const void* buf, size_t n) {
  auto* out = static_cast<std::vector<uint8_t>*>(client);
  const auto* p = static_cast<const uint8_t*>(buf);
  out->insert(out->end(), p, p + n);
  return static_cast<la_ssize_t>(n);
}

Error archive_error(struct archive* a, const std::string& what) {
  return make_error(ErrorCode::io, what + ": " + archive::error_text(a));
}

}  // namespace

Result<std::vector<uint8_t>> build_tar(const BundlePlan& plan, OutputKind kind, unsigned jobs, int64_t mtime) {
  std::unique_ptr<struct archive, ArchiveDeleter> a(archive_write_new());
  if (!a) return make_error(ErrorCode::io, "cannot create an archive writer");
  archive_write_set_format_pax_restricted(a.get());
  if (kind == OutputKind::tar_zst) {
    if (archive_write_add_filter_zstd(a.get()) != ARCHIVE_OK) return archive_error(a.get(), "zstd filter");
    archive_write_set_filter_option(a.get(), "zstd", "compression-level", "3");
    // Multi-threaded zstd gives the same bytes as single-threaded for the same level (zstd's guarantee).
    std::string threads = std::to_string(default_jobs_for_archive());
    (void)jobs;
    archive_write_set_filter_option(a.get(), "zstd", "threads", threads.c_str());
  } else {
    if (archive_write_add_filter_gzip(a.get()) != ARCHIVE_OK) return archive_error(a.get(), "gzip filter");
    archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr);  // no mtime in the gzip header
    archive_write_set_filter_option(a.get(), "gzip", "compression-level", "6");
  }
  archive_write_set_bytes_in_last_block(a.get(), 1);
  std::vector<uint8_t> out;
  if (archive_write_open2(a.get(), &out, nullptr, append_to_vector, nullptr, nullptr) != ARCHIVE_OK)
    return archive_error(a.get(), "cannot open the archive");

  std::unique_ptr<struct archive_entry, EntryDeleter> e(archive_entry_new());
  auto header = [&](const std::string& path, mode_t type, uint32_t perm) {
    archive_entry_clear(e.get());
    archive_entry_set_pathname(e.get(), path.c_str());
    archive_entry_set_filetype(e.get(), type);
    archive_entry_set_perm(e.get(), perm);
    archive_entry_set_mtime(e.get(), mtime, 0);
    archive_entry_set_uid(e.get(), 0);
    archive_entry_set_gid(e.get(), 0);
    archive_entry_set_uname(e.get(), "root");
    archive_entry_set_gname(e.get(), "root");
  };

  for (const auto& item : archive_order(plan)) {
    if (item.directory) {
      header(item.path + "/", AE_IFDIR, 0755);
      if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK) return archive_error(a.get(), item.path);
      continue;
    }
    const BundleFile& f = *item.file;
    if (!f.symlink.empty()) {
      header(f.path, AE_IFLNK, 0777);
      archive_entry_set_symlink(e.get(), f.symlink.c_str());
    } else {
      header(f.path, AE_IFREG, f.mode);
      if (!f.link_to.empty()) {
        archive_entry_set_hardlink(e.get(), f.link_to.c_str());
        archive_entry_set_size(e.get(), 0);
      } else {
        archive_entry_set_size(e.get(), static_cast<la_int64_t>(f.size));
      }
    }
    if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK) return archive_error(a.get(), f.path);
    if (!f.symlink.empty() || !f.link_to.empty()) continue;
    ByteView bytes;
    MappedFile mapped;
    if (f.content) {
      bytes = ByteView(f.content->data(), f.content->size());
    } else {
      auto m = MappedFile::open(f.origin);
      if (!m) return m.error();
      mapped = std::move(m.value());
      bytes = mapped.view();
    }
    if (bytes.size() != f.size)
      return make_error(ErrorCode::io, "changed while the bundle was written (size differs from the plan)")
          .with_path(f.content ? f.path : f.origin);
    uint64_t off = 0;
    while (off < bytes.size()) {
      size_t chunk = static_cast<size_t>(std::min<uint64_t>(bytes.size() - off, 1 << 20));
      la_ssize_t w = archive_write_data(a.get(), bytes.data() + off, chunk);
      if (w < 0) return archive_error(a.get(), f.path);
      off += static_cast<uint64_t>(w);
    }
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) return archive_error(a.get(), "cannot finish the archive");
  return out;
}

Status check_output_is_not_an_input(const BundlePlan& plan, const std::string& out_path) {
  struct stat out;
  if (::stat(out_path.c_str(), &out) != 0) return {};  // nothing there yet: nothing to overwrite
  auto same = [&](const std::string& origin) {
    struct stat in;
    return !origin.empty() && ::stat(origin.c_str(), &in) == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino;
  };
  for (const auto& p : plan.programs)
    if (same(p.origin))
      return make_error(ErrorCode::usage, "the output is the program being bundled (" + p.origin +
                                              "); choose another -o")
          .with_path(out_path);
  for (const auto& f : plan.files)
    if (same(f.origin))
      return make_error(ErrorCode::usage, "the output is a file the bundle copies (" + f.origin + "); choose another -o")
          .with_path(out_path);
  return {};
}

Status write_archive(const BundlePlan& plan, const std::string& path, OutputKind kind, int64_t mtime) {
  if (kind != OutputKind::tar_zst && kind != OutputKind::tar_gz)
    return make_error(ErrorCode::usage, "not an archive name (.tar.zst or .tar.gz)").with_path(path);
  FERRY_CHECK(check_output_is_not_an_input(plan, path));
  FERRY_TRY(bytes, build_tar(plan, kind, 0, mtime));
  AtomicWriteOptions o;
  o.mode = 0644;
  auto st = atomic_write(path, bytes, o);
  if (!st) return st.error().with_path(path);
  return {};
}

}  // namespace ferry::bundle
