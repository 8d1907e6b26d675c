// `ferry repair` for Windows wheels, as passes: discover (windows_discover.cpp), name (windows_mangle.cpp),
// rewrite imports (pe/edit_imports), patch packages (windows_init_patch.cpp), then the output members, RECORD
// and an atomic write of the wheel under its own name (delvewheel keeps the name: no tag changes on Windows).
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>

#include "pe/edit_imports.hpp"
#include "support/parallel.hpp"
#include "support/text.hpp"
#include "wheel/deflate.hpp"
#include "wheel/wheel.hpp"
#include "wheel/windows_internal.hpp"

namespace ferry::wheel {

namespace fs = std::filesystem;
using namespace windows;

namespace {

struct Planned {
  std::map<std::string, std::vector<uint8_t>> written;  // member -> new content
  std::set<std::string> removed;                        // members not carried over
  std::vector<std::string> notes;
};

// Pass: new import tables for every image that imports a mangled DLL; vendored DLLs get their new member name.
Status rewrite_images(const Discovery& d, const std::map<std::string, std::string>& names, const std::string& libs_dir,
                      const WindowsOptions& opts, Planned& out, RepairReport& rep) {
  for (auto& img : d.images) {
    auto f = d.findings.find(img->lower_name);
    bool vendored = !img->root && f != d.findings.end() && is_vendored(f->second, opts);
    if (!img->root && !vendored) continue;
    std::map<std::string, std::string> renames;
    for (auto& n : mangleable_needed(*img, d, opts))
      if (auto it = names.find(n); it != names.end()) renames[n] = it->second;
    if (!vendored && renames.empty()) continue;  // a module whose imports all keep their names stays as it is
    pe::ImportEditReport er;
    auto label = img->member.empty() ? img->host_path : img->member;
    FERRY_TRY(bytes, pe::rename_imports(ByteView(img->bytes.data(), img->bytes.size()), renames, er));
    std::string member = img->member;
    if (vendored) {
      auto it = names.find(img->lower_name);
      member = libs_dir + "/" + (it != names.end() ? it->second : img->base_name);
      if (!img->member.empty()) out.removed.insert(img->member);
    }
    if (er.signature_removed) out.notes.push_back(label + ": Authenticode signature removed (it covered the old imports)");
    if (er.bound_imports_cleared) out.notes.push_back(label + ": stale bound imports cleared");
    if (!vendored && er.renamed.empty()) continue;
    ElfChange c;
    c.member = member, c.grafted = vendored, c.size_before = img->bytes.size(), c.size_after = bytes.size();
    for (auto* v : {&img->info.imports, &img->info.delay_imports})
      for (auto& dll : *v) {
        c.needed_before.push_back(dll.name);
        auto it = renames.find(lower(dll.name));
        c.needed_after.push_back(it != renames.end() ? it->second : dll.name);
      }
    rep.changes.push_back(std::move(c));
    out.written[member] = std::move(bytes);
  }
  return {};
}

std::set<std::string> top_dirs(const Wheel& w) {
  std::set<std::string> out;
  for (auto& m : w.zip.members())
    if (size_t s = m.name.find('/'); s != std::string::npos) out.insert(m.name.substr(0, s));
  return out;
}

// Pass: every top-level package (and, inside --namespace-pkg packages, every module and subpackage) gets the
// runtime patch. `dir` is a package directory of the wheel, `ns` the namespace paths below it.
void patch_package(const Wheel& w, const std::string& dir, const std::vector<std::vector<std::string>>& ns, int depth,
                   const std::string& libs_dir, const std::string& order_file, Planned& out) {
  std::string name = dir.substr(dir.find_last_of('/') + 1);
  std::vector<std::vector<std::string>> below;
  bool is_ns = false;
  for (auto& p : ns)
    if (!p.empty() && p[0] == name) {
      is_ns = true;
      if (p.size() > 1) below.emplace_back(p.begin() + 1, p.end());
    }
  auto read_member = [&](const std::string& m) {
    for (auto& z : w.zip.members())
      if (z.name == m)
        if (auto b = read_member_bytes(w, z, uint64_t{64} << 20)) return std::string(b->begin(), b->end());
    return std::string();
  };
  std::string tag = pep503_name(w.name.distribution);
  std::replace(tag.begin(), tag.end(), '-', '_');
  if (!is_ns) {
    std::string init = dir + "/__init__.py";
    auto text = patch_init_py(read_member(init), libs_dir, depth, order_file, tag);
    out.written[init] = std::vector<uint8_t>(text.begin(), text.end());
    return;
  }
  std::set<std::string> subdirs;
  for (auto& m : w.zip.members()) {
    if (!m.name.starts_with(dir + "/")) continue;
    std::string rest = m.name.substr(dir.size() + 1);
    if (size_t s = rest.find('/'); s != std::string::npos) subdirs.insert(rest.substr(0, s));
    else if (lower(rest).ends_with(".py") && lower(rest) != "__init__.py") {
      auto text = patch_init_py(read_member(m.name), libs_dir, depth, order_file, tag);
      out.written[m.name] = std::vector<uint8_t>(text.begin(), text.end());
    }
  }
  for (auto& s : subdirs) patch_package(w, dir + "/" + s, below, depth + 1, libs_dir, order_file, out);
}

std::vector<std::string> split_dots(const std::string& s) {
  std::vector<std::string> out;
  for (size_t a = 0, b; a <= s.size(); a = b + 1) {
    b = std::min(s.find('.', a), s.size());
    out.push_back(s.substr(a, b - a));
  }
  return out;
}

// True when every Python tag is CPython 3.10 or newer: then os.add_dll_directory is enough everywhere.
bool cpython_310_or_newer(const WheelName& n) {
  for (auto& t : split_dots(n.python)) {
    if (!t.starts_with("cp3") || t.size() < 5 || t.size() > 6) return false;
    if (!std::all_of(t.begin() + 3, t.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
      return false;
    if (std::stoi(t.substr(3)) < 10) return false;
  }
  return true;
}

// Pass: the load-order file (for Pythons where os.add_dll_directory is not enough) and the patch of every
// top-level package; a directory next to a same-named top-level module is skipped unless it has __init__.py.
void add_runtime_patch(const Wheel& w, const Discovery& d, const std::map<std::string, std::string>& names,
                       const WindowsOptions& wo, const std::string& libs_dir, Planned& plan) {
  std::string order_file;
  if (!cpython_310_or_newer(w.name)) {
    std::vector<std::string> vendored;
    for (auto& [n, f] : d.findings)
      if (is_vendored(f, wo)) vendored.push_back(names.count(n) ? names.at(n) : d.by_name.at(n)->base_name);
    order_file = ".load-order-" + w.name.distribution + "-" + w.name.version;
    std::string t = join(vendored, "\n") + "\n";
    plan.written[libs_dir + "/" + order_file] = std::vector<uint8_t>(t.begin(), t.end());
  }
  std::vector<std::vector<std::string>> ns;
  for (auto& p : wo.namespace_pkgs) ns.push_back(split_dots(p));
  std::set<std::string> root_modules, members;
  for (auto& m : w.zip.members()) {
    members.insert(m.name);
    if (m.name.find('/') == std::string::npos) root_modules.insert(m.name.substr(0, m.name.find('.')));
  }
  for (auto& top : top_dirs(w)) {
    if (top == w.dist_info || top.ends_with(".data") || top == libs_dir) continue;
    if (root_modules.count(top) && !members.count(top + "/__init__.py")) continue;
    patch_package(w, top, ns, 1, libs_dir, order_file, plan);
  }
}

// Pass: RECORD's text for `entries`, from what ferry read. Members written anew are hashed from memory; members
// copied as they are are read once from the wheel, in parallel, each checked against the directory's CRC-32 and
// size (digest_member): the repaired wheel never carries a hash ferry did not check, as on Linux. A member the
// discovery already read (a DLL or extension kept as it is: `read`, by member name, CRC-checked then) is hashed
// from those bytes instead of being inflated a second time. A line of the
// input's RECORD that a member disproves goes into `warnings`; the new RECORD has the real one. With
// --trust-record (`rep.members_trusted` counts them) a copied member outside .dist-info whose line has a sha256
// and its true size is not read: the line is carried over, as the Linux repair does.
Result<std::string> record_text(const Wheel& w, const std::vector<OutputEntry>& entries,
                                const std::map<std::string, ByteView>& read, const RepairOptions& opts,
                                RepairReport& rep) {
  std::map<std::string, const RecordEntry*> rec;
  for (auto& e : w.record) rec[e.path] = &e;
  auto trusted = [&](const OutputEntry& o) -> const RecordEntry* {
    auto r = rec.find(o.name);
    if (!opts.trust_record || r == rec.end() || !r->second->hash.starts_with("sha256=") ||
        o.name.starts_with(w.dist_info + "/"))  // the metadata is always read, as on Linux
      return nullptr;
    return r->second->size == std::to_string(w.raw[o.input_index].size) ? r->second : nullptr;
  };
  std::vector<std::optional<Result<MemberDigest>>> digests(entries.size());
  parallel_for(entries.size(), [&](size_t i) {
    if (entries[i].source != OutputEntry::Source::copy || trusted(entries[i])) return;
    if (auto r = read.find(entries[i].name); r != read.end()) {
      MemberDigest d;
      d.sha = sha256(std::span<const uint8_t>(r->second.data(), r->second.size()));
      d.size = r->second.size();
      digests[i] = std::move(d);
    } else {
      digests[i] = digest_member(*w.fd, w.raw[entries[i].input_index], 0, {}, w.path);
    }
  }, opts.jobs);
  std::string record;
  for (size_t i = 0; i < entries.size(); ++i) {
    const OutputEntry& o = entries[i];
    if (o.source == OutputEntry::Source::bytes) {
      record += record_line(o.name, record_hash(sha256(o.bytes)), std::to_string(o.bytes.size()));
      continue;
    }
    if (const RecordEntry* t = trusted(o)) {
      record += record_line(o.name, t->hash, t->size);
      ++rep.members_trusted;
      continue;
    }
    if (!*digests[i]) return digests[i]->error();
    const MemberDigest& d = **digests[i];
    const std::string hash = record_hash(d.sha), size = std::to_string(d.size);
    auto r = rec.find(o.name);
    if (r != rec.end() && ((r->second->hash.starts_with("sha256=") && r->second->hash != hash) ||
                           record_size_disproved(*r->second, d.size)))
      rep.warnings.push_back(record_mismatch(
          o.name, "it gives " + r->second->hash + "," + r->second->size + ", the content is " + hash + "," + size));
    record += record_line(o.name, hash, size);
  }
  return record + record_line(w.dist_info + "/RECORD", "", "");
}

// Pass: the output members in walk order with a fresh RECORD (record_text).
Result<std::vector<OutputEntry>> output_entries(const Wheel& w, Planned& plan, const std::map<std::string, ByteView>& read,
                                                const RepairOptions& opts, RepairReport& rep) {
  const std::string record_member = w.dist_info + "/RECORD";
  std::vector<OutputEntry> entries;
  std::set<std::string> seen;
  for (auto& m : w.zip.members()) {
    if (m.name == record_member || plan.removed.count(m.name) || m.is_dir) continue;
    if (m.name == w.dist_info + "/RECORD.jws" || m.name == w.dist_info + "/RECORD.p7s") {
      plan.notes.push_back(m.name + ": wheel signature removed (it signed the old RECORD)");
      continue;
    }
    OutputEntry o;
    o.name = m.name, o.mode = m.mode & ~07000u, o.input_index = m.index;
    if (auto it = plan.written.find(m.name); it != plan.written.end())
      o.source = OutputEntry::Source::bytes, o.bytes = std::move(it->second), plan.written.erase(it);
    seen.insert(m.name);
    entries.push_back(std::move(o));
  }
  for (auto& [name, bytes] : plan.written) {
    OutputEntry o;
    o.name = name, o.source = OutputEntry::Source::bytes, o.bytes = std::move(bytes), o.mode = 0100644;
    entries.push_back(std::move(o));
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const OutputEntry& x, const OutputEntry& y) { return walk_order_less(x.name, y.name); });
  FERRY_TRY(record, record_text(w, entries, read, opts, rep));
  OutputEntry r;
  r.name = record_member, r.source = OutputEntry::Source::bytes, r.bytes.assign(record.begin(), record.end());
  entries.push_back(std::move(r));
  return entries;
}

std::string provenance(const Discovery& d, const std::map<std::string, std::string>& names) {
  std::string t = std::string("Version: ferry ") + FERRY_VERSION + "\n";
  for (auto& [n, f] : d.findings)
    if (f.kind == DllKind::vendor || f.kind == DllKind::in_wheel)
      t += "Vendored: " + n + " -> " + (names.count(n) ? names.at(n) : n) + " from " + f.path.value_or("?") + "\n";
  for (auto& [n, f] : d.findings)
    if (f.kind != DllKind::vendor && f.kind != DllKind::in_wheel) t += "Not vendored: " + n + " (" + to_string(f.kind) + ": " + f.why + ")\n";
  return t;
}

// Copies the input to the output unchanged (an already repaired wheel, or nothing to vendor).
Result<RepairReport> copy_unchanged(const std::string& wheel_path, const std::string& out, std::string why) {
  RepairReport rep;
  rep.wheel = wheel_path, rep.output = out, rep.unchanged = true;
  rep.notes.push_back(std::move(why));
  std::error_code ec;
  if (!fs::equivalent(wheel_path, out, ec)) {
    fs::copy_file(wheel_path, out + ".ferry-tmp", fs::copy_options::overwrite_existing, ec);
    if (!ec) fs::rename(out + ".ferry-tmp", out, ec);
    if (ec) return make_error(ErrorCode::io, "cannot copy: " + ec.message()).with_path(out);
  }
  return rep;
}

}  // namespace

Result<RepairReport> repair_windows_wheel(const std::string& wheel_path, const RepairOptions& opts) {
  const WindowsOptions& wo = opts.windows;
  FERRY_TRY(w, open_windows_wheel(wheel_path));
  std::error_code ec;
  fs::create_directories(opts.wheel_dir, ec);
  std::string out = (fs::path(opts.wheel_dir) / fs::path(wheel_path).filename()).string();
  for (auto& m : w.zip.members())
    if (m.name == w.dist_info + "/DELVEWHEEL")
      return copy_unchanged(wheel_path, out, "already repaired (" + m.name + "): copied unchanged");
  FERRY_TRY(d, discover(w, wo, opts.jobs));
  std::vector<std::string> missing;
  for (auto& [n, f] : d.findings)
    if (f.kind == DllKind::missing) missing.push_back(n + " (needed by " + join(f.needed_by, ", ") + ")");
  if (!missing.empty())
    return make_error(ErrorCode::policy, "DLLs not found in the wheel, --add-path or PATH: " + join(missing, "; "))
        .with_path(wheel_path);
  bool any = std::any_of(d.findings.begin(), d.findings.end(), [&](auto& f) { return is_vendored(f.second, wo); });
  if (!any) return copy_unchanged(wheel_path, out, "no DLL to vendor: copied unchanged");
  for (auto& img : d.images)
    if (img->root && img->member.find('/') == std::string::npos)
      return make_error(ErrorCode::unsupported, "top-level extension module " + img->member +
                                                    ": vendoring next to it is not supported").with_path(wheel_path);
  if (fs::equivalent(wheel_path, out, ec))
    return make_error(ErrorCode::usage, "the repaired wheel would replace the input; choose another -w").with_path(wheel_path);

  FERRY_TRY(names, mangle_names(d, wo));
  RepairReport rep;
  rep.wheel = wheel_path, rep.output = out, rep.platform_tags = w.name.platform_tags;
  const std::string libs_dir = w.name.distribution + opts.lib_sdir;
  Planned plan;
  FERRY_CHECK(rewrite_images(d, names, libs_dir, wo, plan, rep));
  add_runtime_patch(w, d, names, wo, libs_dir, plan);
  std::string prov = provenance(d, names);
  plan.written[w.dist_info + "/DELVEWHEEL"] = std::vector<uint8_t>(prov.begin(), prov.end());
  for (auto& [n, f] : d.findings) {
    ExternalLibrary l;
    l.name = n, l.path = f.path, l.needed_by = f.needed_by;
    l.disposition = is_vendored(f, wo) ? Disposition::graft : f.kind == DllKind::python ? Disposition::libpython
                                                                                             : Disposition::excluded;
    if (is_vendored(f, wo)) l.graft_name = names.count(n) ? names.at(n) : d.by_name.at(n)->base_name;
    else rep.notes.push_back(n + ": not vendored (" + f.why + ")");
    rep.libraries.push_back(std::move(l));
  }
  std::map<std::string, ByteView> read;  // members the discovery inflated (and CRC-checked), as they are
  for (auto& img : d.images)
    if (!img->member.empty()) read[img->member] = ByteView(img->bytes.data(), img->bytes.size());
  FERRY_TRY(entries, output_entries(w, plan, read, opts, rep));
  rep.notes.insert(rep.notes.end(), plan.notes.begin(), plan.notes.end());
  rep.notes.insert(rep.notes.end(), d.warnings.begin(), d.warnings.end());
  ZipWriteOptions zo;
  zo.level = opts.zip_level, zo.jobs = opts.jobs, zo.source_date_epoch = opts.source_date_epoch;
  FERRY_CHECK(write_wheel_zip(w.zip, entries, out, zo));
  for (auto& o : entries) (o.source == OutputEntry::Source::copy ? rep.members_copied : rep.members_written)++;
  return rep;
}

}  // namespace ferry::wheel
