// Plans a bundle: the closure of every executable from lib/resolve (the loader's own rules, one resolver for the
// whole project), the layout described in bundle.hpp, and the edits ferry makes with its own ELF writer
// (lib/patch): programs get a reserved PT_INTERP, DT_RPATH $ORIGIN/../lib (inherited by every library and
// dlopen, unlike DT_RUNPATH) and DF_1_NODEFLIB; libraries with a search path get $ORIGIN; the loader and libc
// get the same-length seals of seal.cpp. See docs/bundles.md.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string_view>

#include "bundle/bundle.hpp"
#include "bundle/bundle_internal.hpp"
#include "elf/elf_info.hpp"
#include "patch/patch.hpp"
#include "resolve/resolve.hpp"
#include "support/file.hpp"
#include "support/hash.hpp"
#include "support/text.hpp"

namespace fs = std::filesystem;

namespace ferry::bundle {

const char* to_string(Role r) {
  switch (r) {
    case Role::launcher: return "launcher";
    case Role::program: return "program";
    case Role::library: return "library";
    case Role::loader: return "loader";
    case Role::data: return "data";
    case Role::added: return "added";
    case Role::manifest: return "manifest";
  }
  return "?";
}

uint64_t BundlePlan::total_size() const {
  uint64_t n = 0;
  for (const auto& f : files)
    if (f.link_to.empty() && f.symlink.empty()) n += f.size;
  return n;
}

namespace {

enum class EditKind { none, program, library_rpath, loader, libc, interpreter };

struct Pending {
  BundleFile file;
  EditKind edit = EditKind::none;
  bool fix_rpath = false;           // EditKind::interpreter: its search path also needs $ORIGIN
  bool rename_python_home = false;  // EditKind::interpreter: libpython
  std::vector<std::string> sealed;  // EditKind::interpreter: compiled-in paths renamed away
};

// A host file copied into the bundle at `path`, with the given role and mode.
Pending copied(std::string path, Role role, std::string origin, uint32_t mode) {
  Pending p;
  p.file.path = std::move(path);
  p.file.role = role;
  p.file.origin = std::move(origin);
  p.file.mode = mode;
  return p;
}

// A data file from the host keeps its executable bit.
Pending copied_data(std::string path, const std::string& origin) {
  return copied(std::move(path), Role::data, origin, ::access(origin.c_str(), X_OK) == 0 ? 0755 : 0644);
}

// A file ferry writes (markers, the launcher's lists).
Pending generated(std::string path, std::string_view text) {
  Pending p;
  p.file.path = std::move(path);
  p.file.role = Role::data;
  p.file.content = std::vector<uint8_t>(text.begin(), text.end());
  return p;
}

std::string real_or_same(const std::string& p) {
  std::error_code ec;
  auto r = fs::canonical(p, ec);
  return ec ? p : r.string();
}

// /usr/lib/python3.11/os.py -> lib/python3.11/os.py; /opt/x/y -> opt/x/y (a bundle is a prefix).
std::string prefix_relative(const std::string& path) {
  std::string p = resolve::normalize_path(path);
  if (p.starts_with("/usr/")) return p.substr(5);
  while (!p.empty() && p[0] == '/') p.erase(0, 1);
  return p;
}


// True when every search-path entry is $ORIGIN-relative, stays inside the bundle for a library stored in lib/,
// and one of them is lib/ itself ($ORIGIN, $ORIGIN/../lib): such a library finds its dependencies in the store
// in every mode, so it needs no edit (libLLVM and libclang-cpp are 100+ MB). A DT_RUNPATH elsewhere would hide
// the store from its dependencies once installed (no --library-path then), so that one is rewritten.
bool origin_paths_stay_inside(const std::vector<std::string>& entries) {
  bool names_store = entries.empty();
  for (const auto& e : entries) {
    std::string rest;
    if (e.starts_with("$ORIGIN")) rest = e.substr(7);
    else if (e.starts_with("${ORIGIN}")) rest = e.substr(9);
    else return false;
    if (!rest.empty() && rest[0] != '/') return false;
    std::vector<std::string> at{"lib"};  // components below the bundle root
    for (const auto& part : split_path(rest)) {
      if (part == "..") {
        if (at.empty()) return false;
        at.pop_back();
      } else if (!part.empty() && part != ".") {
        at.push_back(part);
      }
    }
    if (at == std::vector<std::string>{"lib"}) names_store = true;
  }
  return names_store;
}

std::string interp_placeholder(const std::string& loader_name) {
  std::string head = "/ferry-bundle-not-installed";
  std::string tail = "/ld/" + loader_name;
  std::string s = head;
  while (s.size() + tail.size() < kReservedInterpLength) s += '/';
  return s + tail;
}

class Planner {
public:
  explicit Planner(const BundleOptions& o) : opts_(o), resolver_(make_options(o)) {}

  Result<BundlePlan> run();

private:
  static resolve::ResolveOptions make_options(const BundleOptions& o) {
    resolve::ResolveOptions ro;
    ro.sysroot = o.sysroot;
    ro.ld_library_path = o.ld_library_path;
    return ro;
  }
  std::string host(const std::string& path) const {  // path inside the sysroot -> path ferry reads
    if (opts_.sysroot.empty() || opts_.sysroot == "/") return path;
    return opts_.sysroot + path;
  }
  bool allowed_host(const std::string& name, const std::string& path) const {
    for (const auto& a : opts_.allow_host)
      if (a == name || a == path || a == resolve::basename_of(path)) return true;
    return false;
  }
  Status add_file(Pending p);
  Status add_tree(const resolve::DependencyTree& tree, const std::string& optional_for = "");
  Status add_interpreters();
  Status add_interpreter_tree(const InterpreterFiles& interp, const InterpreterFiles::Tree& tree);
  Status add_library(const std::string& name, const std::string& path);
  Status add_program(const std::string& exe);
  Status add_detected(const std::string& path);
  Status add_data_dir(const std::string& source, const std::string& dest);
  Status apply_edits();
  // The steps of run() after the programs' trees, in order.
  void add_allowed_host_dirs();
  Status add_glibc_data();
  Status add_user_files();
  Status fail_on_missing();
  Status add_launcher_files();
  void link_duplicates();
  void add_manifest();

  const BundleOptions& opts_;
  resolve::Resolver resolver_;
  BundlePlan plan_;
  std::map<std::string, Pending> files_;         // by bundle path
  std::set<std::string> bundled_reals_;          // real host paths already bundled as libraries/programs
  std::string loader_name_, loader_origin_;
  std::set<std::string> host_dirs_;
  std::set<std::string> missing_;
  std::map<std::string, std::string> interpreter_trees_;  // source dir bundled whole -> its place in the bundle
  std::set<std::string> home_variables_;     // set by the launcher to the bundle root (.ferry/env)
  std::map<std::string, std::optional<InterpreterFiles>> interpreter_libs_;  // by origin
};

Status Planner::add_file(Pending p) {
  auto it = files_.find(p.file.path);
  if (it != files_.end()) {
    const std::string& a = it->second.file.origin;
    const std::string& b = p.file.origin;
    auto ha = a.empty() ? Result<Sha256>(Sha256{}) : sha256_file(a);
    auto hb = b.empty() ? Result<Sha256>(Sha256{}) : sha256_file(b);
    bool same = real_or_same(a) == real_or_same(b) || (ha && hb && ha.value() == hb.value());
    if (!same)
      plan_.warnings.push_back(p.file.path + ": both " + it->second.file.origin + " and " + p.file.origin +
                               " want this name; keeping the first");
    return {};
  }
  files_.emplace(p.file.path, std::move(p));
  return {};
}

Status Planner::add_library(const std::string& name, const std::string& path) {
  std::string base = resolve::basename_of(name);
  if (base == loader_name_ || (!loader_origin_.empty() && real_or_same(host(path)) == loader_origin_)) return {};
  if (allowed_host(base, path)) {
    host_dirs_.insert(resolve::dirname_of(path));
    return {};
  }
  std::string origin = real_or_same(host(path));
  Pending p = copied("lib/" + base, Role::library, origin, 0755);
  if (base == "libc.so.6") p.edit = EditKind::libc;
  auto info = elf::read_elf_file(origin, elf::ReadOptions{false});
  if (!info) return info.error();
  bool inside = origin_paths_stay_inside(info->rpath_entries) && origin_paths_stay_inside(info->runpath_entries);
  if ((info->rpath || info->runpath) && !inside)
    p.edit = p.edit == EditKind::libc ? EditKind::libc : EditKind::library_rpath;
  bundled_reals_.insert(origin);
  // A library whose soname differs from the name it was asked by (a symlink name): both names, one content.
  if (info->soname && *info->soname != base) {
    Pending alias = p;
    alias.file.path = "lib/" + *info->soname;
    FERRY_CHECK(add_file(std::move(alias)));
  }
  return add_file(std::move(p));
}

// `optional_for`: the tree is of a module an interpreter may never load (a Python extension in lib-dynload); a
// library missing for it is a warning, not a failed bundle.
Status Planner::add_tree(const resolve::DependencyTree& tree, const std::string& optional_for) {
  for (size_t i = 1; i < tree.load_order.size(); ++i) {
    const auto& e = tree.load_order[i];
    if (e.rule == resolve::Rule::interpreter) continue;
    FERRY_CHECK(add_library(e.name, e.path));
  }
  for (const auto& m : tree.missing) {
    if (allowed_host(m, m)) continue;
    if (optional_for.empty()) missing_.insert(m);
    else plan_.warnings.push_back(optional_for + " needs " + m + ", not found here: it will not load in the bundle");
  }
  return {};
}

Status Planner::add_interpreter_tree(const InterpreterFiles& interp, const InterpreterFiles::Tree& tree) {
  if (!interpreter_trees_.emplace(tree.source, tree.dest).second) return {};
  auto skipped = [&](const std::string& rel) {
    auto parts = split_path(rel);
    parts.pop_back();  // the last component is the file itself
    for (const auto& part : parts) {
      if (std::find(interp.skip.begin(), interp.skip.end(), part) != interp.skip.end()) return true;
      for (const auto& prefix : interp.skip_prefixes)
        if (part.starts_with(prefix)) return true;
    }
    return false;
  };
  auto walk = walk_paths({tree.source});
  for (const auto& f : walk.files) {
    std::string rel = f.substr(tree.source.size());
    while (!rel.empty() && rel[0] == '/') rel.erase(0, 1);
    if (rel.empty() || skipped(rel)) continue;
    std::string real = real_or_same(f);
    FERRY_CHECK(add_file(copied_data(tree.dest + "/" + rel, real)));
    // Extension modules stay in their tree (the interpreter dlopens them by path); their libraries join the store.
    if (sniff_file(real) == FileKind::elf) {
      auto tree_r = resolver_.resolve(real);
      if (tree_r) FERRY_CHECK(add_tree(tree_r.value(), tree.dest + "/" + rel));
    }
  }
  return {};
}

// Every interpreter library in the store brings the files it reads at run time (see InterpreterFiles).
Status Planner::add_interpreters() {
  auto& by_origin = interpreter_libs_;  // one look-up per file, for every name of it
  for (auto& [path, lib] : files_) {
    if (lib.file.role != Role::library) continue;
    auto [it, first] = by_origin.try_emplace(lib.file.origin);
    if (first) it->second = find_interpreter_files(resolve::basename_of(path), lib.file.origin, opts_.sysroot);
    const auto& interp = it->second;
    if (!interp || interp->trees.empty()) {
      if (first && interp && !interp->warning.empty()) plan_.warnings.push_back(interp->warning);
      continue;
    }
    if (lib.edit != EditKind::libc) {
      lib.fix_rpath = lib.edit == EditKind::library_rpath;
      lib.edit = EditKind::interpreter;
      lib.rename_python_home = !interp->home_variable.empty();
      lib.sealed = interp->sealed_strings;
    }
  }
  for (const auto& [origin, interp] : by_origin) {
    if (!interp || interp->trees.empty()) continue;
    if (!interp->home_variable.empty()) home_variables_.insert(interp->home_variable);
    for (const auto& tree : interp->trees) FERRY_CHECK(add_interpreter_tree(*interp, tree));
  }
  return {};
}

Status Planner::add_program(const std::string& exe) {
  std::string name = resolve::basename_of(exe);
  for (const auto& [from, to] : opts_.renames)
    if (from == name || from == exe) name = to;
  if (name.empty() || name == "ferry-launcher" || name.find('/') != std::string::npos)
    return make_error(ErrorCode::usage, "\"" + name + "\" cannot be a program name in a bundle").with_path(exe);
  for (const auto& p : plan_.programs)
    if (p.name == name)
      return make_error(ErrorCode::usage, "two programs named \"" + name + "\"; use --rename OLD=NEW").with_path(exe);
  auto tree_r = resolver_.resolve(exe);
  if (!tree_r) return tree_r.error();
  const auto& tree = tree_r.value();
  const elf::ElfInfo* info = tree.root.elf();
  if (!info) return make_error(ErrorCode::unsupported, "not an ELF executable").with_path(exe);
  if (!info->interpreter)
    return make_error(ErrorCode::unsupported, "has no PT_INTERP (a static program needs no bundle)").with_path(exe);
  std::string interp_host = real_or_same(host(*info->interpreter));
  std::string lname = resolve::basename_of(*info->interpreter);
  if (loader_origin_.empty()) {
    loader_origin_ = interp_host;
    loader_name_ = lname;
    Pending ld = copied("ld/" + lname, Role::loader, interp_host, 0755);
    ld.edit = EditKind::loader;
    FERRY_CHECK(add_file(std::move(ld)));
    // glibc < 2.33 loaders have no --argv0: tell the launcher (argv[0] is then the program's path).
    FERRY_TRY(bytes, read_file(interp_host));
    static const std::string kArgv0 = "--argv0";
    if (std::search(bytes.begin(), bytes.end(), kArgv0.begin(), kArgv0.end()) == bytes.end()) {
      FERRY_CHECK(add_file(generated(".ferry/no-argv0", "")));
      plan_.warnings.push_back("the loader " + interp_host + " is older than glibc 2.33 (no --argv0): through the "
                               "launcher, programs see their bundle path as argv[0]; install the bundle for the real one");
    }
  } else if (loader_origin_ != interp_host) {
    return make_error(ErrorCode::unsupported, "uses loader " + *info->interpreter + ", another program uses " +
                                                  loader_origin_ + "; one bundle has one loader").with_path(exe);
  }
  std::string origin = real_or_same(exe);
  plan_.programs.push_back({name, exe});
  bundled_reals_.insert(origin);
  Pending p = copied("libexec/" + name, Role::program, origin, 0755);
  p.edit = EditKind::program;
  FERRY_CHECK(add_file(std::move(p)));
  Pending launcher;
  launcher.file.path = "bin/" + name;
  launcher.file.role = Role::launcher;
  launcher.file.link_to = ".ferry/ferry-launcher";
  launcher.file.mode = 0755;
  FERRY_CHECK(add_file(std::move(launcher)));
  return add_tree(tree);
}

Status Planner::add_data_dir(const std::string& source, const std::string& dest) {
  auto walk = walk_paths({source});
  for (const auto& f : walk.files) {
    std::string rel = f.substr(source.size());
    while (!rel.empty() && rel[0] == '/') rel.erase(0, 1);
    FERRY_CHECK(add_file(copied_data(rel.empty() ? dest : dest + "/" + rel, f)));
  }
  return {};
}

Status Planner::add_detected(const std::string& path) {
  for (const char* skip : {"/proc/", "/sys/", "/dev/"})
    if (path.starts_with(skip)) return {};
  std::error_code ec;
  std::string real = real_or_same(path);
  if (bundled_reals_.count(real) || real == loader_origin_) return {};
  if (!fs::is_regular_file(real, ec)) return {};
  // Under an interpreter's tree (bundled already, minus what is left out on purpose): a byte-code cache stays
  // out (stale once copied), anything else the run used (a site-packages module) goes to the tree's place.
  for (const auto& [source, dest] : interpreter_trees_) {
    if (!path.starts_with(source + "/")) continue;
    std::string rel = path.substr(source.size() + 1);
    size_t cache = path.rfind("/__pycache__/");
    if (cache != std::string::npos) {  // the module's source instead (see the end of this function)
      std::string module = path.substr(cache + 13);
      std::string py = path.substr(0, cache) + "/" + module.substr(0, module.find('.')) + ".py";
      return fs::is_regular_file(py, ec) ? add_detected(py) : Status{};
    }
    if (files_.count(dest + "/" + rel)) return {};
    FERRY_CHECK(add_file(copied_data(dest + "/" + rel, real)));
    if (sniff_file(real) == FileKind::elf) {
      auto tree = resolver_.resolve(real);
      if (tree) FERRY_CHECK(add_tree(tree.value(), dest + "/" + rel));
    }
    return {};
  }
  // Host configuration, caches and scratch files, and the command's own inputs (its working directory), stay
  // behind as data; libraries are taken from anywhere.
  bool skip_data = false;
  for (const char* skip : {"/etc/", "/run/", "/tmp/", "/var/"})
    if (path.starts_with(skip)) skip_data = true;
  std::string cwd = fs::current_path(ec).string();
  if (!cwd.empty() && cwd != "/" && path.starts_with(cwd + "/")) skip_data = true;
  if (sniff_file(real) == FileKind::elf) {
    auto info = elf::read_elf_file(real, elf::ReadOptions{false});
    if (info && info->kind == elf::Kind::shared_object && !info->interpreter) {
      // A dlopen'ed library (plugin, NSS or gconv module): into the store unless it lives in a data dir.
      bool in_gconv = path.find("/gconv/") != std::string::npos;
      if (!in_gconv && path.find("/python3") == std::string::npos) {
        FERRY_CHECK(add_library(resolve::basename_of(path), path));
        auto tree = resolver_.resolve(real);
        if (tree) FERRY_CHECK(add_tree(tree.value()));
        return {};
      }
      auto tree = resolver_.resolve(real);
      if (tree) FERRY_CHECK(add_tree(tree.value()));
    }
  }
  if (skip_data) return {};
  std::string dest;
  size_t g = path.find("/gconv/");
  if (g != std::string::npos) dest = "data/gconv/" + path.substr(g + 7);
  else if (path.starts_with("/usr/lib/locale/") && path.find("locale-archive") == std::string::npos)
    dest = "data/locale/" + path.substr(16);
  else if (path.find("locale-archive") != std::string::npos) return {};
  else dest = prefix_relative(path);
  FERRY_CHECK(add_file(copied_data(std::move(dest), real)));
  // Python opens DIR/__pycache__/M.cpython-311.pyc but only stat()s DIR/M.py, and ignores the cached file when
  // the source is missing: bring the source along.
  size_t cache = path.rfind("/__pycache__/");
  if (cache != std::string::npos && path.size() > 4 && path.compare(path.size() - 4, 4, ".pyc") == 0) {
    std::string module = path.substr(cache + 13);
    module = module.substr(0, module.find('.'));
    std::string source = path.substr(0, cache) + "/" + module + ".py";
    if (fs::is_regular_file(source, ec)) return add_detected(source);
  }
  return {};
}

Status Planner::apply_edits() {
  std::vector<Pending*> work;
  for (auto& [path, p] : files_) work.push_back(&p);
  std::vector<std::optional<Error>> errors(work.size());
  std::string rpath = "$ORIGIN/../lib";
  for (const auto& d : host_dirs_) rpath += ":" + d;
  std::string interp = interp_placeholder(loader_name_);
  parallel_for(work.size(), [&](size_t i) {
    BundleFile& f = work[i]->file;
    if (!f.link_to.empty() || !f.symlink.empty()) return;
    if (f.content) {  // generated
      f.sha256 = to_hex(sha256(*f.content));
      f.size = f.content->size();
      return;
    }
    if (work[i]->edit == EditKind::none) {
      auto h = sha256_file(f.origin);
      if (!h) { errors[i] = h.error(); return; }
      f.sha256 = f.origin_sha256 = to_hex(h.value());
      struct stat st{};
      if (::stat(f.origin.c_str(), &st) != 0) { errors[i] = make_error(ErrorCode::io, "cannot stat").with_path(f.origin); return; }
      f.size = static_cast<uint64_t>(st.st_size);
      return;
    }
    auto bytes = read_file(f.origin);
    if (!bytes) { errors[i] = bytes.error(); return; }
    f.origin_sha256 = to_hex(sha256(bytes.value()));
    std::vector<uint8_t> out;
    patch::Edits e;
    switch (work[i]->edit) {
      case EditKind::program:
        e.interpreter = interp;
        e.set_rpath = rpath;
        e.force_rpath = true;
        e.no_default_lib = true;
        f.edits = {"PT_INTERP reserved (" + std::to_string(kReservedInterpLength) + " bytes) for the install step",
                   "DT_RPATH " + rpath, "DF_1_NODEFLIB"};
        break;
      case EditKind::library_rpath:
        e.set_rpath = "$ORIGIN";
        f.edits = {"search path $ORIGIN"};
        break;
      case EditKind::loader: {
        out = std::move(bytes.value());
        auto st = seal_loader(out, f.origin, &f.edits);
        if (!st) { errors[i] = st.error(); return; }
        break;
      }
      case EditKind::interpreter:
      case EditKind::libc: {
        out = std::move(bytes.value());
        if (work[i]->edit == EditKind::libc) {
          auto st = rename_libc_environment(out, f.origin, &f.edits);
          if (!st) { errors[i] = st.error(); return; }
        } else {
          if (work[i]->rename_python_home) {
            auto r = rename_python_home(out, f.origin, &f.edits);
            if (!r) { errors[i] = r.error(); return; }
          }
          auto st = seal_strings(out, work[i]->sealed, f.origin, &f.edits);
          if (!st) { errors[i] = st.error(); return; }
        }
        auto info = elf::read_elf(ByteView(out.data(), out.size()), f.origin, elf::ReadOptions{false});
        bool fix = work[i]->edit == EditKind::libc || work[i]->fix_rpath;
        if (fix && info && (info->rpath || info->runpath)) {
          patch::Edits le;
          le.set_rpath = "$ORIGIN";
          auto r = patch::patch_image(ByteView(out.data(), out.size()), le, f.origin);
          if (!r) { errors[i] = r.error(); return; }
          out = std::move(r.value());
          f.edits.push_back("search path $ORIGIN");
        }
        break;
      }
      case EditKind::none: break;
    }
    if (!e.empty()) {
      auto r = patch::patch_image(ByteView(bytes->data(), bytes->size()), e, f.origin);
      if (!r) { errors[i] = r.error(); return; }
      out = std::move(r.value());
    }
    f.sha256 = to_hex(sha256(out));
    f.size = out.size();
    f.content = std::move(out);
  }, opts_.jobs);
  for (auto& e : errors)
    if (e) return *e;
  return {};
}

Result<BundlePlan> Planner::run() {
  if (opts_.executables.empty()) return make_error(ErrorCode::usage, "no executable to bundle");
  if (opts_.launcher.empty()) return make_error(ErrorCode::usage, "no launcher program given to the bundler");
  for (const auto& exe : opts_.executables) FERRY_CHECK(add_program(exe));
  FERRY_CHECK(add_interpreters());
  for (const auto& d : opts_.detected) FERRY_CHECK(add_detected(d));
  FERRY_CHECK(add_interpreters());  // a dlopen'ed interpreter library the run found
  add_allowed_host_dirs();
  FERRY_CHECK(add_glibc_data());
  FERRY_CHECK(add_user_files());
  FERRY_CHECK(fail_on_missing());
  FERRY_CHECK(add_launcher_files());
  FERRY_CHECK(apply_edits());
  for (auto& [path, p] : files_) plan_.files.push_back(std::move(p.file));
  link_duplicates();
  plan_.host_dirs.assign(host_dirs_.begin(), host_dirs_.end());
  add_manifest();
  std::sort(plan_.files.begin(), plan_.files.end(), [](const BundleFile& a, const BundleFile& b) { return a.path < b.path; });
  return std::move(plan_);
}

// --allow-host names no program needs directly (a dlopen'ed driver): their directory on this machine.
void Planner::add_allowed_host_dirs() {
  for (const auto& a : opts_.allow_host) {
    if (a.find('/') != std::string::npos) {
      host_dirs_.insert(resolve::dirname_of(a));
      continue;
    }
    std::optional<std::string> found;
    std::error_code ec;  // a place that cannot be read counts as not holding the library
    if (const auto* cache = resolver_.cache())
      if (auto flags = resolve::LdCache::default_flags(elf::em::x86_64, 64))
        found = cache->lookup(a, *flags, resolver_.options().profile.hwcaps_levels);
    for (const auto& dir : resolver_.options().profile.default_dirs)
      if (!found && fs::exists(host(resolve::join_path(dir, a)), ec)) found = resolve::join_path(dir, a);
    if (found) host_dirs_.insert(resolve::dirname_of(*found));
    else plan_.warnings.push_back("--allow-host " + a + ": not found on this machine; no directory added");
  }
}

// --glibc-data: the gconv modules next to the bundled libc (its own architecture), else the usual places, and
// the C.UTF-8 locale.
Status Planner::add_glibc_data() {
  if (!opts_.glibc_data || !files_.count("lib/libc.so.6")) return {};
  std::string beside = resolve::dirname_of(files_["lib/libc.so.6"].file.origin) + "/gconv";
  std::error_code ec;  // a directory that cannot be read counts as absent
  for (const std::string& dir : {beside, host("/usr/lib/x86_64-linux-gnu/gconv"), host("/usr/lib64/gconv")})
    if (fs::is_directory(dir, ec)) {
      FERRY_CHECK(add_data_dir(dir, "data/gconv"));
      break;
    }
  for (const char* loc : {"/usr/lib/locale/C.utf8", "/usr/lib/locale/C.UTF-8"})
    if (fs::is_directory(host(loc), ec)) FERRY_CHECK(add_data_dir(host(loc), std::string("data/locale/") + (loc + 16)));
  return {};
}

// --add SOURCE[:DEST]: files and trees copied as they are, at a checked place inside the bundle.
Status Planner::add_user_files() {
  for (const auto& a : opts_.adds) {
    std::error_code ec;
    if (!fs::exists(a.source, ec)) return make_error(ErrorCode::not_found, "--add: no such file or directory").with_path(a.source);
    std::string dest = a.dest.empty() ? prefix_relative(fs::absolute(a.source, ec).string()) : a.dest;
    while (!dest.empty() && dest.back() == '/') dest.pop_back();
    while (!dest.empty() && dest[0] == '/') dest.erase(0, 1);
    if (dest.empty() || dest.find("..") != std::string::npos || dest.starts_with(".ferry") || dest == "manifest.json")
      return make_error(ErrorCode::usage, "--add: \"" + dest + "\" is not a usable place in the bundle").with_path(a.source);
    FERRY_CHECK(add_data_dir(a.source, dest));
    for (auto& [path, p] : files_)
      if (p.file.role == Role::data && path.starts_with(dest) && p.file.origin.starts_with(a.source)) p.file.role = Role::added;
  }
  return {};
}

Status Planner::fail_on_missing() {
  if (missing_.empty()) return {};
  plan_.missing.assign(missing_.begin(), missing_.end());
  std::string list;
  for (const auto& m : plan_.missing) list += (list.empty() ? "" : ", ") + m;
  return make_error(ErrorCode::not_found, "libraries not found: " + list + " (see `ferry deps`; --allow-host NAME to take them from the target)");
}

// The launcher, and the files it reads: .ferry/host-path (directories taken from the target machine) and
// .ferry/env (NAME=PATH lines, PATH relative to the bundle root: the launcher sets each to the absolute path).
Status Planner::add_launcher_files() {
  Pending launcher;
  launcher.file.path = ".ferry/ferry-launcher";
  launcher.file.role = Role::launcher;
  launcher.file.mode = 0755;
  launcher.file.content = std::vector<uint8_t>(opts_.launcher.begin(), opts_.launcher.end());
  FERRY_CHECK(add_file(std::move(launcher)));
  if (!host_dirs_.empty()) {
    std::string text;
    for (const auto& d : host_dirs_) text += (text.empty() ? "" : ":") + d;
    text += "\n";
    FERRY_CHECK(add_file(generated(".ferry/host-path", text)));
  }
  if (!home_variables_.empty()) {
    std::string text;
    for (const auto& v : home_variables_) text += v + "=.\n";
    FERRY_CHECK(add_file(generated(".ferry/env", text)));
  }
  return {};
}

// One copy per content: later names (in path order) become hard links to the first, with its digest and size.
void Planner::link_duplicates() {
  std::map<std::string, std::string> first_by_hash;
  for (auto& f : plan_.files) {
    if (!f.link_to.empty() || !f.symlink.empty()) continue;
    auto [it, inserted] = first_by_hash.emplace(f.sha256 + ":" + std::to_string(f.mode), f.path);
    if (!inserted) {
      f.link_to = it->second;
      f.content.reset();
    }
  }
  std::map<std::string, const BundleFile*> by_path;
  for (const auto& f : plan_.files) by_path[f.path] = &f;
  for (auto& f : plan_.files)
    if (!f.link_to.empty() && by_path.count(f.link_to)) {
      const BundleFile* t = by_path[f.link_to];
      f.sha256 = t->sha256;
      f.size = t->size;
      if (f.origin_sha256.empty()) f.origin_sha256 = t->origin_sha256;
    }
}

void Planner::add_manifest() {
  BundleFile manifest;
  manifest.path = "manifest.json";
  manifest.role = Role::manifest;
  std::string text = render_manifest(plan_);
  manifest.content = std::vector<uint8_t>(text.begin(), text.end());
  manifest.size = text.size();
  manifest.sha256 = to_hex(sha256(*manifest.content));
  plan_.files.push_back(std::move(manifest));
}

}  // namespace

Result<BundlePlan> plan_bundle(const BundleOptions& opts) {
  Planner planner(opts);
  return planner.run();
}

}  // namespace ferry::bundle
