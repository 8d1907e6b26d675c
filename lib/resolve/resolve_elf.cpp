// The ELF loaders: glibc ld.so (elf/dl-load.c _dl_map_object, open_path, fillin_rpath, _dl_dst_substitute;
// elf/dl-deps.c breadth-first _dl_map_object_deps) and musl (ldso/dynlink.c load_library). One process is
// simulated per root: a link map of loaded objects, each with the names it answers to and the object that
// loaded it (for the RPATH chain), filled breadth first exactly as ld.so does.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>
#include <deque>
#include <set>

#include "resolve/object_cache.hpp"
#include "resolve/resolve_internal.hpp"
#include "support/file.hpp"

namespace ferry::resolve {

namespace {

constexpr uint64_t kDf1Nodeflib = 0x800;  // DF_1_NODEFLIB
constexpr uint16_t kEtDyn = 3;

struct LinkMap {
  std::string l_name;  // path as the loader names it
  std::vector<std::string> names;  // l_libname: names that resolved to it
  std::shared_ptr<const LoadedObject> obj;
  int loader = -1;     // l_loader: object that first needed it
  std::optional<std::string> origin;  // $ORIGIN, worked out when a string first uses it (origin_of)
  bool interpreter = false;
};

// is_dst: "$NAME" not followed by an identifier character, or "${NAME}".
size_t match_dst(const std::string& s, size_t pos, const char* ref) {
  size_t len = std::strlen(ref);
  bool curly = pos < s.size() && s[pos] == '{';
  size_t start = pos + (curly ? 1 : 0);
  if (s.compare(start, len, ref) != 0) return 0;
  size_t end = start + len;
  if (curly) return end < s.size() && s[end] == '}' ? len + 2 : 0;
  if (end < s.size() && (std::isalnum(static_cast<unsigned char>(s[end])) || s[end] == '_')) return 0;
  return len;
}

// The profile names the loader of the profile's own machine; a program of another machine in the same root is
// run by that machine's loader: Debian's biarch i386 loader (/lib32), or the multiarch loader of its triplet.
LoaderProfile for_machine(LoaderProfile p, uint16_t machine, int bits) {
  if (p.family != LoaderFamily::glibc || (machine == p.machine && bits == p.bits)) return p;
  bool debian = std::find(p.default_dirs.begin(), p.default_dirs.end(), "/lib/x86_64-linux-gnu") != p.default_dirs.end();
  p.hwcaps = false;
  p.hwcaps_levels.clear();
  // Legacy hwcap names: i386 glibc's HWCAP_IMPORTANT is SSE2 (every x86-64 CPU has it); other machines' are not
  // modelled, so only tls and the platform are tried there.
  p.legacy_hwcaps = machine == elf::em::intel386 ? std::vector<std::string>{"sse2"} : std::vector<std::string>{};
  p.machine = machine;
  p.bits = bits;
  std::string triplet;
  switch (machine) {
    case elf::em::intel386: triplet = "i386-linux-gnu"; p.platform = "i686"; p.interpreter = "/lib/ld-linux.so.2"; break;
    case elf::em::aarch64: triplet = "aarch64-linux-gnu"; p.platform = "aarch64"; p.interpreter = "/lib/ld-linux-aarch64.so.1"; break;
    case elf::em::arm: triplet = "arm-linux-gnueabihf"; p.platform = "v7l"; p.interpreter = "/lib/ld-linux-armhf.so.3"; break;
    case elf::em::s390: triplet = "s390x-linux-gnu"; p.platform = "z900"; p.interpreter = "/lib/ld64.so.1"; break;
    case elf::em::ppc64: triplet = "powerpc64le-linux-gnu"; p.platform = "power8"; p.interpreter = "/lib64/ld64.so.2"; break;
    case elf::em::riscv: triplet = "riscv64-linux-gnu"; p.platform = ""; p.interpreter = "/lib/ld-linux-riscv64-lp64d.so.1"; break;
    default: p.platform = ""; break;
  }
  if (machine == elf::em::intel386 && debian) {
    p.default_dirs = {"/lib32", "/usr/lib32", "/lib", "/usr/lib"};  // libc6-i386 on amd64
    p.lib_expansion = "lib32";
  } else if (debian && !triplet.empty()) {
    p.default_dirs = {"/lib/" + triplet, "/usr/lib/" + triplet, "/lib", "/usr/lib"};
    p.lib_expansion = "lib/" + triplet;
  } else if (bits == 32) {
    p.default_dirs = {"/lib", "/usr/lib"};
    p.lib_expansion = "lib";
  }
  return p;
}

// The profile adapted to one machine, with what every tree derives from it, made once per run.
const MachineProfile& machine_profile(Resolver::Impl& impl, const LoaderProfile& base, uint16_t machine, int bits) {
  std::lock_guard<std::mutex> lock(impl.mu);
  auto& slot = impl.machine_profiles[{machine, bits}];
  if (!slot) {
    auto mp = std::make_unique<MachineProfile>();
    mp->prof = for_machine(base, machine, bits);
    mp->subdirs = mp->prof.subdirs();
    for (auto& d : mp->prof.default_dirs) mp->default_prefixes.push_back(d == "/" ? d : d + "/");
    slot = std::move(mp);
  }
  return *slot;
}

struct ElfProcess {
  Resolver::Impl& impl;
  const ResolveOptions& opts;
  DependencyTree& tree;
  const MachineProfile* mp = nullptr;  // the loader of the root's machine (set by run)
  std::vector<LinkMap> maps{};
  int bits = 64;
  uint16_t machine = 0;
  uint8_t data = 0;
  std::set<std::string> missing_seen{};
  bool interp_listed = false;
  bool recording = true;  // fill Node::tried during the current search

  const LoaderProfile& prof() const { return mp->prof; }

  // $ORIGIN of maps[m]: the directory of its path; for the main program the kernel's path, symlinks resolved.
  const std::string& origin_of(int m) {
    LinkMap& lm = maps[m];
    if (!lm.origin) {
      if (m == 0) {
        // Objects read header-only carry no real_path: work it out as parsing would have, from the path the
        // object was first read under.
        std::string real = lm.obj->real_path;
        if (real.empty() && impl.elf_headers_only) real = impl.real_path(lm.obj->path, impl.probe(lm.obj->path));
        lm.origin = dirname_of(real.empty() ? lm.l_name : real);
      }
      else if (!lm.interpreter && !lm.l_name.empty() && lm.l_name[0] != '/')
        lm.origin = dirname_of(normalize_path(origin_of(0) + "/" + lm.l_name));
      else
        lm.origin = dirname_of(lm.l_name);
    }
    return *maps[m].origin;
  }
  bool musl() const { return opts.profile.family == LoaderFamily::musl; }

  // _dl_dst_substitute: nullopt when the element must be dropped (a known token without a value).
  std::optional<std::string> expand(const std::string& s, const std::string& origin) const {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '$') {
        out += s[i];
        continue;
      }
      size_t len;
      if ((len = match_dst(s, i + 1, "ORIGIN"))) {
        if (origin.empty()) return std::nullopt;
        out += origin;
      } else if (!musl() && (len = match_dst(s, i + 1, "PLATFORM"))) {
        if (prof().platform.empty()) return std::nullopt;
        out += prof().platform;
      } else if (!musl() && (len = match_dst(s, i + 1, "LIB"))) {
        out += prof().lib_expansion;
      } else {
        out += '$';
        continue;
      }
      i += len;
    }
    return out;
  }

  bool trusted(const std::string& dir) const {
    for (auto& p : mp->default_prefixes)
      if ((dir + "/").starts_with(p)) return true;
    return false;
  }

  // fillin_rpath: expanded directories of one RPATH/RUNPATH/LD_LIBRARY_PATH list, duplicates dropped.
  std::vector<std::string> dirs_of(const std::vector<std::string>& elements, const std::string& origin) const {
    std::vector<std::string> out;
    for (auto& e : elements) {
      std::string d;
      if (!e.empty()) {
        bool has_origin = e.find('$') != std::string::npos;
        auto x = expand(e, origin);
        if (!x || x->empty()) continue;
        if (opts.secure && has_origin && !trusted(*x)) continue;  // AT_SECURE: $ORIGIN only into system dirs
        d = *x;
        while (d.size() > 1 && d.back() == '/') d.pop_back();
      }
      if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
    }
    return out;
  }

  static std::string candidate(const std::string& dir, const std::string& name) {
    if (dir.empty()) return name;  // an empty element means the current directory
    return dir == "/" ? "/" + name : dir + "/" + name;
  }

  enum class Verdict { ok, skip, fatal };
  // open_verify: a candidate of the wrong class, byte order or machine is skipped; a non-object stops the load.
  Verdict verify(const ParsedEntry& e, std::string& note) const {
    if (e.error) {
      note = e.error->message;
      return Verdict::fatal;
    }
    const elf::ElfInfo* info = e.object->info.get();
    if (!info) {
      note = "not an ELF file";
      return Verdict::fatal;
    }
    if (info->bits != bits) {
      note = "wrong ELF class: ELFCLASS" + std::to_string(info->bits);
      return Verdict::skip;
    }
    if (static_cast<uint8_t>(info->endian) != data) {
      note = "wrong byte order";
      return Verdict::skip;
    }
    if (info->machine != machine) {
      note = "wrong machine: " + info->machine_name;
      return Verdict::skip;
    }
    if (info->osabi != 0 && info->osabi != 3) {
      note = "incompatible OS ABI " + std::to_string(info->osabi);
      return Verdict::skip;
    }
    return Verdict::ok;
  }

  // Tries `path`; on success fills node. Returns true when the search must stop (found or fatal).
  // `attempt` is null while the places tried are not recorded.
  bool try_file(const std::string& path, Node& node, Attempt* attempt) {
    const Probe& p = impl.probe(path);
    if (!p.exists) return false;
    const ParsedEntry& e = impl.load(path, p);
    std::string note;
    Verdict v = verify(e, note);
    if (v == Verdict::skip) {
      if (!attempt) return false;
      if (!attempt->note.empty()) attempt->note += "; ";
      attempt->note += basename_of(dirname_of(path)) + "/" + basename_of(path) + ": " + note;
      return false;
    }
    if (v == Verdict::fatal) {
      node.error = path + ": " + note;
      if (attempt) attempt->note = note;
      return true;
    }
    node.path = path;
    node.object = e.object;
    return true;
  }

  // open_path over one list of directories, with the glibc-hwcaps / legacy subdirectories first.
  bool search_dirs(const std::vector<std::string>& dirs, Rule rule, const std::string& via, const std::string& name,
                   Node& node) {
    for (auto& d : dirs) {
      std::optional<Attempt> a;
      if (recording) a = Attempt{d.empty() ? "." : d, rule, via, ""};
      Attempt* ap = a ? &*a : nullptr;
      bool done = false;
      for (auto& s : mp->subdirs) {
        std::string sd = candidate(d, s);
        if (!impl.is_dir(sd)) continue;
        if (try_file(candidate(sd, name), node, ap)) {
          done = true;
          if (node.path && a) a->path = sd;
          break;
        }
      }
      if (!done) done = try_file(candidate(d, name), node, ap);
      if (a) node.tried.push_back(std::move(*a));
      if (done) {
        if (node.path) {
          node.rule = rule;
          node.via = via;
        }
        return true;
      }
    }
    return false;
  }

  const elf::ElfInfo* info_of(int m) const { return maps[m].obj ? maps[m].obj->info.get() : nullptr; }

  // The search for a name without '/', glibc order.
  void search_glibc(const std::string& name, int loader, Node& node) {
    if (search_dirs(opts.extra_dirs, Rule::extra_dir, "", name, node)) return;
    const elf::ElfInfo* li = info_of(loader);
    if (!li || !li->runpath) {
      // DT_RPATH of the loader, its loader, ... up to the executable (an object with DT_RUNPATH has no RPATH).
      for (int l = loader; l >= 0; l = maps[l].loader) {
        const elf::ElfInfo* i = info_of(l);
        if (!i || !i->rpath || i->runpath) continue;
        if (search_dirs(dirs_of(i->rpath_entries, origin_of(l)), Rule::rpath, maps[l].l_name, name, node)) return;
      }
    }
    if (opts.ld_library_path && !opts.ld_library_path->empty() && !opts.secure) {
      std::vector<std::string> elems;
      std::string cur;
      for (char c : *opts.ld_library_path) {
        if (c == ':' || c == ';') elems.push_back(cur), cur.clear();
        else cur += c;
      }
      elems.push_back(cur);
      if (search_dirs(dirs_of(elems, origin_of(0)), Rule::ld_library_path, "", name, node)) return;
    }
    if (li && li->runpath)
      if (search_dirs(dirs_of(li->runpath_entries, origin_of(loader)), Rule::runpath, maps[loader].l_name, name, node))
        return;
    bool nodeflib = li && (li->dt_flags_1 & kDf1Nodeflib);
    impl.load_cache(opts);
    if (impl.cache) {
      auto flags = LdCache::default_flags(machine, bits);
      static const std::vector<std::string> none;
      const LdCacheEntry* entry = flags ? impl.cache->find(name, *flags, prof().hwcaps ? prof().hwcaps_levels : none) : nullptr;
      std::optional<std::string> hit;
      if (entry) hit = std::string(entry->value);
      if (hit && nodeflib && trusted(dirname_of(*hit))) {
        if (recording) node.tried.push_back(Attempt{*hit, Rule::ld_so_cache, "", "dropped: DF_1_NODEFLIB"});
        hit.reset();
      }
      if (hit) {
        std::optional<Attempt> a;
        if (recording) a = Attempt{*hit, Rule::ld_so_cache, "", ""};
        bool done = try_file(*hit, node, a ? &*a : nullptr);
        if (a) node.tried.push_back(std::move(*a));
        if (done) {
          if (node.path) node.rule = Rule::ld_so_cache;
          return;
        }
      } else if (!nodeflib && recording) {
        node.tried.push_back(Attempt{impl.cache->path.empty() ? prof().cache_path : prof().cache_path, Rule::ld_so_cache, "",
                                     "no entry"});
      }
    } else if (impl.cache_error) {
      // glibc ignores a cache it cannot use (_dl_load_cache_lookup) and goes on to the default directories.
      if (recording)
        node.tried.push_back(Attempt{prof().cache_path, Rule::ld_so_cache, "", "unusable: " + impl.cache_error->message});
    } else if (impl.cache_missing && !impl.fs.is_host()) {
      // A root without a cache: model it as if ldconfig had run over its ld.so.conf.
      if (search_dirs(impl.conf, Rule::ld_so_conf, "", name, node)) return;
    }
    if (!nodeflib) search_dirs(prof().default_dirs, Rule::default_dir, "", name, node);
  }

  std::vector<std::string> musl_sys_path() {
    std::vector<std::string> out;
    if (auto host = impl.fs.host_path(prof().musl_path_file)) {
      auto bytes = read_file(*host, 1 << 20);
      if (bytes) {
        std::string cur;
        for (uint8_t c : *bytes) {
          if (c == ':' || c == '\n') {
            if (!cur.empty()) out.push_back(cur);
            cur.clear();
          } else {
            cur += static_cast<char>(c);
          }
        }
        if (!cur.empty()) out.push_back(cur);
        return out;
      }
    }
    return prof().default_dirs;
  }

  // musl load_library: LD_LIBRARY_PATH, then the rpath (RUNPATH, else RPATH) of each loader up the chain, then
  // the path file or /lib:/usr/local/lib:/usr/lib.
  void search_musl(const std::string& name, int loader, Node& node) {
    if (search_dirs(opts.extra_dirs, Rule::extra_dir, "", name, node)) return;
    if (opts.ld_library_path && !opts.secure) {
      std::vector<std::string> elems;
      std::string cur;
      for (char c : *opts.ld_library_path) {
        if (c == ':' || c == '\n') {
          if (!cur.empty()) elems.push_back(cur);
          cur.clear();
        } else {
          cur += c;
        }
      }
      if (!cur.empty()) elems.push_back(cur);
      if (search_dirs(elems, Rule::ld_library_path, "", name, node)) return;
    }
    for (int l = loader; l >= 0; l = maps[l].loader) {
      const elf::ElfInfo* i = info_of(l);
      if (!i) continue;
      const auto& entries = i->runpath ? i->runpath_entries : i->rpath_entries;
      if (entries.empty()) continue;
      std::vector<std::string> elems;
      for (auto& e : entries) {
        if (opts.secure && e.find("$ORIGIN") != std::string::npos) continue;
        if (!e.empty()) elems.push_back(e);
      }
      if (search_dirs(dirs_of(elems, origin_of(l)), i->runpath ? Rule::runpath : Rule::rpath, maps[l].l_name, name,
                      node))
        return;
    }
    search_dirs(musl_sys_path(), Rule::musl_path, "", name, node);
  }

  void search(const std::string& name, int loader, Node& node) {
    if (musl())
      search_musl(name, loader, node);
    else
      search_glibc(name, loader, node);
  }

  static bool musl_reserved(const std::string& name) {
    // musl's libc.so provides these; dynlink.c maps them to itself.
    static const char* reserved[] = {"c", "pthread", "rt", "m", "dl", "util", "xnet"};
    if (!name.starts_with("lib")) return false;
    std::string rest = name.substr(3);
    for (auto* r : reserved) {
      std::string base = std::string(r) + ".";
      if (rest.starts_with(base)) return true;
    }
    return false;
  }

  int find_loaded(const std::string& name) {
    for (size_t m = 0; m < maps.size(); ++m) {
      auto& lm = maps[m];
      if (std::find(lm.names.begin(), lm.names.end(), name) != lm.names.end()) return static_cast<int>(m);
      if (!musl() && lm.obj && lm.obj->soname && *lm.obj->soname == name) return static_cast<int>(m);
    }
    return -1;
  }

  void add_entry(int m, const Node& node) {
    tree.load_order.push_back(LoadEntry{node.name, maps[m].l_name, node.rule, node.via, maps[m].obj});
  }

  // _dl_map_object for one DT_NEEDED name of maps[loader]; returns the index of a newly mapped object or -1.
  int map_object(const std::string& raw_name, int loader, Node& node) {
    node.name = raw_name;
    std::string expanded;  // the name with dynamic string tokens expanded, when it has any
    const std::string* namep = &raw_name;
    const std::string& name = raw_name;
    if (int m = find_loaded(name); m >= 0) {
      node.path = maps[m].l_name;
      node.rule = maps[m].interpreter ? Rule::interpreter : Rule::already_loaded;
      node.via = maps[m].l_name;
      node.already_loaded = true;
      node.object = maps[m].obj;
      // ld.so moves itself into the search list where it is first needed (rtld.c); ldd lists it there.
      if (maps[m].interpreter && !interp_listed) {
        interp_listed = true;
        tree.load_order.push_back(LoadEntry{raw_name, maps[m].l_name, Rule::interpreter, "", maps[m].obj});
      }
      return -1;
    }
    if (musl() && musl_reserved(name)) {
      node.path = prof().interpreter;
      node.rule = Rule::interpreter;
      node.already_loaded = true;
      return -1;
    }
    if (name.find('$') != std::string::npos) {
      auto x = expand(name, origin_of(loader));
      if (!x) {
        node.error = "cannot expand dynamic string tokens in '" + name + "'";
        note_missing(node);
        return -1;
      }
      expanded = std::move(*x);
      namep = &expanded;
    }
    const std::string& lookup = *namep;
    if (lookup.find('/') != std::string::npos) {
      std::string path = lookup;
      if (path[0] != '/' && impl.fs.is_host()) {
        char cwd[PATH_MAX];
        if (::getcwd(cwd, sizeof cwd)) path = join_path(cwd, path);
      }
      Attempt a{path, Rule::direct_path, "", ""};
      if (try_file(path, node, &a) && node.path) node.rule = Rule::direct_path;
      node.tried.push_back(a);
      if (node.path) node.path = lookup;
    } else {
      recording = opts.record_tried;
      search(lookup, loader, node);
      if (!node.path && !recording && opts.keep_tree) {
        // Not found: search again, the same way, keeping every place tried for the report.
        node.tried.clear();
        node.error.clear();
        node.rule = Rule::not_found;
        node.via.clear();
        node.object.reset();
        recording = true;
        search(lookup, loader, node);
      }
    }
    if (!node.path) {
      note_missing(node);
      return -1;
    }
    // The same file under another name: the loader reuses the object (identity by device and inode).
    for (size_t m = 0; m < maps.size(); ++m) {
      auto& lm = maps[m];
      if (lm.obj && node.object && lm.obj->dev == node.object->dev && lm.obj->ino == node.object->ino) {
        lm.names.push_back(raw_name);
        node.already_loaded = true;  // the path found stays on the node; the load list keeps lm.l_name
        return -1;
      }
    }
    LinkMap lm;
    lm.l_name = *node.path;
    lm.names = {raw_name};
    lm.obj = node.object;
    lm.loader = loader;
    maps.push_back(std::move(lm));
    int idx = static_cast<int>(maps.size() - 1);
    add_entry(idx, node);
    return idx;
  }

  void note_missing(Node& node) {
    node.rule = Rule::not_found;
    if (missing_seen.insert(node.name).second) tree.missing.push_back(node.name);
  }

  void run(const std::string& root_path, std::shared_ptr<const LoadedObject> root_obj) {
    const elf::ElfInfo& ri = *root_obj->info;
    bits = ri.bits;
    machine = ri.machine;
    data = static_cast<uint8_t>(ri.endian);
    mp = &machine_profile(impl, opts.profile, machine, bits);

    Node& root = tree.root;
    root.name = root_path;
    root.path = root_path;
    root.rule = Rule::root;
    root.object = root_obj;
    LinkMap main;
    main.l_name = root_path;
    main.obj = root_obj;
    maps.reserve(16);
    tree.load_order.reserve(16);
    maps.push_back(std::move(main));
    tree.load_order.push_back(LoadEntry{root_path, root_path, Rule::root, "", root_obj});
    if (!ri.has_dynamic) return;

    // The interpreter is mapped before any DT_NEEDED is looked at; it answers to its soname.
    std::string interp = ri.interpreter.value_or(prof().interpreter);
    int interp_idx = -1;
    if (!interp.empty()) {
      const Probe& p = impl.probe(interp);
      if (p.exists) {
        const ParsedEntry& e = impl.load(interp, p);
        LinkMap lm;
        lm.l_name = interp;
        lm.names = {interp};
        lm.obj = e.object;
        lm.interpreter = true;
        if (musl()) lm.names.push_back(basename_of(interp));
        maps.push_back(std::move(lm));
        interp_idx = static_cast<int>(maps.size() - 1);
      } else if (ri.interpreter) {
        tree.missing.push_back(interp);
        missing_seen.insert(interp);
        root.error = "program interpreter " + interp + " not found";
      }
    }

    // Breadth first, as _dl_map_object_deps: each object's DT_NEEDED in order, then the next object's.
    std::vector<std::pair<Node*, int>> queue;  // FIFO: `head` is the next to expand
    queue.reserve(16);
    queue.emplace_back(&root, 0);
    Node scratch;  // without a tree (keep_tree false) every request is worked out in this one node
    for (size_t head = 0; head < queue.size(); ++head) {
      auto [node, m] = queue[head];
      std::shared_ptr<const LoadedObject> obj = maps[m].obj;  // keeps `needed` alive while maps grows
      const auto& needed = obj->needed;
      if (!opts.keep_tree) {
        for (const auto& n : needed) {
          scratch.path.reset();
          scratch.rule = Rule::not_found;
          scratch.via.clear();
          scratch.tried.clear();
          scratch.already_loaded = false;
          scratch.object.reset();
          scratch.error.clear();
          if (int fresh = map_object(n, m, scratch); fresh >= 0) queue.emplace_back(nullptr, fresh);
        }
        continue;
      }
      node->children.resize(needed.size());
      for (size_t i = 0; i < needed.size(); ++i)
        if (int fresh = map_object(needed[i], m, node->children[i]); fresh >= 0)
          queue.emplace_back(&node->children[i], fresh);
    }
    // ld.so takes itself off the link map when nothing needs it (rtld.c), so it is listed only when needed.
    (void)interp_idx;
  }
};

}  // namespace

void resolve_elf(Resolver::Impl& impl, const ResolveOptions& opts, const std::string& root_path,
                 std::shared_ptr<const LoadedObject> root_obj, DependencyTree& tree) {
  ElfProcess proc{impl, opts, tree};
  proc.run(root_path, std::move(root_obj));
}

}  // namespace ferry::resolve
