// Library resolution as the real loader does it, with the reason for every answer (libtree's idea, glibc's
// rules). See docs/loader-rules.md; glibc elf/dl-load.c (_dl_map_object, fillin_rpath,
// decompose_rpath, open_path), elf/dl-cache.c; musl ldso/dynlink.c; dyld's @rpath rules; Windows' DLL search.
// One Resolver is shared across a whole run: parsed objects are cached (thread-safe) and reused by every tree.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "elf/elf_info.hpp"
#include "resolve/ld_cache.hpp"
#include "resolve/root_fs.hpp"
#include "support/result.hpp"

namespace ferry::resolve {

// Which loader is modelled. glibc ld.so, musl's ld.so, macOS dyld, the Windows loader.
enum class LoaderFamily { glibc, musl, dyld, windows };

// Data describing one loader: target differences are data, not `if` chains.
struct LoaderProfile {
  std::string name;  // "debian12", "centos7", "musl", ...
  LoaderFamily family = LoaderFamily::glibc;
  std::vector<std::string> default_dirs;  // system search path, in order
  std::string lib_expansion;              // $LIB
  std::string platform;                   // $PLATFORM: glibc's dl_platform (AT_PLATFORM, or haswell/xeon_phi)
  std::vector<std::string> legacy_hwcaps; // glibc's legacy hwcap names, lowest bit first: x86_64, avx512_1
  bool hwcaps = true;                     // glibc >= 2.33 glibc-hwcaps/<level> subdirectories
  std::vector<std::string> hwcaps_levels; // supported levels in priority order, e.g. x86-64-v4, -v3, -v2
  bool legacy_subdirs = true;             // tls/<platform>/..., <platform>/ subdirectories (glibc <= 2.36)
  bool use_cache = true;                  // /etc/ld.so.cache
  std::string cache_path = "/etc/ld.so.cache";
  std::string conf_path = "/etc/ld.so.conf";  // read when the cache is missing (model of a stale root)
  std::string interpreter;                // the loader itself, already loaded in every process
  std::string musl_path_file;             // /etc/ld-musl-x86_64.path (musl only)
  uint16_t machine = elf::em::x86_64;      // machine whose libraries the defaults name
  int bits = 64;

  // Expanded subdirectories tried inside each search directory, before the directory itself.
  std::vector<std::string> subdirs() const;
};

// A DLL every Windows install ships in System32 (SysWOW64 for 32-bit x86) for COFF machine `machine`; the name in
// lower case. `ferry deps` counts these as present; Windows wheel repair leaves them out. Data:
// windows_system_dlls.cpp.
bool is_windows_system_dll(uint16_t machine, const std::string& lower_name);

// Built-in profiles: "host" (= the running machine, Debian 12 here), "debian12", "debian11", "centos6",
// "centos7", "rhel8", "rhel9", "musl", "macos", "windows". glibc-hwcaps levels come from this CPU. $PLATFORM and
// the legacy hwcap subdirectories: host_profile() and detect_profile() compute them from this CPU as glibc does
// (haswell, xeon_phi, avx512_1 on Intel); find_profile() gives the named targets the baseline x86_64/x86_64.
Result<LoaderProfile> find_profile(const std::string& name);
std::vector<std::string> profile_names();
LoaderProfile host_profile();
// The profile of the loader inside `sysroot`: musl when it has /lib/ld-musl-*.so.1; otherwise glibc with the
// root's directory layout (Debian multiarch or lib64) and its glibc version (from libc.so.6's version
// definitions) deciding glibc-hwcaps (>= 2.33) and legacy subdirectories (<= 2.36).
LoaderProfile detect_profile(const std::string& sysroot);

// ELF objects a caller has decoded already, by the device and inode of the file that stands for each.
using DecodedObjects = std::map<std::pair<uint64_t, uint64_t>, std::shared_ptr<const elf::ElfInfo>>;

struct ResolveOptions {
  std::string sysroot;  // "" or "/" = this machine; otherwise every path is looked up inside this root
  // LD_LIBRARY_PATH; nullopt = none. The library never reads the environment: the CLI passes the process's.
  std::optional<std::string> ld_library_path;
  bool secure = false;  // AT_SECURE: LD_LIBRARY_PATH ignored, $ORIGIN only in trusted dirs
  LoaderProfile profile = host_profile();
  // Searched before everything else (wheel repair: the wheel's own dirs). For Mach-O/PE: the given search dirs.
  std::vector<std::string> extra_dirs;
  // Mach-O: the main executable for @executable_path (defaults to the root file itself).
  std::optional<std::string> executable_path;
  bool inhibit_cache = false;  // ld.so --inhibit-cache
  // ELF objects are read header-only (elf/read_headers.hpp: a few preads, no mapping, no libelf): their ElfInfo has
  // the identification, segments, interpreter and dynamic names and flags, but no version tables, symbols or
  // notes, and LoadedObject::real_path is left empty (worked out only for a program's $ORIGIN). For callers
  // that need only the tree (`ferry deps`); off by default.
  bool elf_headers_only = false;
  // Node::tried for every library searched for. false: only for libraries not found (all that text output and
  // the exit status need); found ones are searched once without building the list.
  bool record_tried = true;
  // false: only the load order and the missing list are filled; the tree has its root node and no children
  // (`ferry deps --list`).
  bool keep_tree = true;
  // Objects whose ElfInfo (read with ReadOptions::symbols = false, for their path) the resolver takes instead of
  // reading the file: `ferry show` inflates wheel members in memory and leaves files with no data in their place.
  std::shared_ptr<const DecodedObjects> decoded;
};

// Why a library was found where it was.
enum class Rule {
  root,            // the file asked about
  direct_path,     // the DT_NEEDED name contains '/': opened as is
  already_loaded,  // an object already loaded has this soname / name (the loader does not search again)
  interpreter,     // the program interpreter (ld.so) satisfies it: always loaded first
  extra_dir,       // ResolveOptions::extra_dirs
  rpath,           // DT_RPATH of `via` (the loading object or one of its loaders)
  ld_library_path, // LD_LIBRARY_PATH
  runpath,         // DT_RUNPATH of the loading object
  ld_so_cache,     // /etc/ld.so.cache
  ld_so_conf,      // ld.so.conf directories (when modelling a root without a usable cache)
  default_dir,     // the loader's built-in system directories
  musl_path,       // musl: /etc/ld-musl-ARCH.path or its defaults
  loader_path,     // Mach-O @loader_path
  executable_path, // Mach-O @executable_path
  macho_rpath,     // Mach-O @rpath via LC_RPATH of `via`
  app_dir,         // PE: the application directory
  search_dir,      // PE / Mach-O: given search directories
  system,          // macOS / Windows system library, treated as present
  not_found,
};
const char* to_string(Rule r);  // "rpath", "ld_library_path", ...
// "RPATH of /usr/bin/foo", "ld.so.cache", "default path", ... (`via` names the object for rpath-like rules)
std::string describe_rule(Rule r, const std::string& via);

// One directory (or exact path) tried, in order, and the rule that put it on the search path.
struct Attempt {
  std::string path;  // directory (for searches) or full path (direct, cache)
  Rule rule = Rule::not_found;
  std::string via;   // object whose RPATH/RUNPATH/LC_RPATH this came from
  std::string note;  // why a candidate there was rejected ("wrong ELF class", "wrong machine"), empty if absent
};

// A parsed object, shared by every tree of a run. `info` is set for ELF; the other formats keep what resolve needs.
struct LoadedObject {
  std::string path;       // path inside the root, as the loader names it (l_name)
  std::string host_path;  // where ferry read it (sysroot + path, symlinks resolved inside the root)
  std::string real_path;  // canonical path inside the root (symlinks resolved); empty with elf_headers_only
  std::string format;     // "elf", "macho", "pe"
  std::string arch;       // Mach-O slice / PE machine used (ELF: see info->machine_name)
  uint16_t pe_machine = 0;  // PE: the COFF Machine field
  std::shared_ptr<const elf::ElfInfo> info;  // ELF only
  std::optional<std::string> soname;  // ELF soname, Mach-O install name, PE export name
  std::vector<std::string> needed;
  std::vector<std::string> weak_needed;  // Mach-O LC_LOAD_WEAK_DYLIB names (a subset of needed)
  std::vector<std::string> rpaths;       // Mach-O LC_RPATH
  uint64_t dev = 0, ino = 0;
};

struct Node {
  std::string name;                        // as requested (DT_NEEDED entry), or the root's path
  std::optional<std::string> path;         // resolved path inside the root; nullopt when missing
  Rule rule = Rule::not_found;
  std::string via;                         // "RPATH of /usr/bin/foo": the object named here
  std::vector<Attempt> tried;              // every place searched, in order
  bool already_loaded = false;             // satisfied by an object already in the load list (not expanded)
  bool system = false;                     // macOS/Windows system library treated as present
  bool weak = false;                       // Mach-O weak dylib: missing is not an error
  std::shared_ptr<const LoadedObject> object;  // nullptr when missing or system
  std::vector<Node> children;              // only for the first occurrence of each object (as ldd -v prints)
  std::string error;                       // a candidate could not be parsed

  const elf::ElfInfo* elf() const { return object ? object->info.get() : nullptr; }
  std::string why() const;  // "RPATH of /usr/bin/foo", "ld.so.cache", "default dir", ...
};

// One entry of the load order (BFS as ld.so builds its link map).
struct LoadEntry {
  std::string name;   // first name that loaded it
  std::string path;
  Rule rule = Rule::not_found;
  std::string via;
  std::shared_ptr<const LoadedObject> object;
};

struct DependencyTree {
  Node root;
  std::vector<LoadEntry> load_order;       // de-duplicated, BFS order; the root first
  std::vector<std::string> missing;        // names that could not be found (de-duplicated)
  std::string loader;                      // profile name used
  bool complete() const { return missing.empty(); }
  // Finds every node requesting `name` (the DT_NEEDED string or a basename of the path).
  std::vector<const Node*> find(const std::string& name) const;
};

class Resolver {
public:
  explicit Resolver(ResolveOptions opts);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Resolves one root file (a path on this machine; with a sysroot, a path inside the root unless it exists
  // outside it). Thread-safe: several threads may resolve different files with the same Resolver.
  Result<DependencyTree> resolve(const std::string& file);
  // The same, for a file the caller has just lstat(2)ed and found to be a regular file: the resolver takes its
  // identity and size from `known` instead of looking again (used for this machine's absolute paths only).
  struct KnownFile {
    uint64_t dev = 0, ino = 0, size = 0;
  };
  Result<DependencyTree> resolve(const std::string& file, const KnownFile& known);

  // The parsed object at a host path, cached for the whole run (nullptr + error when it cannot be parsed).
  Result<std::shared_ptr<const LoadedObject>> load(const std::string& root_path);

  const ResolveOptions& options() const { return opts_; }
  const LdCache* cache() const;  // nullptr when the profile has no cache or it is missing
  // The directories ld.so.conf lists (includes expanded), inside the root.
  const std::vector<std::string>& conf_dirs() const;
  // What the loader's configuration files made ferry skip, one line each (a damaged or unreadable ld.so.cache,
  // ld.so.conf files not read): the CLI prints them as warnings and puts them in --json.
  std::vector<std::string> warnings() const;
  size_t objects_parsed() const;

  struct Impl;  // internal (object_cache.hpp); public only so the per-format resolvers can reach it

private:
  ResolveOptions opts_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferry::resolve
