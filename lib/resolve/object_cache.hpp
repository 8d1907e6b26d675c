// Internal: the run-wide caches behind Resolver (file probes, directory checks, parsed objects, ld.so.cache).
// Shared by every tree and every thread; each map is guarded by one mutex, parsing happens outside the lock.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "resolve/ld_cache.hpp"
#include "resolve/resolve.hpp"
#include "resolve/root_fs.hpp"

namespace ferry::resolve {

struct Probe {
  bool exists = false;     // a regular file (after symlinks)
  std::string host_path;   // where to read it
  FileId id;
  uint64_t size = 0;       // st_size of the file
  bool symlink = true;     // the path itself may be a symlink (false: lstat saw a regular file)
};

// A loader profile adapted to one machine and class (resolve_elf.cpp's for_machine), with the subdirectories
// and trusted prefixes every tree of that machine uses.
struct MachineProfile {
  LoaderProfile prof;
  std::vector<std::string> subdirs;           // prof.subdirs()
  std::vector<std::string> default_prefixes;  // "/lib/x86_64-linux-gnu/" ... for NODEFLIB cache filtering
};

struct ParsedEntry {
  std::shared_ptr<const LoadedObject> object;
  std::optional<Error> error;
};

struct Resolver::Impl {
  explicit Impl(const ResolveOptions& o) : fs(o.sysroot), elf_headers_only(o.elf_headers_only), decoded(o.decoded) {}
  RootFs fs;
  bool elf_headers_only = false;
  std::shared_ptr<const DecodedObjects> decoded;  // ResolveOptions::decoded (may be null)

  std::mutex mu;
  std::unordered_map<std::string, Probe> probes;
  std::unordered_map<std::string, bool> dirs;
  std::unordered_map<std::string, std::string> real_dirs;  // directory -> its canonical path in the root
  std::map<std::pair<uint64_t, uint64_t>, ParsedEntry> objects;
  std::atomic<size_t> parsed{0};
  std::map<std::pair<uint16_t, int>, std::unique_ptr<MachineProfile>> machine_profiles;  // by machine, class

  std::once_flag cache_once;
  std::optional<LdCache> cache;
  std::optional<Error> cache_error;  // the cache exists but cannot be used (damaged, not a regular file, too large)
  bool cache_missing = false;
  std::vector<std::string> conf;
  std::vector<std::string> conf_warnings;  // ld.so.conf files not read (include loops cut, FIFOs, limits)

  // Entries are never removed or changed once inserted, so the references stay valid for the whole run.
  const Probe& probe(const std::string& root_path);
  // Records what the caller's own lstat found: a regular file (no symlink) at `root_path` on this machine.
  void seed_probe(const std::string& root_path, FileId id, uint64_t size);
  bool is_dir(const std::string& root_path);
  // Canonical path inside the root (directories resolved once each; `p` tells whether the file is a symlink).
  std::string real_path(const std::string& root_path, const Probe& p);
  // Parses the object at `root_path` once per run (keyed by device and inode).
  const ParsedEntry& load(const std::string& root_path, const Probe& p);
  void load_cache(const ResolveOptions& opts);
};

}  // namespace ferry::resolve
