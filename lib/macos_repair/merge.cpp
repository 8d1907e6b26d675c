// merge_wheels (`ferry merge`, delocate-merge): two macOS wheels of one project and version, built for
// different architectures, become one universal2 wheel. Members are compared by their checked SHA-256 (load
// pass); differing Mach-O members are fused slice for slice (macho::merge_universal), anything else that
// differs is an error naming every such member (delocate silently keeps one).
#include <algorithm>
#include <filesystem>

#include "macho/rewrite.hpp"
#include "macos_repair/internal.hpp"

namespace ferry::macos {

namespace fs = std::filesystem;

namespace {

// The merged wheel's entries, set field by field: OutputEntry grows with what the writer needs (an aggregate
// list of every field broke at each addition).
wheel::OutputEntry copied_entry(const wheel::ZipMember& m) {
  wheel::OutputEntry e;
  e.name = m.name, e.source = wheel::OutputEntry::Source::copy, e.input_index = m.index, e.mode = m.mode & ~07000u;
  return e;
}
wheel::OutputEntry written_entry(const std::string& name, std::vector<uint8_t> bytes, uint32_t mode) {
  wheel::OutputEntry e;
  e.name = name, e.source = wheel::OutputEntry::Source::bytes, e.bytes = std::move(bytes), e.mode = mode;
  return e;
}

const Binary* binary_of(const LoadedWheel& w, const std::string& member) {
  for (auto& b : w.binaries)
    if (b.member == member) return &b;
  return nullptr;
}

// The merged wheel's tags: both wheels' architectures at their versions, packed as delocate packs them.
std::vector<std::string> merged_tags(const LoadedWheel& a, const LoadedWheel& b) {
  std::vector<std::string> tags = a.name.platform_tags;
  tags.insert(tags.end(), b.name.platform_tags.begin(), b.name.platform_tags.end());
  std::map<std::string, std::pair<int, int>> v;
  for (auto& t : tags) {
    int ma = 0, mi = 0;
    char arch[32] = {};
    if (std::sscanf(t.c_str(), "macosx_%d_%d_%31s", &ma, &mi, arch) == 3) v[arch] = std::max(v[arch], {ma, mi});
  }
  auto fmt = [](std::pair<int, int> x, const std::string& arch) {
    return "macosx_" + std::to_string(x.first) + "_" + std::to_string(x.second) + "_" + arch;
  };
  if (v.count("x86_64") && v.count("arm64") && (v["arm64"] == v["x86_64"] || v["arm64"] == std::pair{11, 0}))
    return {fmt(v["x86_64"], "universal2")};
  std::vector<std::string> out;
  for (auto& [arch, x] : v) out.push_back(fmt(x, arch));
  return out;
}

}  // namespace

Result<MergeReport> merge_wheels(const std::string& pa, const std::string& pb, const Options& o) {
  FERRY_TRY(a, load_wheel(pa, o.temp_dir));
  FERRY_TRY(b, load_wheel(pb, o.temp_dir));
  if (a.name.prefix != b.name.prefix)
    return make_error(ErrorCode::usage, "not two builds of one project: " + a.name.prefix + " and " + b.name.prefix);
  MergeReport rep;
  rep.platform_tags = merged_tags(a, b);
  std::vector<std::string> differ;
  std::vector<wheel::OutputEntry> entries;
  const std::string record = a.dist_info + "/RECORD", wheel_file = a.dist_info + "/WHEEL";
  std::map<std::string, const wheel::ZipMember*> in_b;
  for (auto& m : b.zip.members()) in_b[m.name] = &m;
  for (auto& m : a.zip.members()) {
    if (m.is_dir || m.name == record) continue;
    wheel::OutputEntry e = copied_entry(m);
    auto other = in_b.find(m.name);
    if (other == in_b.end()) rep.only_one.push_back(m.name);
    else if (m.name != wheel_file && a.hashes.count(m.name) && a.hashes[m.name] != b.hashes[m.name]) {
      const Binary *x = binary_of(a, m.name), *y = binary_of(b, m.name);
      if (!x || !y) {
        differ.push_back(m.name);
        continue;
      }
      FERRY_TRY(xb, member_bytes(a, m.name));
      FERRY_TRY(yb, member_bytes(b, m.name));
      FERRY_TRY(fused, macho::merge_universal(ByteView(xb->data(), xb->size()), ByteView(yb->data(), yb->size()), m.name));
      e.source = wheel::OutputEntry::Source::bytes, e.bytes = std::move(fused);
      rep.fused.push_back(m.name);
    }
    if (m.name == wheel_file) {
      auto text = wheel::rewrite_wheel_tags(a.wheel_text, rep.platform_tags, a.name.platform_tags, false);
      std::string t = text ? *text : a.wheel_text;
      e.source = wheel::OutputEntry::Source::bytes, e.bytes.assign(t.begin(), t.end());
    }
    entries.push_back(std::move(e));
  }
  for (auto& m : b.zip.members()) {
    if (m.is_dir || m.is_symlink || m.name.starts_with(b.dist_info + "/") || a.hashes.count(m.name)) continue;
    FERRY_TRY(bytes, b.zip.read(m, uint64_t{4} << 30));
    entries.push_back(written_entry(m.name, std::move(bytes), m.mode & ~07000u));
    rep.only_one.push_back(m.name);
  }
  if (!differ.empty()) {
    std::string msg = std::to_string(differ.size()) + " member(s) differ between the wheels and are not binaries:";
    for (auto& d : differ) msg += "\n  " + d;
    return make_error(ErrorCode::policy, msg).with_path(pa);
  }
  std::stable_sort(entries.begin(), entries.end(), [](auto& x, auto& y) { return wheel::walk_order_less(x.name, y.name); });
  std::string text;
  for (auto& e : entries) {
    Sha256 h = e.source == wheel::OutputEntry::Source::bytes ? sha256(e.bytes) : a.hashes.at(e.name);
    uint64_t size = e.source == wheel::OutputEntry::Source::bytes ? e.bytes.size() : a.zip.members()[e.input_index].size;
    text += wheel::record_line(e.name, wheel::record_hash(h), std::to_string(size));
  }
  text += wheel::record_line(record, "", "");
  entries.push_back(written_entry(record, std::vector<uint8_t>(text.begin(), text.end()), 0100644));
  std::string tagset;
  for (auto& t : rep.platform_tags) tagset += (tagset.empty() ? "" : ".") + t;
  std::error_code ec;
  fs::create_directories(o.wheel_dir, ec);
  rep.output = (fs::path(o.wheel_dir) / (a.name.prefix + "-" + tagset + ".whl")).string();
  wheel::ZipWriteOptions zo;
  zo.level = o.zip_level, zo.source_date_epoch = o.source_date_epoch;
  FERRY_CHECK(wheel::write_wheel_zip(a.zip, entries, rep.output, zo));
  return rep;
}

}  // namespace ferry::macos
