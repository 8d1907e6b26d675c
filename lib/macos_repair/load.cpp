// load_wheel: opens a macOS wheel, checks its members and RECORD (every member inflated once by libdeflate and
// hashed, nothing extracted: the disk is the slow part) and parses every Mach-O member from memory.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "macho/codesign.hpp"
#include "macos_repair/internal.hpp"
#include "support/file.hpp"
#include "support/parallel.hpp"
#include "wheel/deflate.hpp"
#include "wheel/scratch.hpp"
#include "wheel/zip_raw.hpp"

namespace ferry::macos {

namespace fs = std::filesystem;

LoadedWheel::~LoadedWheel() {
  std::error_code ec;
  if (!scratch.empty()) fs::remove_all(scratch, ec);
}

namespace {

constexpr uint64_t kSmallWheel = uint64_t{4} << 20;  // uncompressed bytes below which one thread reads it all
constexpr uint64_t kOneInflate = uint64_t{1} << 20;  // members up to this are inflated and kept in one pass
constexpr uint64_t kMaxMachO = uint64_t{4} << 30;    // larger members are not loaded as binaries

bool is_macho_magic(const std::vector<uint8_t>& h) {
  if (h.size() < 4) return false;
  uint32_t be = uint32_t(h[0]) << 24 | uint32_t(h[1]) << 16 | uint32_t(h[2]) << 8 | h[3];
  return be == 0xcafebabe || be == 0xcafebabf || be == 0xfeedface || be == 0xfeedfacf || be == 0xcefaedfe ||
         be == 0xcffaedfe;
}

Result<std::string> find_dist_info(const std::vector<wheel::ZipMember>& members, const std::string& path) {
  std::set<std::string> found;
  for (auto& m : members) {
    size_t s = m.name.find('/');
    if (s != std::string::npos && s > 10 &&
        m.name.compare(s - 10, 10, ".dist-info") == 0)
      found.insert(m.name.substr(0, s));
  }
  if (found.size() != 1)
    return make_error(ErrorCode::format, "expected exactly one top-level *.dist-info directory, found " +
                                             std::to_string(found.size())).with_path(path);
  return *found.begin();
}

struct MemberResult {
  Sha256 digest{};
  std::optional<Binary> binary;
  std::optional<Error> error;
};

// Inflates member `raw` of the wheel open on `fd` into `out` (cleared first; its capacity is reused) when
// `keep`, hashing it on the way (CRC-32 and size checked against the central directory by digest_member).
Result<Sha256> inflate_member(int fd, const wheel::RawMember& raw, const std::string& wheel_path, bool keep,
                              std::vector<uint8_t>& out) {
  out.clear();
  wheel::DataSink sink;
  if (keep) {
    // What the directory claims, but no more than deflate can expand the stored bytes to (1032:1): a lying
    // size is caught by digest_member, not by a huge allocation first.
    out.reserve(std::min<uint64_t>(raw.size, raw.comp_size * 1032 + 64));
    sink = [&](const uint8_t* p, size_t n) -> Status { out.insert(out.end(), p, p + n); return {}; };
  }
  FERRY_TRY(d, wheel::digest_member(fd, raw, 0, sink, wheel_path));
  return d.sha;
}

// One member, inflated once (libdeflate) and hashed on the way; a Mach-O member is parsed from `buf` (this
// worker's buffer, reused: no fresh pages per member) and its signatures checked (a blob that lies is bad input
// even where repair would replace it). `fd` is the wheel, read with pread only: workers share it.
MemberResult read_member(int fd, const wheel::ZipMember& m, const wheel::RawMember& raw, const std::string& root,
                         const std::string& wheel_path, std::vector<uint8_t>& buf) {
  MemberResult r;
  bool keep = m.size <= kMaxMachO;  // small members are collected whole in the same pass (magic known after it)
  if (keep && m.size > kOneInflate) {
    auto h = wheel::member_head(fd, raw, 4, wheel_path);
    if (!h) return r.error = h.error(), r;
    keep = is_macho_magic(*h);
  }
  auto d = inflate_member(fd, raw, wheel_path, keep, buf);
  if (!d) return r.error = d.error(), r;
  r.digest = *d;
  if (!keep || !is_macho_magic(buf)) return r;
  const ByteView view(buf.data(), buf.size());
  auto f = macho::read_macho(view, m.name, false);
  if (!f) {
    if (f.error().code != ErrorCode::unsupported) r.error = f.error().with_path(m.name);  // else a Java class file
    return r;
  }
  bool stale = false;
  for (auto& sl : f->slices) {
    auto sig = macho::check_signature(*view.find_sub(sl.offset, sl.size), sl.arch + " slice");
    if (!sig) return r.error = sig.error().with_path(m.name), r;
    stale = stale || (sig->present && sig->verified && !sig->hashes_match);
  }
  r.binary = Binary{m.name, root + "/" + m.name, std::move(f.value()), nullptr, stale};
  return r;
}

// Every regular member checked against RECORD, nothing extracted. A small wheel is read on this thread; a large
// one on up to 4 threads sharing one descriptor, largest members first so one big member does not leave a core
// idle at the end.
Status read_members(LoadedWheel& w, const std::map<std::string, std::string>& record) {
  std::vector<const wheel::ZipMember*> regular;
  for (auto& m : w.zip.members())
    if (!m.is_dir && !m.is_symlink) regular.push_back(&m), w.members.insert(m.name);
  FERRY_TRY(raw, wheel::read_central_directory(w.path));
  if (raw.size() != w.zip.members().size())
    return make_error(ErrorCode::format, "libzip lists " + std::to_string(w.zip.members().size()) +
                                             " members, the central directory " + std::to_string(raw.size()))
        .with_path(w.path);
  const int fd = ::open(w.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::io, std::string("cannot reopen: ") + std::strerror(errno)).with_path(w.path);
  std::vector<MemberResult> results(regular.size());
  std::vector<size_t> order(regular.size());
  uint64_t total = 0;
  for (size_t i = 0; i < regular.size(); ++i) order[i] = i, total += regular[i]->size;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return regular[a]->size > regular[b]->size; });
  const unsigned jobs = total < kSmallWheel ? 1 : std::max(1u, std::min<unsigned>(default_jobs(), 4));
  std::atomic<size_t> next{0};
  parallel_for(jobs, [&](size_t) {  // one buffer per worker
    std::vector<uint8_t> buf;
    for (size_t k = next++; k < order.size(); k = next++) {
      const size_t i = order[k];
      try {
        results[i] = read_member(fd, *regular[i], raw[regular[i]->index], w.root, w.path, buf);
      } catch (const std::exception& ex) {  // std::bad_alloc on a member too large for memory
        results[i].error = make_error(ErrorCode::io, "member '" + regular[i]->name + "': " + ex.what()).with_path(w.path);
      }
    }
  }, jobs);
  ::close(fd);
  w.raw = std::move(raw);
  for (size_t i = 0; i < regular.size(); ++i) {
    const auto& m = *regular[i];
    if (results[i].error) return *results[i].error;
    w.hashes[m.name] = results[i].digest;
    auto r = record.find(m.name);
    bool is_record = m.name.starts_with(w.dist_info + "/RECORD");
    if (!is_record && r == record.end())
      return make_error(ErrorCode::format, "RECORD does not list member '" + m.name + "'").with_path(w.path);
    if (!is_record && r->second.starts_with("sha256=") && r->second != wheel::record_hash(results[i].digest))
      w.record_mismatches.push_back(wheel::record_mismatch(
          m.name, "it gives " + r->second + ", the content hashes to " + wheel::record_hash(results[i].digest)));
    if (results[i].binary) w.binaries.push_back(std::move(*results[i].binary));
  }
  return {};
}

}  // namespace

Result<std::string> scratch_dir(LoadedWheel& w) {
  if (w.scratch.empty()) {
    FERRY_TRY(d, wheel::make_scratch_dir(w.temp_dir, "ferry-macos"));
    w.scratch = d;
  }
  return w.scratch;
}

Result<std::shared_ptr<const std::vector<uint8_t>>> member_bytes(const LoadedWheel& w, const std::string& member) {
  const wheel::ZipMember* m = nullptr;
  for (auto& z : w.zip.members())
    if (z.name == member) m = &z;
  if (!m || m->index >= w.raw.size() || !w.hashes.count(member))
    return make_error(ErrorCode::not_found, "member '" + member + "' was not loaded").with_path(w.path);
  const int fd = ::open(w.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::io, std::string("cannot reopen: ") + std::strerror(errno)).with_path(w.path);
  auto out = std::make_shared<std::vector<uint8_t>>();
  auto d = inflate_member(fd, w.raw[m->index], w.path, true, *out);
  ::close(fd);
  if (!d) return d.error();
  if (*d != w.hashes.at(member))
    return make_error(ErrorCode::io, "member '" + member + "' changed while the wheel was being repaired").with_path(w.path);
  return std::shared_ptr<const std::vector<uint8_t>>(std::move(out));
}

Result<LoadedWheel> load_wheel(const std::string& wheel_path, const std::string& temp_dir) {
  LoadedWheel w;
  w.path = wheel_path;
  FERRY_TRY(name, wheel::parse_wheel_name(wheel_path));
  w.name = name;
  FERRY_TRY(zip, wheel::ZipReader::open(wheel_path));
  w.zip = std::move(zip);
  FERRY_CHECK(wheel::check_members(w.zip.members(), wheel_path));
  FERRY_TRY(di, find_dist_info(w.zip.members(), wheel_path));
  w.dist_info = di;
  std::map<std::string, std::string> record;
  for (auto& m : w.zip.members()) {
    if (m.name == w.dist_info + "/RECORD") {
      FERRY_TRY(b, w.zip.read(m));
      FERRY_TRY(entries, wheel::parse_record(std::string(b.begin(), b.end()), wheel_path + ": RECORD"));
      for (auto& e : entries) record[wheel::normalize_member_name(e.path)] = e.hash;
    }
    if (m.name == w.dist_info + "/WHEEL") {
      FERRY_TRY(b, w.zip.read(m));
      w.wheel_text.assign(b.begin(), b.end());
    }
  }
  if (record.empty() || w.wheel_text.empty())
    return make_error(ErrorCode::format, w.dist_info + " has no RECORD or WHEEL file").with_path(wheel_path);
  if (temp_dir.empty()) return make_error(ErrorCode::usage, "no directory for temporary files was given");
  // Members are named under a directory that is never created, inside one that does not exist either: a name
  // that climbs out of the wheel by one level finds nothing, as it would in a private scratch tree.
  std::error_code ec;
  w.temp_dir = fs::canonical(temp_dir, ec).string();
  if (ec) return make_error(ErrorCode::io, "cannot resolve the directory for temporary files: " + ec.message()).with_path(temp_dir);
  static std::atomic<unsigned> loads{0};
  w.root = w.temp_dir + "/ferry-macos-" + std::to_string(::getpid()) + "-wheel" + std::to_string(loads++) + "/wheel";
  FERRY_CHECK(read_members(w, record));
  return w;
}

}  // namespace ferry::macos
