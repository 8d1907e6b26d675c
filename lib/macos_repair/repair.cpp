// repair_wheel / show_wheel for macOS wheels: the passes of internal.hpp run in order. Nothing is written
// outside the scratch tree until every rewritten Mach-O has been re-read and its page hashes checked; the
// wheel itself goes through write_wheel_zip (temporary file, verified, renamed).
#include <algorithm>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "macho/rewrite.hpp"
#include "macos_repair/internal.hpp"
#include "support/file.hpp"
#include "support/hash.hpp"
#include "wheel/deflate.hpp"

namespace ferry::macos {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kSmallWork = uint64_t{4} << 20;  // below this, one thread does the work

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

// A rewritten (or grafted) member. Its bytes go into the output wheel from memory; one larger than a deflate
// chunk is put in the scratch tree instead (a plain write: scratch needs no fsync) so the zip writer deflates it
// in parallel chunks. `digest` is its SHA-256 either way (RECORD), computed from memory.
struct NewMember {
  std::vector<uint8_t> bytes;
  std::string file;
  Sha256 digest{};
  uint64_t size = 0;
};

Status write_scratch(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return make_error(ErrorCode::io, "cannot create a scratch file").with_path(path);
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok) return make_error(ErrorCode::io, "cannot write a scratch file").with_path(path);
  return {};
}

// Rewrites every Mach-O that has edits (or a stale signature), and every graft; returns them by member.
Result<std::map<std::string, NewMember>> rewrite_files(Analysis& a, std::vector<std::string>& changed) {
  std::map<std::string, NewMember> files;
  std::vector<std::tuple<std::string, std::string, std::shared_ptr<const std::vector<uint8_t>>>> todo;
  for (auto& b : a.w.binaries)  // a member with no edits and good signatures (checked on load) stays as it is
    if (a.p.edits.count(b.disk_path) || b.stale_signature) {
      FERRY_TRY(content, member_bytes(a.w, b.member));
      todo.push_back({b.disk_path, b.member, content});
    }
  for (auto& [path, member] : a.p.graft_member) todo.push_back({path, member, a.g.external.at(path).bytes});
  for (auto& [path, member, content] : todo) {
    const std::vector<uint8_t>& bytes = *content;
    macho::CommandEdits none;
    auto it = a.p.edits.find(path);
    const std::string ident = fs::path(member).filename().string();
    FERRY_TRY(r, macho::rewrite_macho(ByteView(bytes.data(), bytes.size()), it == a.p.edits.end() ? none : it->second,
                                      ident, member));
    bool graft = a.p.graft_member.count(path) > 0;
    if (!r.changed && !graft) continue;
    NewMember& n = files[member];
    n.bytes = r.changed ? std::move(r.bytes) : bytes;
    n.digest = sha256(n.bytes), n.size = n.bytes.size();
    if (n.size > wheel::kDeflateChunk) {
      FERRY_TRY(scratch, scratch_dir(a.w));
      n.file = scratch + "/out/" + member;
      FERRY_CHECK(write_scratch(n.file, n.bytes));
      n.bytes = {};
    }
    std::string note = member + (graft ? " (grafted from " + path + ")" : "");
    if (!r.resigned.empty()) {
      note += " resigned";
      for (auto& sl : r.resigned) note += " " + sl;
    }
    changed.push_back(note);
  }
  return files;
}

// RECORD text for `entries`: copied members keep their checked hash, new ones have theirs from memory.
std::string make_record(const Analysis& a, const std::map<std::string, NewMember>& files,
                        std::vector<wheel::OutputEntry>& entries, const std::string& record_member) {
  std::string text;
  for (auto& e : entries) {
    if (e.name == record_member) { text += wheel::record_line(record_member, "", ""); continue; }
    Sha256 h{};
    uint64_t size = 0;
    if (auto f = files.find(e.name); f != files.end()) {
      h = f->second.digest, size = f->second.size;
    } else if (e.source == wheel::OutputEntry::Source::copy) {
      const auto& m = a.w.zip.members()[e.input_index];
      h = a.w.hashes.at(m.name), size = m.size;
    } else {
      h = sha256(e.bytes), size = e.bytes.size();
    }
    text += wheel::record_line(e.name, wheel::record_hash(h), std::to_string(size));
  }
  return text;
}

// The new member `name` as an output entry (from memory, or its scratch file when large).
wheel::OutputEntry new_entry(const std::string& name, NewMember& n, uint32_t mode) {
  wheel::OutputEntry e;
  e.name = name, e.mode = mode;
  if (n.file.empty()) e.source = wheel::OutputEntry::Source::bytes, e.bytes = std::move(n.bytes);
  else e.source = wheel::OutputEntry::Source::file, e.file_path = n.file;
  return e;
}

Status write_output(Analysis& a, std::map<std::string, NewMember>& files,
                    const std::optional<std::string>& wheel_text, const std::string& out_path, const Options& o) {
  using wheel::OutputEntry;
  std::vector<OutputEntry> entries;
  const std::string record_member = a.w.dist_info + "/RECORD";
  uint64_t fresh = 0;  // bytes the zip writer deflates
  for (auto& [name, n] : files) fresh += n.size;
  for (auto& m : a.w.zip.members()) {
    if (m.is_dir || m.name == a.w.dist_info + "/RECORD.jws" || m.name == a.w.dist_info + "/RECORD.p7s") continue;
    OutputEntry e;
    e.name = m.name, e.mode = m.mode & ~07000u, e.input_index = m.index;
    if (auto f = files.find(m.name); f != files.end()) e = new_entry(m.name, f->second, m.mode & ~07000u);
    if (m.name == a.w.dist_info + "/WHEEL" && wheel_text) e.source = OutputEntry::Source::bytes, e.bytes.assign(wheel_text->begin(), wheel_text->end());
    if (m.name == record_member) e.source = OutputEntry::Source::bytes;
    entries.push_back(std::move(e));
  }
  for (auto& [path, member] : a.p.graft_member) entries.push_back(new_entry(member, files.at(member), 0100755));
  std::stable_sort(entries.begin(), entries.end(), [](const OutputEntry& x, const OutputEntry& y) {
    return wheel::walk_order_less(x.name, y.name);
  });
  std::string rec = make_record(a, files, entries, record_member);
  for (auto& e : entries)
    if (e.name == record_member) e.bytes.assign(rec.begin(), rec.end());
  wheel::ZipWriteOptions zo;
  zo.level = o.zip_level;
  zo.source_date_epoch = o.source_date_epoch;
  // Small new content is deflated on this thread: threads cost more than they save there (and wait for a core
  // on a busy machine).
  if (fresh + rec.size() < kSmallWork) zo.jobs = 1;
  return wheel::write_wheel_zip(a.w.zip, entries, out_path, zo);
}

// `from` copied to `to` (temporary file, renamed) by the kernel, without passing through this process.
Status copy_whole_file(const std::string& from, const std::string& to) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return make_error(ErrorCode::io, std::string("cannot open: ") + std::strerror(errno)).with_path(from);
  struct stat st;
  Status s = ::fstat(in, &st) != 0
                 ? make_error(ErrorCode::io, "cannot stat").with_path(from)
                 : atomic_write_with(to, [&](int out) { return copy_file_bytes(in, 0, uint64_t(st.st_size), out, from); });
  ::close(in);
  return s;
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
  rep.warnings = a.w.record_mismatches;
  std::string tagset;
  for (auto& t : tags) tagset += (tagset.empty() ? "" : ".") + t;
  const std::string out_name = a.w.name.prefix + "-" + tagset + ".whl";
  std::error_code ec;
  fs::create_directories(o.wheel_dir, ec);
  rep.output = (fs::path(o.wheel_dir) / out_name).string();
  FERRY_TRY(files, rewrite_files(a, rep.changed));
  // Copied as it is only when its RECORD holds: a wrong one is written anew.
  if (files.empty() && out_name == fs::path(wheel_path).filename().string() && rep.warnings.empty()) {
    rep.unchanged = true;
    rep.notes.push_back("nothing to graft or rewrite and the tag is right: the wheel is copied unchanged");
    if (fs::exists(rep.output) && fs::equivalent(rep.output, wheel_path, ec)) return rep;
    FERRY_CHECK(copy_whole_file(wheel_path, rep.output));
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
  r.warnings = w.record_mismatches;
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
