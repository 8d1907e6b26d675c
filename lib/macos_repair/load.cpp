// load_wheel: opens a macOS wheel, checks its members and RECORD (every member hashed, nothing extracted: the
// disk is the slow part) and parses every Mach-O member from memory.
#include <filesystem>

#include "macho/codesign.hpp"
#include "macos_repair/internal.hpp"
#include "support/file.hpp"
#include "wheel/scratch.hpp"

namespace ferry::macos {

namespace fs = std::filesystem;

LoadedWheel::~LoadedWheel() {
  std::error_code ec;
  if (!scratch.empty()) fs::remove_all(scratch, ec);
}

namespace {

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

// Hashes every regular member against RECORD without extracting it; Mach-O members are read into memory and
// parsed (their signatures checked: a blob that lies is bad input even where repair would replace it).
Status read_members(LoadedWheel& w, const std::map<std::string, std::string>& record) {
  for (auto& m : w.zip.members()) {
    if (m.is_dir || m.is_symlink) continue;
    w.members.insert(m.name);
    FERRY_TRY(head, w.zip.head(m, 4));
    std::shared_ptr<std::vector<uint8_t>> bytes;
    Sha256 digest{};
    if (is_macho_magic(head)) {
      FERRY_TRY(b, w.zip.read(m, uint64_t{4} << 30));
      bytes = std::make_shared<std::vector<uint8_t>>(std::move(b));
      digest = sha256(*bytes);
    } else {
      FERRY_TRY(d, w.zip.hash(m));
      digest = d;
    }
    w.hashes[m.name] = digest;
    auto r = record.find(m.name);
    bool is_record = m.name.starts_with(w.dist_info + "/RECORD");
    if (!is_record && (r == record.end() || (r->second.starts_with("sha256=") && r->second != wheel::record_hash(digest))))
      return make_error(ErrorCode::format, "RECORD " + std::string(r == record.end() ? "does not list" : "has a wrong hash for") +
                                               " member '" + m.name + "'").with_path(w.path);
    if (!bytes) continue;
    const ByteView view(bytes->data(), bytes->size());
    auto f = macho::read_macho(view, m.name);
    if (!f) {
      if (f.error().code == ErrorCode::unsupported) continue;  // a Java class file or a static archive
      return f.error().with_path(m.name);
    }
    for (auto& sl : f->slices) {
      auto sig = macho::check_signature(*view.find_sub(sl.offset, sl.size), sl.arch + " slice");
      if (!sig) return sig.error().with_path(m.name);
    }
    w.binaries.push_back({m.name, w.root + "/" + m.name, std::move(f.value()), bytes});
  }
  return {};
}

}  // namespace

Result<LoadedWheel> load_wheel(const std::string& wheel_path) {
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
  FERRY_TRY(scratch, wheel::make_scratch_dir(fs::temp_directory_path().string(), "ferry-macos"));
  w.scratch = fs::canonical(scratch).string();
  w.root = w.scratch + "/wheel";
  FERRY_CHECK(read_members(w, record));
  return w;
}

}  // namespace ferry::macos
