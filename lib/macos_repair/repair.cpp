// repair_wheel / show_wheel for macOS wheels: the passes of internal.hpp run in order. Nothing is written
// outside the scratch tree until every rewritten Mach-O has been re-read and its page hashes checked; the
// wheel itself goes through write_wheel_zip (temporary file, verified, renamed).
#include <algorithm>
#include <filesystem>

#include "macho/rewrite.hpp"
#include "macos_repair/internal.hpp"
#include "support/file.hpp"

namespace ferry::macos {

namespace fs = std::filesystem;

namespace {

struct Analysis {
  LoadedWheel w;
  Graph g;
  Plan p;
};

Result<Analysis> analyze(const std::string& wheel_path, const Options& o) {
  FERRY_TRY(w, load_wheel(wheel_path, o.temp_dir));
  FERRY_TRY(g, resolve_dependencies(w, o));
  FERRY_TRY(p, plan_repair(w, g, o));
  return Analysis{std::move(w), std::move(g), std::move(p)};
}

// Rewrites every Mach-O that has edits (or a stale signature) into `out_root`/<member>; returns what changed.
Result<std::map<std::string, std::string>> rewrite_files(Analysis& a, const std::string& out_root,
                                                         std::vector<std::string>& changed) {
  std::map<std::string, std::string> files;  // member -> rewritten file on disk
  std::vector<std::tuple<std::string, std::string, std::shared_ptr<const std::vector<uint8_t>>>> todo;
  for (auto& b : a.w.binaries)  // a member with no edits and good signatures (checked on load) stays as it is
    if (a.p.edits.count(b.disk_path) || b.stale_signature) todo.push_back({b.disk_path, b.member, b.bytes});
  for (auto& [path, member] : a.p.graft_member) {
    FERRY_TRY(b, read_file(path));
    todo.push_back({path, member, std::make_shared<const std::vector<uint8_t>>(std::move(b))});
  }
  for (auto& [path, member, content] : todo) {
    const std::vector<uint8_t>& bytes = *content;
    macho::CommandEdits none;
    auto it = a.p.edits.find(path);
    const std::string ident = fs::path(member).filename().string();
    FERRY_TRY(r, macho::rewrite_macho(ByteView(bytes.data(), bytes.size()), it == a.p.edits.end() ? none : it->second,
                                      ident, member));
    bool graft = a.p.graft_member.count(path) > 0;
    if (!r.changed && !graft) continue;
    std::string dest = out_root + "/" + member;
    fs::create_directories(fs::path(dest).parent_path());
    const auto& out = r.changed ? r.bytes : bytes;
    FERRY_CHECK(atomic_write(dest, std::span<const uint8_t>(out.data(), out.size()), {0755, {}}));
    files[member] = dest;
    std::string note = member + (graft ? " (grafted from " + path + ")" : "");
    if (!r.resigned.empty()) {
      note += " resigned";
      for (auto& s : r.resigned) note += " " + s;
    }
    changed.push_back(note);
  }
  return files;
}

// RECORD text for `entries` (copied members keep their checked hash).
std::string make_record(const Analysis& a, std::vector<wheel::OutputEntry>& entries, const std::string& record_member) {
  std::string text;
  for (auto& e : entries) {
    if (e.name == record_member) { text += wheel::record_line(record_member, "", ""); continue; }
    Sha256 h{};
    uint64_t size = 0;
    if (e.source == wheel::OutputEntry::Source::copy) {
      const auto& m = a.w.zip.members()[e.input_index];
      h = a.w.hashes.at(m.name), size = m.size;
    } else if (e.source == wheel::OutputEntry::Source::bytes) {
      h = sha256(e.bytes), size = e.bytes.size();
    } else {
      h = *sha256_file(e.file_path), size = fs::file_size(e.file_path);
    }
    text += wheel::record_line(e.name, wheel::record_hash(h), std::to_string(size));
  }
  return text;
}

Status write_output(Analysis& a, const std::map<std::string, std::string>& files,
                    const std::optional<std::string>& wheel_text, const std::string& out_path, const Options& o) {
  using wheel::OutputEntry;
  std::vector<OutputEntry> entries;
  const std::string record_member = a.w.dist_info + "/RECORD";
  for (auto& m : a.w.zip.members()) {
    if (m.is_dir || m.name == a.w.dist_info + "/RECORD.jws" || m.name == a.w.dist_info + "/RECORD.p7s") continue;
    OutputEntry e;
    e.name = m.name, e.mode = m.mode & ~07000u, e.input_index = m.index;
    if (auto f = files.find(m.name); f != files.end()) e.source = OutputEntry::Source::file, e.file_path = f->second;
    if (m.name == a.w.dist_info + "/WHEEL" && wheel_text) e.source = OutputEntry::Source::bytes, e.bytes.assign(wheel_text->begin(), wheel_text->end());
    if (m.name == record_member) e.source = OutputEntry::Source::bytes;
    entries.push_back(std::move(e));
  }
  for (auto& [path, member] : a.p.graft_member)
    entries.push_back({member, OutputEntry::Source::file, 0, files.at(member), {}, 0100755});
  std::stable_sort(entries.begin(), entries.end(), [](const OutputEntry& x, const OutputEntry& y) {
    return wheel::walk_order_less(x.name, y.name);
  });
  std::string rec = make_record(a, entries, record_member);
  for (auto& e : entries)
    if (e.name == record_member) e.bytes.assign(rec.begin(), rec.end());
  wheel::ZipWriteOptions zo;
  zo.level = o.zip_level;
  zo.source_date_epoch = o.source_date_epoch;
  return wheel::write_wheel_zip(a.w.zip, entries, out_path, zo);
}

}  // namespace

bool is_macos_wheel(const std::string& wheel_path) {
  auto n = wheel::parse_wheel_name(wheel_path);
  return n && !n->platform_tags.empty() &&
         std::all_of(n->platform_tags.begin(), n->platform_tags.end(), [](const std::string& t) { return t.starts_with("macosx_"); });
}

Result<RepairReport> repair_wheel(const std::string& wheel_path, const Options& o) {
  FERRY_TRY(a, analyze(wheel_path, o));
  if (o.require_archs) FERRY_CHECK(check_archs(a.w, a.g, a.p, *o.require_archs));
  FERRY_TRY(tags, compute_tags(a.w, a.g, o, nullptr));
  RepairReport rep;
  rep.wheel = wheel_path, rep.platform_tags = tags, rep.libraries = a.p.libraries;
  std::string tagset;
  for (auto& t : tags) tagset += (tagset.empty() ? "" : ".") + t;
  const std::string out_name = a.w.name.prefix + "-" + tagset + ".whl";
  std::error_code ec;
  fs::create_directories(o.wheel_dir, ec);
  rep.output = (fs::path(o.wheel_dir) / out_name).string();
  FERRY_TRY(files, rewrite_files(a, a.w.scratch + "/out", rep.changed));
  if (files.empty() && out_name == fs::path(wheel_path).filename().string()) {
    rep.unchanged = true;
    rep.notes.push_back("nothing to graft or rewrite and the tag is right: the wheel is copied unchanged");
    if (fs::exists(rep.output) && fs::equivalent(rep.output, wheel_path, ec)) return rep;
    FERRY_TRY(bytes, read_file(wheel_path));
    FERRY_CHECK(atomic_write(rep.output, std::span<const uint8_t>(bytes.data(), bytes.size())));
    return rep;
  }
  if (fs::exists(rep.output) && fs::equivalent(rep.output, wheel_path, ec))
    return make_error(ErrorCode::usage, "the repaired wheel would replace its input; choose another --wheel-dir").with_path(wheel_path);
  auto text = wheel::rewrite_wheel_tags(a.w.wheel_text, tags, a.w.name.platform_tags, false);
  FERRY_CHECK(write_output(a, files, text, rep.output, o));
  return rep;
}

Result<ShowReport> show_wheel(const std::string& wheel_path, const Options& o) {
  FERRY_TRY(w, load_wheel(wheel_path, o.temp_dir));
  FERRY_TRY(g, resolve_dependencies(w, o));
  ShowReport r;
  r.wheel = wheel_path, r.tag = w.name.platform;
  for (auto& b : w.binaries) r.binaries.push_back(b.member);
  Options lenient = o;
  lenient.ignore_missing = true;
  FERRY_TRY(p, plan_repair(w, g, lenient));
  r.libraries = p.libraries;
  for (auto& l : r.libraries)
    if (l.disposition == "missing" && !o.ignore_missing) r.repair_problem = "a library cannot be found: " + l.name;
  auto tags = compute_tags(w, g, o, &r.minos);
  if (!tags) r.repair_problem = tags.error().message;
  else if (r.repair_problem.empty())
    for (auto& t : *tags) r.repair_tag += (r.repair_tag.empty() ? "" : ".") + t;
  return r;
}

}  // namespace ferry::macos
