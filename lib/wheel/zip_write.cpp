// Writing the repaired wheel. New and changed members are deflated by libzip, in parallel, into scratch archives
// (one per worker, members balanced by size): libzip 1.7 has no public way to add data deflated elsewhere. The
// output is then assembled by zip_raw.cpp from compressed bytes only: unchanged members straight from the input,
// new ones from the scratch archives, each copied with copy_file_range (no inflate, no deflate, CRC kept).
// (libzip's own raw copy, zip_source_zip of a whole member, was 8x slower than cp on a 256 MB wheel: it moves
// every byte through an 8 KiB user-space buffer.)
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "support/parallel.hpp"
#include "wheel/scratch.hpp"
#include "wheel/wheel_zip.hpp"
#include "wheel/zip_raw.hpp"

namespace ferry::wheel {

namespace {

Error libzip_error(const std::string& path, const std::string& what, zip_t* za) {
  return make_error(ErrorCode::io, what + ": " + zip_strerror(za)).with_path(path);
}

struct Piece {
  size_t entry = 0;   // index in entries
  size_t group = 0;
  uint64_t index = 0; // member index in the scratch archive
};

uint64_t entry_weight(const OutputEntry& e) {
  if (e.source == OutputEntry::Source::bytes) return e.bytes.size();
  struct stat st;
  return ::stat(e.file_path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

}  // namespace

void dos_time_utc(int64_t t, uint16_t& dostime, uint16_t& dosdate) {
  const int64_t min_t = 315532800;   // 1980-01-01T00:00:00Z
  const int64_t max_t = 4354819198;  // 2107-12-31T23:59:58Z
  t = std::clamp(t, min_t, max_t);
  time_t tt = static_cast<time_t>(t);
  struct tm tm;
  gmtime_r(&tt, &tm);
  dostime = static_cast<uint16_t>((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
  dosdate = static_cast<uint16_t>(((tm.tm_year + 1900 - 1980) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
}

Status write_wheel_zip(ZipReader& input, const std::vector<OutputEntry>& entries, const std::string& out_path,
                       const ZipWriteOptions& opts) {
  namespace fs = std::filesystem;
  std::string dir = fs::path(out_path).parent_path().string();
  if (dir.empty()) dir = ".";
  // A killed run's folder is removed by the next run writing here (scratch.hpp).
  FERRY_TRY(scratch, make_scratch_dir(dir, ".ferry-wheel"));
  struct Cleanup {
    std::string d;
    std::vector<zip_t*> open;
    ~Cleanup() {
      for (auto* z : open) zip_discard(z);
      std::error_code ec;
      fs::remove_all(d, ec);
    }
  } cleanup{scratch, {}};

  // 1. Deflate new members in parallel, balanced by size (longest first onto the least loaded worker).
  std::vector<size_t> fresh;
  for (size_t i = 0; i < entries.size(); ++i)
    if (entries[i].source != OutputEntry::Source::copy) fresh.push_back(i);
  unsigned jobs = opts.jobs ? opts.jobs : default_jobs();
  size_t groups = std::max<size_t>(1, std::min<size_t>(jobs, fresh.size()));
  std::vector<uint64_t> weight(entries.size(), 0);
  for (size_t i : fresh) weight[i] = entry_weight(entries[i]);
  std::sort(fresh.begin(), fresh.end(), [&](size_t a, size_t b) { return weight[a] > weight[b]; });
  std::vector<uint64_t> load(groups, 0);
  std::vector<std::vector<size_t>> members_of(groups);
  for (size_t i : fresh) {
    size_t g = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    load[g] += weight[i] + 1;
    members_of[g].push_back(i);
  }
  std::vector<std::optional<Error>> errors(groups);
  std::vector<std::string> piece_path(groups);
  std::vector<std::pair<size_t, uint64_t>> where(entries.size());  // entry -> (group, index in scratch zip)
  parallel_for(groups, [&](size_t g) {
    piece_path[g] = scratch + "/piece-" + std::to_string(g) + ".zip";
    int err = 0;
    zip_t* za = zip_open(piece_path[g].c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    if (!za) {
      errors[g] = make_error(ErrorCode::io, "cannot create a scratch archive").with_path(piece_path[g]);
      return;
    }
    uint64_t k = 0;
    for (size_t i : members_of[g]) {
      const OutputEntry& e = entries[i];
      zip_source_t* src = e.source == OutputEntry::Source::file
                              ? zip_source_file(za, e.file_path.c_str(), 0, -1)
                              : zip_source_buffer(za, e.bytes.data(), e.bytes.size(), 0);
      if (!src) {
        errors[g] = libzip_error(e.source == OutputEntry::Source::file ? e.file_path : e.name, "cannot read", za);
        zip_discard(za);
        return;
      }
      zip_int64_t idx = zip_file_add(za, ("m" + std::to_string(i)).c_str(), src, 0);
      if (idx < 0) {
        zip_source_free(src);
        errors[g] = libzip_error(piece_path[g], "cannot add " + e.name, za);
        zip_discard(za);
        return;
      }
      bool store = opts.level == 0 || S_ISLNK(e.mode);
      // libzip's deflate level: 1..9, and its 0 means Z_BEST_COMPRESSION (9), not zlib's default. Unset is 6,
      // zlib's Z_DEFAULT_COMPRESSION and what auditwheel (Python's zipfile) writes: 9 costs ~3x the CPU.
      zip_set_file_compression(za, static_cast<zip_uint64_t>(idx), store ? ZIP_CM_STORE : ZIP_CM_DEFLATE,
                               store ? 0 : static_cast<zip_uint32_t>(opts.level < 0 ? 6 : opts.level));
      where[i] = {g, k++};
    }
    if (zip_close(za) != 0) {
      errors[g] = libzip_error(piece_path[g], "cannot write the scratch archive", za);
      zip_discard(za);
    }
  }, jobs);
  for (auto& e : errors)
    if (e) return *e;
  // 2. The output, in the order given: every member's compressed bytes are copied (copy_file_range) from the
  //    input or from a scratch archive, behind a header ferry writes (zip_raw.cpp).
  FERRY_TRY(in_raw, read_central_directory(input.path()));
  if (in_raw.size() != input.members().size())
    return make_error(ErrorCode::format, "libzip lists " + std::to_string(input.members().size()) +
                                             " members, the central directory " + std::to_string(in_raw.size()))
        .with_path(input.path());
  struct Fd {
    int fd = -1;
    ~Fd() {
      if (fd >= 0) ::close(fd);
    }
  };
  Fd in_fd{::open(input.path().c_str(), O_RDONLY | O_CLOEXEC)};
  if (in_fd.fd < 0) return make_error(ErrorCode::io, "cannot reopen the input").with_path(input.path());
  std::vector<std::vector<RawMember>> piece_raw(groups);
  std::vector<Fd> piece_fd(groups);
  for (size_t g = 0; g < groups; ++g) {
    if (members_of[g].empty()) continue;
    FERRY_TRY(raw, read_central_directory(piece_path[g]));
    piece_raw[g] = std::move(raw);
    piece_fd[g].fd = ::open(piece_path[g].c_str(), O_RDONLY | O_CLOEXEC);
    if (piece_fd[g].fd < 0) return make_error(ErrorCode::io, "cannot reopen a scratch archive").with_path(piece_path[g]);
  }
  std::vector<RawOutput> outs;
  outs.reserve(entries.size());
  uint16_t epoch_time = 0, epoch_date = 0;
  if (opts.source_date_epoch) dos_time_utc(*opts.source_date_epoch, epoch_time, epoch_date);
  for (size_t i = 0; i < entries.size(); ++i) {
    const OutputEntry& e = entries[i];
    const RawMember* r = nullptr;
    int fd = -1;
    if (e.source == OutputEntry::Source::copy) {
      if (e.input_index >= in_raw.size())
        return make_error(ErrorCode::usage, "no input member #" + std::to_string(e.input_index)).with_path(out_path);
      r = &in_raw[e.input_index];
      fd = in_fd.fd;
    } else {
      auto [g, k] = where[i];
      if (k >= piece_raw[g].size()) return make_error(ErrorCode::verify, "scratch archive lost a member").with_path(out_path);
      r = &piece_raw[g][k];
      fd = piece_fd[g].fd;
    }
    RawOutput o;
    o.name = e.name;
    o.src_fd = fd;
    o.data_offset = r->data_offset;
    o.comp_size = r->comp_size;
    o.size = r->size;
    o.crc = r->crc;
    o.method = r->method;
    o.dostime = opts.source_date_epoch ? epoch_time : r->dostime;
    o.dosdate = opts.source_date_epoch ? epoch_date : r->dosdate;
    o.mode = e.mode;
    outs.push_back(std::move(o));
  }
  std::string tmp_out = scratch + "/out.whl";
  {
    Fd out_fd{::open(tmp_out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (out_fd.fd < 0) return make_error(ErrorCode::io, "cannot create the output archive").with_path(tmp_out);
    FERRY_CHECK(write_raw_zip(out_fd.fd, outs, out_path));
  }

  // 3. Verify: reopen with consistency checks and compare the member list, then rename into place.
  {
    int verr = 0;
    zip_t* check = zip_open(tmp_out.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &verr);
    if (!check) return make_error(ErrorCode::verify, "the written archive does not reopen").with_path(out_path);
    bool same = zip_get_num_entries(check, 0) == static_cast<zip_int64_t>(entries.size());
    for (size_t i = 0; same && i < entries.size(); ++i) {
      const char* n = zip_get_name(check, i, 0);
      same = n && entries[i].name == n;
    }
    zip_discard(check);
    if (!same) return make_error(ErrorCode::verify, "the written archive lists other members than planned")
                   .with_path(out_path);
  }
  ::chmod(tmp_out.c_str(), 0644);
  if (::rename(tmp_out.c_str(), out_path.c_str()) != 0)
    return make_error(ErrorCode::io, std::string("cannot rename into place: ") + std::strerror(errno))
        .with_path(out_path);
  return {};
}

}  // namespace ferry::wheel
