// Writing the repaired wheel, in named steps: the input's directory is read, small new members are deflated in
// memory in parallel (libdeflate), the output is written front to back by zip_raw.cpp (unchanged members copied
// as compressed bytes with copy_file_range; large new members deflated in parallel chunks straight into the
// output), then reopened and checked by ferry's zip reader, and renamed into place. No member passes through
// libzip's writer (ferry used it once): it deflated one member on one thread and copied through an 8 KiB buffer.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "support/file.hpp"
#include "support/parallel.hpp"
#include "support/progress.hpp"
#include "wheel/deflate.hpp"
#include "wheel/scratch.hpp"
#include "wheel/wheel_zip.hpp"
#include "wheel/zip_raw.hpp"

namespace ferry::wheel {

namespace {

namespace fs = std::filesystem;

// A new member's data ready to write: compressed in memory (small) or a file deflated while it is written.
struct Fresh {
  bool in_memory = false;
  std::vector<uint8_t> data;
  uint32_t crc = 0;
  uint64_t size = 0;
  uint16_t method = 0;
  UniqueFd file;
  UniqueFd base;  // OutputEntry::base_path, open while the member is written
  int64_t mtime = 0;
};

bool stored(const OutputEntry& e, int level) { return level == 0 || S_ISLNK(e.mode); }
int libdeflate_level(int level) { return level < 0 ? kDefaultDeflateLevel : level; }

// Opens a file member; one that fits in a chunk is read, CRC'd and deflated here (on a worker thread).
Status prepare_one(const OutputEntry& e, int level, Fresh& f) {
  f.method = stored(e, level) ? 0 : 8;
  std::vector<uint8_t> content;
  const std::vector<uint8_t>* src = &e.bytes;
  if (e.source == OutputEntry::Source::file) {
    f.file = UniqueFd(::open(e.file_path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st;
    if (!f.file || ::fstat(f.file.get(), &st) != 0)
      return make_error(ErrorCode::io, std::string("cannot read: ") + std::strerror(errno)).with_path(e.file_path);
    f.size = static_cast<uint64_t>(st.st_size);
    f.mtime = st.st_mtime;
    if (f.size > kDeflateChunk) {  // deflated in parallel chunks while the output is written
      if (e.base_index && f.method == 8) f.base = UniqueFd(::open(e.base_path.c_str(), O_RDONLY | O_CLOEXEC));
      return {};
    }
    content.resize(f.size);
    for (size_t got = 0; got < content.size();) {
      ssize_t r = ::pread(f.file.get(), content.data() + got, content.size() - got, static_cast<off_t>(got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return make_error(ErrorCode::io, "cannot read").with_path(e.file_path);
      got += static_cast<size_t>(r);
    }
    src = &content;
  } else {
    f.size = e.bytes.size();
    f.mtime = ::time(nullptr);
  }
  f.in_memory = true;
  f.crc = crc32_of(src->data(), src->size());
  if (f.method == 0) {
    f.data = *src;
    return {};
  }
  FERRY_TRY(d, deflate_buffer(src->data(), src->size(), libdeflate_level(level)));
  f.data = std::move(d);
  return {};
}

// Step 1: every new member opened, the small ones compressed, in parallel across members.
Result<std::vector<Fresh>> prepare_new_members(const std::vector<OutputEntry>& entries, int level, unsigned jobs) {
  std::vector<Fresh> fresh(entries.size());
  std::vector<std::optional<Error>> errors(entries.size());
  parallel_for(entries.size(), [&](size_t i) {
    if (entries[i].source == OutputEntry::Source::copy || entries[i].late_bytes) return;
    try {
      if (Status s = prepare_one(entries[i], level, fresh[i]); !s) errors[i] = s.error();
    } catch (const std::exception& ex) {
      errors[i] = make_error(ErrorCode::verify, std::string("preparing a member: ") + ex.what());
    }
  }, jobs);
  for (auto& e : errors)
    if (e) return *e;
  return fresh;
}

// A late entry's bytes, produced now and compressed as prepare_one compresses any generated member.
Status fill_late(const OutputEntry& e, int level, RawOutput& o) {
  FERRY_TRY(bytes, e.late_bytes());
  OutputEntry now;
  now.name = e.name, now.mode = e.mode, now.source = OutputEntry::Source::bytes, now.bytes = std::move(bytes);
  Fresh f;
  FERRY_CHECK(prepare_one(now, level, f));
  o.size = f.size, o.method = f.method, o.crc = f.crc;
  o.comp_size = f.data.size();
  o.bytes = std::move(f.data);
  return {};
}

void dos_time_local(int64_t t, uint16_t& dostime, uint16_t& dosdate) {
  time_t tt = static_cast<time_t>(t);
  struct tm tm;
  localtime_r(&tt, &tm);
  int64_t as_utc = static_cast<int64_t>(timegm(&tm));  // the wall clock, as dos_time_utc formats it
  dos_time_utc(as_utc, dostime, dosdate);
}

// Step 2: what zip_raw writes for each entry, in order.
Result<std::vector<RawOutput>> plan_outputs(const std::vector<OutputEntry>& entries, std::vector<Fresh>& fresh,
                                            const std::vector<RawMember>& in_raw, int in_fd,
                                            const ZipWriteOptions& opts, const std::string& out_path) {
  std::vector<RawOutput> outs(entries.size());
  uint16_t epoch_time = 0, epoch_date = 0;
  if (opts.source_date_epoch) dos_time_utc(*opts.source_date_epoch, epoch_time, epoch_date);
  for (size_t i = 0; i < entries.size(); ++i) {
    const OutputEntry& e = entries[i];
    RawOutput& o = outs[i];
    o.name = e.name;
    o.mode = e.mode;
    if (e.source == OutputEntry::Source::copy) {
      if (e.input_index >= in_raw.size())
        return make_error(ErrorCode::usage, "no input member #" + std::to_string(e.input_index)).with_path(out_path);
      const RawMember& r = in_raw[e.input_index];
      o.src_fd = in_fd, o.data_offset = r.data_offset, o.comp_size = r.comp_size, o.size = r.size;
      o.crc = r.crc, o.method = r.method, o.dostime = r.dostime, o.dosdate = r.dosdate;
    } else if (e.late_bytes) {
      o.data = RawOutput::Data::bytes;
      o.late = [&e, level = opts.level](RawOutput& out) -> Status { return fill_late(e, level, out); };
      dos_time_local(::time(nullptr), o.dostime, o.dosdate);
    } else {
      Fresh& f = fresh[i];
      o.size = f.size, o.method = f.method, o.crc = f.crc;
      if (f.in_memory) {
        o.data = RawOutput::Data::bytes;
        o.comp_size = f.data.size();
        o.bytes = std::move(f.data);
        o.done = e.on_written;
      } else {
        o.data = f.method == 0 ? RawOutput::Data::store_file : RawOutput::Data::deflate_file;
        o.src_fd = f.file.get();
        if (f.base && e.input_index < in_raw.size() && in_raw[e.input_index].method == 8)
          o.reuse = ReuseBase{in_fd, in_raw[e.input_index].data_offset, nullptr, f.base.get(), e.base_index.get(),
                              e.known.get()};
        // The extracted original is scratch that nothing reads once its member is written: emptied then, its
        // dirty pages are dropped instead of written to disk. On the 2 GB bench wheel those 545 MB were what
        // took the dirty page cache past the kernel's throttling point (output 2.27 GB + scratch 1.1 GB against
        // 3.3 GB), and the copies of the members after it then ran at the disk's speed.
        o.done = [path = f.base ? e.base_path : std::string(), written = e.on_written] {
          if (!path.empty()) (void)::truncate(path.c_str(), 0);
          if (written) written();
        };
      }
      dos_time_local(f.mtime, o.dostime, o.dosdate);
    }
    if (opts.source_date_epoch) o.dostime = epoch_time, o.dosdate = epoch_date;
  }
  return outs;
}

// Step 4: the written archive reopens with every check ferry's reader makes (local headers agree with the
// directory, no overlaps) and lists exactly the planned members.
Status verify_written(const std::string& tmp_out, const std::vector<OutputEntry>& entries,
                      const std::string& out_path) {
  auto check = read_central_directory(tmp_out);
  if (!check)
    return make_error(ErrorCode::verify, "the written archive does not reopen: " + check.error().message)
        .with_path(out_path);
  bool same = check->size() == entries.size();
  for (size_t i = 0; same && i < entries.size(); ++i) same = entries[i].name == (*check)[i].name;
  if (!same) return make_error(ErrorCode::verify, "the written archive lists other members than planned").with_path(out_path);
  return {};
}

uint64_t total_size(const std::vector<RawOutput>& outs) {
  uint64_t t = 0;
  for (auto& o : outs) t += o.size;
  return t;
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
  std::string dir = fs::path(out_path).parent_path().string();
  if (dir.empty()) dir = ".";
  // A killed run's folder is removed by the next run writing here (scratch.hpp).
  FERRY_TRY(scratch, make_scratch_dir(dir, ".ferry-wheel"));
  struct Cleanup {
    std::string d;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(d, ec);
    }
  } cleanup{scratch};
  StepClock clock(&opts.on_step);
  unsigned jobs = opts.jobs ? opts.jobs : default_jobs();
  const std::vector<RawMember>& in_raw = input.entries();
  UniqueFd in_fd(::open(input.path().c_str(), O_RDONLY | O_CLOEXEC));
  if (!in_fd) return make_error(ErrorCode::io, "cannot reopen the input").with_path(input.path());
  FERRY_TRY(fresh, prepare_new_members(entries, opts.level, jobs));
  FERRY_TRY(outs, plan_outputs(entries, fresh, in_raw, in_fd.get(), opts, out_path));
  clock.mark("write: new small members deflated");

  // Step 3: the output, front to back, into a temporary file.
  std::string tmp_out = scratch + "/out.whl";
  {
    UniqueFd out_fd(::open(tmp_out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!out_fd) return make_error(ErrorCode::io, "cannot create the output archive").with_path(tmp_out);
    ProgressMeter meter(&opts.progress, "writing", outs.size(), total_size(outs));
    RawWriteOptions ro;
    ro.level = libdeflate_level(opts.level);
    ro.fast_large = opts.level < 0;  // -z given: that level for every member
    ro.jobs = jobs;
    ro.on_bytes = [&](uint64_t n) { meter.add(0, n); };
    ro.on_member = [&] { meter.add(1, 0); };
    FERRY_CHECK(write_raw_zip(out_fd.get(), outs, ro, out_path));
    meter.finish();
  }
  clock.mark("write: the archive, front to back");
  FERRY_CHECK(verify_written(tmp_out, entries, out_path));
  clock.mark("write: reopened and checked");
  ::chmod(tmp_out.c_str(), 0644);
  FERRY_CHECK(move_into_place(tmp_out, out_path));
  clock.mark("write: renamed into place");
  return {};
}

}  // namespace ferry::wheel
