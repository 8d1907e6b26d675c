// Edits resolved against one file, before layout: which dynamic entries, Verneeds and .gnu.version values the
// output must have. Semantics follow patchelf 0.14 (option by option), plus the version-table rules of
// elf-rewriting.md: a renamed NEEDED renames its Verneed, a removed one drops it (or is refused while symbols
// bind to it), and a cleared symbol version drops its Vernaux when its last user goes.
#include <elf.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "patch/layout_plan.hpp"

namespace ferry::patch {

bool Edits::empty() const {
  return !set_rpath && add_rpath.empty() && !remove_rpath && !shrink_rpath && allowed_rpath_prefixes.empty() && !interpreter && !soname &&
         replace_needed.empty() && remove_needed.empty() && add_needed.empty() && clear_symbol_version.empty() &&
         !no_default_lib && !exec_stack && !add_debug_tag && !os_abi && rename_dynamic_symbols.empty() &&
         add_strings.empty();
}

Status normalize(const Edits& e) {
  auto usage = [](std::string m) { return make_error(ErrorCode::usage, std::move(m)); };
  if (e.remove_rpath && (e.set_rpath || !e.add_rpath.empty() || e.shrink_rpath))
    return usage("--remove-rpath cannot be combined with --set-rpath, --add-rpath or --shrink-rpath");
  if (e.shrink_rpath && e.set_rpath) return usage("--shrink-rpath cannot be combined with --set-rpath");
  if (!e.allowed_rpath_prefixes.empty() && !e.shrink_rpath)
    return usage("--allowed-rpath-prefixes needs --shrink-rpath");
  if (e.interpreter && e.interpreter->empty()) return usage("--set-interpreter needs a non-empty path");
  if (e.soname && e.soname->empty()) return usage("--set-soname needs a non-empty name");
  std::set<std::string> olds;
  for (const auto& [o, n] : e.replace_needed) {
    if (o.empty() || n.empty()) return usage("--replace-needed needs two non-empty names");
    if (!olds.insert(o).second) return usage("--replace-needed " + o + " is given twice");
  }
  for (const auto& a : e.add_needed) {
    if (a.empty()) return usage("--add-needed needs a non-empty name");
    if (std::find(e.remove_needed.begin(), e.remove_needed.end(), a) != e.remove_needed.end())
      return usage(a + " is both added and removed");
  }
  for (const auto& r : e.remove_needed)
    if (olds.count(r)) return usage(r + " is both replaced and removed");
  for (const auto& s : e.clear_symbol_version)
    if (s.empty()) return usage("--clear-symbol-version needs a symbol name");
  std::set<std::string> renamed;
  for (const auto& [o, n] : e.rename_dynamic_symbols) {
    if (o.empty() || n.empty()) return usage("--rename-dynamic-symbols needs two non-empty names per line");
    if (o.find('@') != std::string::npos || n.find('@') != std::string::npos)
      return usage("--rename-dynamic-symbols: " + o + " " + n + " names a symbol version (@); give plain names");
    if (!renamed.insert(o).second) return usage("--rename-dynamic-symbols: " + o + " is renamed twice");
  }
  return {};
}

namespace {

std::vector<std::string> split_colon(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(':', start);
    out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  return out;
}

std::string join_colon(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ":" : "") + v[i];
  return out;
}

// e_machine of a file, or nullopt when it is not a readable ELF file (gather_facts: the only file reads).
std::optional<uint16_t> file_machine(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char h[20];
  if (!in.read(reinterpret_cast<char*>(h), sizeof h)) return std::nullopt;
  if (std::memcmp(h, ELFMAG, SELFMAG) != 0) return std::nullopt;
  return h[EI_DATA] == ELFDATA2MSB ? uint16_t(h[18] << 8 | h[19]) : uint16_t(h[19] << 8 | h[18]);
}

// patchelf's --shrink-rpath: keep relative entries ($ORIGIN...), drop absolute directories outside the allowed
// prefixes or holding no not-yet-found NEEDED library of the same machine.
std::string shrink(const std::string& rpath, const std::vector<std::string>& needed, uint16_t machine,
                   const std::vector<std::string>& prefixes, const Facts& facts) {
  std::vector<bool> found(needed.size(), false);
  std::vector<std::string> kept;
  for (const auto& dir : split_colon(rpath)) {
    if (dir.empty()) continue;
    if (dir[0] != '/') {
      kept.push_back(dir);
      continue;
    }
    if (!prefixes.empty() &&
        std::none_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) { return dir.starts_with(p); }))
      continue;
    bool any = false;
    for (size_t i = 0; i < needed.size(); ++i) {
      if (found[i]) continue;
      auto m = facts.library_machines.find(dir + "/" + needed[i]);
      if (m != facts.library_machines.end() && m->second == machine) found[i] = any = true;
    }
    if (any) kept.push_back(dir);
  }
  return join_colon(kept);
}

bool is_string_tag(int64_t tag) {
  return tag == DT_NEEDED || tag == DT_SONAME || tag == DT_RPATH || tag == DT_RUNPATH;
}

// The search path being edited: DT_RUNPATH, else DT_RPATH.
std::optional<std::string> current_rpath(const std::vector<TargetEntry>& es) {
  for (auto& x : es)
    if (x.tag == DT_RUNPATH) return x.str;
  for (auto& x : es)
    if (x.tag == DT_RPATH) return x.str;
  return std::nullopt;
}

void apply_rpath(const ElfFile& f, const Edits& e, const Facts& facts, TargetState& t) {
  bool touch = e.set_rpath || !e.add_rpath.empty() || e.shrink_rpath || e.remove_rpath;
  if (!touch) return;
  auto& es = t.entries;
  auto first = std::find_if(es.begin(), es.end(), [](auto& x) { return x.tag == DT_RPATH || x.tag == DT_RUNPATH; });
  const std::optional<std::string> cur = current_rpath(es);
  if (e.remove_rpath) {
    es.erase(std::remove_if(es.begin(), es.end(), [](auto& x) { return x.tag == DT_RPATH || x.tag == DT_RUNPATH; }),
             es.end());
    if (cur) t.notes.push_back("remove-rpath: " + *cur);
    return;
  }
  if (e.shrink_rpath && !e.set_rpath && e.add_rpath.empty() && !cur) return;
  std::string value = e.set_rpath ? *e.set_rpath : cur.value_or("");
  if (e.shrink_rpath) {
    std::vector<std::string> needed;
    for (auto& x : es)
      if (x.tag == DT_NEEDED) needed.push_back(*x.str);
    value = shrink(value, needed, f.e_machine, e.allowed_rpath_prefixes, facts);
  }
  for (const auto& add : e.add_rpath) {
    std::vector<std::string> dirs = value.empty() ? std::vector<std::string>{} : split_colon(value);
    for (const auto& d : split_colon(add))
      if (!d.empty() && std::find(dirs.begin(), dirs.end(), d) == dirs.end()) dirs.push_back(d);
    value = join_colon(dirs);
  }
  int64_t tag = e.force_rpath ? DT_RPATH : DT_RUNPATH;
  t.notes.push_back(std::string(tag == DT_RPATH ? "DT_RPATH" : "DT_RUNPATH") + ": " + (cur ? "[" + *cur + "]" : "none") +
                    " -> [" + value + "]");
  if (first != es.end()) {
    size_t at = static_cast<size_t>(first - es.begin());
    es[at].tag = tag;
    es[at].str = value;
    for (size_t i = es.size(); i-- > at + 1;)
      if (es[i].tag == DT_RPATH || es[i].tag == DT_RUNPATH) es.erase(es.begin() + static_cast<ptrdiff_t>(i));
    return;
  }
  // A new entry goes after the NEEDED/SONAME block, where linkers put it.
  auto pos = es.begin();
  for (auto it = es.begin(); it != es.end(); ++it)
    if (it->tag == DT_NEEDED || it->tag == DT_SONAME) pos = it + 1;
  es.insert(pos, TargetEntry{tag, 0, value});
}

}  // namespace

Facts gather_facts(const ElfFile& f, const Edits& e) {
  Facts facts;
  if (!e.shrink_rpath) return facts;
  std::vector<TargetEntry> entries;
  std::vector<std::string> names(e.add_needed.begin(), e.add_needed.end());
  for (const auto& d : f.dyn) {
    if (!is_string_tag(d.tag)) continue;
    entries.push_back(TargetEntry{d.tag, d.val, f.find_dynstr(d.val)});
    if (d.tag == DT_NEEDED && entries.back().str) names.push_back(*entries.back().str);
  }
  for (const auto& [from, to] : e.replace_needed) names.push_back(to);
  auto cur = current_rpath(entries);
  if (!cur) return facts;
  for (const auto& dir : split_colon(*cur)) {
    if (dir.empty() || dir[0] != '/') continue;
    for (const auto& name : names)
      if (auto m = file_machine(dir + "/" + name)) facts.library_machines[dir + "/" + name] = *m;
  }
  return facts;
}

namespace {

// The file's own dynamic entries (with their strings) and version requirements: the state edits start from.
Result<TargetState> initial_state(const ElfFile& f, const Edits& e) {
  TargetState t;
  bool dynamic_edit = e.set_rpath || !e.add_rpath.empty() || e.remove_rpath || e.shrink_rpath || e.soname ||
                      !e.replace_needed.empty() || !e.remove_needed.empty() || !e.add_needed.empty() ||
                      !e.clear_symbol_version.empty() || e.no_default_lib || e.add_debug_tag ||
                      !e.rename_dynamic_symbols.empty();
  if (dynamic_edit && (!f.has_dynamic || !f.has_dynstr))
    return f.error("the file has no dynamic section (PT_DYNAMIC with DT_STRTAB); it is statically linked",
                   std::nullopt, ErrorCode::unsupported);
  for (const auto& d : f.dyn) {
    TargetEntry x{d.tag, d.val, std::nullopt};
    if (is_string_tag(d.tag)) x.str = f.find_dynstr(d.val);
    t.entries.push_back(x);
  }
  t.verneeds = f.verneeds;
  for (const auto& v : f.verneeds) t.verneed_files.push_back(f.find_dynstr(v.file).value_or(""));
  return t;
}

void replace_needed(const Edits& e, TargetState& t) {
  for (const auto& [from, to] : e.replace_needed) {
    bool hit = false;
    for (auto& x : t.entries)
      if (x.tag == DT_NEEDED && x.str == from) {
        x.str = to;
        hit = true;
      }
    for (auto& file : t.verneed_files)
      if (file == from) {
        file = to;
        t.verneed_changed = true;
      }
    if (hit) t.notes.push_back("replace-needed: " + from + " -> " + to);
  }
}

// .gnu.version: the version index of each dynamic symbol.
// Read as one range (one walk through the planner's layers, not one per symbol: libLLVM has 69,000), or entry
// by entry when the table runs past the end of the file (entries outside it read as 0, as get() gives them).
std::vector<uint16_t> read_versyms(const ElfFile& f) {
  std::vector<uint16_t> versyms;
  if (!f.versym_offset) return versyms;
  const uint64_t n = f.dynsyms.size();
  versyms.reserve(n);
  if (auto table = f.span(*f.versym_offset, 2 * n)) {
    for (uint64_t i = 0; i < n; ++i) versyms.push_back(static_cast<uint16_t>(f.c.get(table->data() + 2 * i, 2)));
    return versyms;
  }
  for (uint64_t i = 0; i < n; ++i) versyms.push_back(static_cast<uint16_t>(f.get(*f.versym_offset + 2 * i, 2)));
  return versyms;
}

size_t version_users(const std::vector<uint16_t>& versyms, uint16_t idx) {
  size_t n = 0;
  for (size_t i = 1; i < versyms.size(); ++i)
    if ((versyms[i] & 0x7fff) == idx) ++n;
  return n;
}

// --clear-symbol-version: each named symbol becomes global (versym 1); returns the version indices cleared.
Result<std::set<uint16_t>> clear_symbol_versions(const ElfFile& f, const Edits& e, std::vector<uint16_t>& versyms,
                                                 TargetState& t) {
  std::set<uint16_t> cleared;
  for (const auto& name : e.clear_symbol_version) {
    bool hit = false;
    for (uint64_t i = 1; i < versyms.size(); ++i) {
      if (f.find_dynstr(f.dynsyms[i].name) != name) continue;
      hit = true;
      uint16_t idx = versyms[i] & 0x7fff;
      if (idx <= 1) continue;
      cleared.insert(idx);
      versyms[i] = 1;
      t.versym_writes.push_back({i, 1});
    }
    if (!f.versym_offset) return f.error("--clear-symbol-version " + name + ": the file has no .gnu.version table", std::nullopt, ErrorCode::not_found);
    if (!hit) return f.error("--clear-symbol-version: no dynamic symbol named " + name, std::nullopt, ErrorCode::not_found);
    t.notes.push_back("clear-symbol-version: " + name);
  }
  return cleared;
}

// Drops Vernaux entries whose last user was cleared, then Verneeds left empty.
void drop_unused_versions(const std::set<uint16_t>& cleared, const std::vector<uint16_t>& versyms, TargetState& t) {
  for (size_t i = 0; i < t.verneeds.size(); ++i) {
    auto& aux = t.verneeds[i].aux;
    size_t before = aux.size();
    aux.erase(std::remove_if(aux.begin(), aux.end(),
                             [&](const Vernaux& a) { return cleared.count(a.other) && version_users(versyms, a.other) == 0; }),
              aux.end());
    if (aux.size() != before) t.verneed_changed = true;
  }
  for (size_t i = t.verneeds.size(); i-- > 0;)
    if (t.verneeds[i].aux.empty()) {
      t.verneeds.erase(t.verneeds.begin() + static_cast<ptrdiff_t>(i));
      t.verneed_files.erase(t.verneed_files.begin() + static_cast<ptrdiff_t>(i));
    }
}

// A NEEDED whose versions dynamic symbols still bind to cannot go: the error names one such symbol.
Status check_unbound(const ElfFile& f, const std::string& name, const Verneed& v, const std::vector<uint16_t>& versyms) {
  for (const auto& a : v.aux) {
    size_t n = version_users(versyms, a.other);
    if (n == 0) continue;
    std::string sym;
    for (size_t s = 1; s < versyms.size(); ++s)
      if ((versyms[s] & 0x7fff) == a.other) {
        sym = f.find_dynstr(f.dynsyms[s].name).value_or("?");
        break;
      }
    return f.error("cannot remove NEEDED " + name + ": " + std::to_string(n) + " dynamic symbol(s) still bind to its version " +
                       f.find_dynstr(a.name).value_or("?") + " (e.g. " + sym + "); clear their versions first",
                   std::nullopt, ErrorCode::usage);
  }
  return {};
}

Status remove_needed(const ElfFile& f, const Edits& e, const std::vector<uint16_t>& versyms, TargetState& t) {
  auto& es = t.entries;
  for (const auto& name : e.remove_needed) {
    size_t before = es.size();
    es.erase(std::remove_if(es.begin(), es.end(), [&](auto& x) { return x.tag == DT_NEEDED && x.str == name; }),
             es.end());
    if (es.size() != before) t.notes.push_back("remove-needed: " + name);
    for (size_t i = t.verneeds.size(); i-- > 0;) {
      if (t.verneed_files[i] != name) continue;
      FERRY_CHECK(check_unbound(f, name, t.verneeds[i], versyms));
      t.verneeds.erase(t.verneeds.begin() + static_cast<ptrdiff_t>(i));
      t.verneed_files.erase(t.verneed_files.begin() + static_cast<ptrdiff_t>(i));
      t.verneed_changed = true;
      t.notes.push_back("remove-needed: dropped the Verneed of " + name);
    }
  }
  return {};
}

// patchelf puts added NEEDED entries first, in the order given.
void add_needed(const Edits& e, TargetState& t) {
  auto& es = t.entries;
  std::vector<TargetEntry> added;
  for (const auto& name : e.add_needed) {
    bool present = std::any_of(es.begin(), es.end(), [&](auto& x) { return x.tag == DT_NEEDED && x.str == name; }) ||
                   std::any_of(added.begin(), added.end(), [&](auto& x) { return x.str == name; });
    if (present) continue;
    added.push_back(TargetEntry{DT_NEEDED, 0, name});
    t.notes.push_back("add-needed: " + name);
  }
  es.insert(es.begin(), added.begin(), added.end());
}

void set_soname(const Edits& e, TargetState& t) {
  if (!e.soname) return;
  auto& es = t.entries;
  auto it = std::find_if(es.begin(), es.end(), [](auto& x) { return x.tag == DT_SONAME; });
  if (it != es.end()) {
    if (it->str != e.soname) t.notes.push_back("set-soname: " + it->str.value_or("") + " -> " + *e.soname);
    it->str = *e.soname;
    return;
  }
  auto pos = es.begin();
  for (auto j = es.begin(); j != es.end(); ++j)
    if (j->tag == DT_NEEDED) pos = j + 1;
  es.insert(pos, TargetEntry{DT_SONAME, 0, *e.soname});
  t.notes.push_back("set-soname: (none) -> " + *e.soname);
}

// DF_1_NODEFLIB, DT_DEBUG (the loader stores its r_debug address there for debuggers) and EI_OSABI.
void set_flags(const ElfFile& f, const Edits& e, TargetState& t) {
  auto& es = t.entries;
  if (e.no_default_lib) {
    auto it = std::find_if(es.begin(), es.end(), [](auto& x) { return x.tag == DT_FLAGS_1; });
    if (it == es.end()) {
      es.push_back(TargetEntry{DT_FLAGS_1, DF_1_NODEFLIB, std::nullopt});
      t.notes.push_back("no-default-lib: DT_FLAGS_1 added");
    } else if (!(it->val & DF_1_NODEFLIB)) {
      it->val |= DF_1_NODEFLIB;
      t.notes.push_back("no-default-lib: DF_1_NODEFLIB set");
    }
  }
  if (e.add_debug_tag && std::none_of(es.begin(), es.end(), [](auto& x) { return x.tag == DT_DEBUG; })) {
    es.push_back(TargetEntry{DT_DEBUG, 0, std::nullopt});
    t.notes.push_back("add-debug-tag: DT_DEBUG added");
  }
  if (e.os_abi && *e.os_abi != f.os_abi) {
    t.os_abi = e.os_abi;
    t.notes.push_back("set-os-abi: " + os_abi_name(f.os_abi) + " -> " + os_abi_name(*e.os_abi));
  }
}

// Version table tags follow the Verneed count; none left means no DT_VERNEED at all (glibc walks the chain
// without looking at DT_VERNEEDNUM).
void sync_version_tags(TargetState& t) {
  if (!t.verneed_changed) return;
  auto& es = t.entries;
  if (t.verneeds.empty()) {
    es.erase(std::remove_if(es.begin(), es.end(), [](auto& x) { return x.tag == DT_VERNEED || x.tag == DT_VERNEEDNUM; }),
             es.end());
    return;
  }
  for (auto& x : es)
    if (x.tag == DT_VERNEEDNUM) x.val = t.verneeds.size();
}

Status set_interpreter(const ElfFile& f, const Edits& e, TargetState& t) {
  if (!e.interpreter) return {};
  if (!f.interp_phdr)
    return f.error("--set-interpreter: the file has no PT_INTERP (it is a shared library or static)", std::nullopt,
                   ErrorCode::unsupported);
  t.interpreter = *e.interpreter;
  if (f.interpreter() != *e.interpreter)
    t.notes.push_back("set-interpreter: " + f.interpreter().value_or("") + " -> " + *e.interpreter);
  return {};
}

}  // namespace

// The edits in patchelf's order: replace, clear versions, remove, add NEEDED; soname; search path; flags;
// renamed symbols; version tags; interpreter; stack.
Result<TargetState> resolve_edits(const ElfFile& f, const Edits& e, const Facts& facts) {
  FERRY_TRY(t, initial_state(f, e));
  replace_needed(e, t);
  std::vector<uint16_t> versyms = read_versyms(f);
  FERRY_TRY(cleared, clear_symbol_versions(f, e, versyms, t));
  drop_unused_versions(cleared, versyms, t);
  FERRY_CHECK(remove_needed(f, e, versyms, t));
  add_needed(e, t);
  set_soname(e, t);
  apply_rpath(f, e, facts, t);
  set_flags(f, e, t);
  FERRY_CHECK(resolve_renames(f, e, t));
  sync_version_tags(t);
  FERRY_CHECK(set_interpreter(f, e, t));
  if (e.exec_stack) t.exec_stack = e.exec_stack;  // plan() adds PT_GNU_STACK when the file has none
  return t;
}

}  // namespace ferry::patch
