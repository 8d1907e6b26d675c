// load_wheel: opens a macOS wheel, checks its members and RECORD (every member hashed, nothing extracted: the
// disk is the slow part) and parses every Mach-O member from memory.
#include <filesystem>

#include "macho/codesign.hpp"
#include "macos_repair/internal.hpp"
#include "support/file.hpp"
#include "support/parallel.hpp"
#include "wheel/scratch.hpp"

namespace ferry::macos {

namespace fs = std::filesystem;

LoadedWheel::~LoadedWheel() {
  std::error_code ec;
  if (!scratch.empty()) fs::remove_all(scratch, ec);
}

namespace {

constexpr uint64_t kSmallWheel = uint64_t{4} << 20;  // uncompressed bytes below which one thread reads it all

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

// One member: hashed (Mach-O members read into memory and parsed, their signatures checked: a blob that lies
// is bad input even where repair would replace it). `zip` is this worker's own reader.
MemberResult read_member(wheel::ZipReader& zip, const wheel::ZipMember& m, const std::string& root) {
  MemberResult r;
  auto head = zip.head(m, 4);
  if (!head) return r.error = head.error(), r;
  if (!is_macho_magic(*head)) {
    auto d = zip.hash(m);
    if (!d) return r.error = d.error(), r;
    return r.digest = *d, r;
  }
  auto b = zip.read(m, uint64_t{4} << 30);
  if (!b) return r.error = b.error(), r;
  auto bytes = std::make_shared<std::vector<uint8_t>>(std::move(b.value()));
  r.digest = sha256(*bytes);
  const ByteView view(bytes->data(), bytes->size());
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
  r.binary = Binary{m.name, root + "/" + m.name, std::move(f.value()), bytes, stale};
  return r;
}

// Every regular member, on all cores (one zip reader per worker), checked against RECORD; nothing extracted.
Status read_members(LoadedWheel& w, const std::map<std::string, std::string>& record) {
  std::vector<const wheel::ZipMember*> regular;
  for (auto& m : w.zip.members())
    if (!m.is_dir && !m.is_symlink) regular.push_back(&m), w.members.insert(m.name);
  std::vector<MemberResult> results(regular.size());
  uint64_t total = 0;
  for (auto* m : regular) total += m->size;
  // A small wheel is read on this thread with the reader already open: threads (each opening the zip again)
  // cost more than they save there.
  if (total < kSmallWheel) {
    for (size_t i = 0; i < regular.size(); ++i) results[i] = read_member(w.zip, *regular[i], w.root);
  } else {
    const unsigned jobs = std::max(1u, std::min<unsigned>(default_jobs(), 4));
    std::vector<std::optional<Error>> open_errors(jobs);
    parallel_for(jobs, [&](size_t j) {
      auto zip = wheel::ZipReader::open(w.path);
      if (!zip) return void(open_errors[j] = zip.error());
      for (size_t i = j; i < regular.size(); i += jobs) results[i] = read_member(*zip, *regular[i], w.root);
    }, jobs);
    for (auto& e : open_errors)
      if (e) return *e;
  }
  for (size_t i = 0; i < regular.size(); ++i) {
    const auto& m = *regular[i];
    if (results[i].error) return *results[i].error;
    w.hashes[m.name] = results[i].digest;
    auto r = record.find(m.name);
    bool is_record = m.name.starts_with(w.dist_info + "/RECORD");
    if (!is_record && (r == record.end() || (r->second.starts_with("sha256=") &&
                                             r->second != wheel::record_hash(results[i].digest))))
      return make_error(ErrorCode::format, "RECORD " + std::string(r == record.end() ? "does not list" : "has a wrong hash for") +
                                               " member '" + m.name + "'").with_path(w.path);
    if (results[i].binary) w.binaries.push_back(std::move(*results[i].binary));
  }
  return {};
}

}  // namespace

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
  FERRY_TRY(scratch, wheel::make_scratch_dir(temp_dir, "ferry-macos"));
  std::error_code ec;
  w.scratch = fs::canonical(scratch, ec).string();
  if (ec) return make_error(ErrorCode::io, "cannot resolve the scratch directory: " + ec.message()).with_path(scratch);
  w.root = w.scratch + "/wheel";
  FERRY_CHECK(read_members(w, record));
  return w;
}

}  // namespace ferry::macos
