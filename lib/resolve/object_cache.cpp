// The run-wide caches of a Resolver: probes of candidate paths, directory checks, parsed objects by inode,
// and the root's ld.so.cache / ld.so.conf, loaded once.
#include "resolve/object_cache.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>

#include "binary/binary.hpp"
#include "elf/read_headers.hpp"
#include "support/file.hpp"

namespace ferry::resolve {

const Probe& Resolver::Impl::probe(const std::string& root_path) {
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = probes.find(root_path); it != probes.end()) return it->second;
  }
  Probe p;
  auto fill = [&](const struct stat& st) {
    p.exists = true;
    p.id = FileId{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
    p.size = static_cast<uint64_t>(st.st_size);
  };
  if (fs.is_host()) {
    // One lstat for a regular file (most paths asked about); a symlink costs a stat more, resolved by the kernel.
    struct stat st;
    if (::lstat(root_path.c_str(), &st) == 0) {
      if (S_ISREG(st.st_mode)) {
        fill(st);
        p.symlink = false;
      } else if (S_ISLNK(st.st_mode) && ::stat(root_path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
        fill(st);
      }
      if (p.exists) p.host_path = root_path;
    }
  } else if (auto host = fs.host_path(root_path)) {
    struct stat st;
    if (::stat(host->c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      fill(st);
      p.host_path = *host;
    }
  }
  std::lock_guard<std::mutex> lock(mu);
  return probes.emplace(root_path, std::move(p)).first->second;
}

void Resolver::Impl::seed_probe(const std::string& root_path, FileId id, uint64_t size) {
  Probe p;
  p.exists = true;
  p.host_path = root_path;
  p.id = id;
  p.size = size;
  p.symlink = false;
  std::lock_guard<std::mutex> lock(mu);
  probes.emplace(root_path, std::move(p));
}

std::string Resolver::Impl::real_path(const std::string& root_path, const Probe& p) {
  // realpath(3) costs a readlink per component; most objects share a few directories, so resolve each
  // directory once and only look at the last component.
  std::string dir = dirname_of(root_path), base = basename_of(root_path);
  std::string real_dir;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = real_dirs.find(dir); it != real_dirs.end()) real_dir = it->second;
  }
  if (real_dir.empty()) {
    real_dir = fs.real_path(dir).value_or(dir);
    std::lock_guard<std::mutex> lock(mu);
    real_dirs.emplace(dir, real_dir);
  }
  std::string candidate = join_path(real_dir, base);
  if (!p.symlink) return candidate;
  // A symlink to a name in the same directory (libfoo.so.1 -> libfoo.so.1.2.3) is followed here with one
  // readlink per hop; any other target goes through the full walk.
  for (int hops = 0; hops < 40; ++hops) {
    std::string host = fs.is_host() ? candidate : fs.sysroot() + candidate;
    struct stat st;
    if (::lstat(host.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return candidate;
    char buf[PATH_MAX];
    ssize_t n = ::readlink(host.c_str(), buf, sizeof buf);
    if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) break;
    std::string target(buf, static_cast<size_t>(n));
    if (target.find('/') != std::string::npos || target == "." || target == "..") break;
    candidate = join_path(real_dir, target);
  }
  return fs.real_path(candidate).value_or(candidate);
}

bool Resolver::Impl::is_dir(const std::string& root_path) {
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = dirs.find(root_path); it != dirs.end()) return it->second;
  }
  bool d = fs.is_dir(root_path.empty() ? "." : root_path);
  std::lock_guard<std::mutex> lock(mu);
  dirs.emplace(root_path, d);
  return d;
}

namespace {

// An object the caller decoded from the same bytes (ResolveOptions::decoded; the file itself may hold none), as
// parse_object's read_elf would give it for `host_path`.
void take_decoded(LoadedObject& obj, std::shared_ptr<const elf::ElfInfo> info, const std::string& host_path) {
  if (info->path != host_path) {
    auto named = std::make_shared<elf::ElfInfo>(*info);
    named->path = host_path;
    info = std::move(named);
  }
  obj.format = "elf";
  obj.soname = info->soname;
  obj.needed = info->needed;
  obj.info = std::move(info);
}

ParsedEntry parse_object(const std::string& root_path, const Probe& p, Resolver::Impl& impl) {
  ParsedEntry e;
  auto obj = std::make_shared<LoadedObject>();
  obj->path = root_path;
  obj->host_path = p.host_path;
  if (!impl.elf_headers_only) obj->real_path = impl.real_path(root_path, p);
  obj->dev = p.id.dev;
  obj->ino = p.id.ino;
  if (impl.decoded)
    if (auto it = impl.decoded->find({p.id.dev, p.id.ino}); it != impl.decoded->end()) {
      take_decoded(*obj, it->second, p.host_path);
      e.object = std::move(obj);
      return e;
    }
  if (impl.elf_headers_only) {
    // A few preads of the headers and dynamic strings. Anything else (another format, an error, a layout the
    // header reader leaves to read_elf) goes on to the full read below, which gives the same answer or error
    // as without this option.
    // O_NONBLOCK and a type check on the descriptor: the probe saw a regular file, but the path may have been
    // replaced by a FIFO since, and nothing may block.
    int fd = ::open(p.host_path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    struct stat fst;
    if (fd >= 0 && (fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode))) {
      ::close(fd);
      fd = -1;
    }
    if (fd >= 0) {
      auto info = elf::read_elf_headers(elf::FdSource(fd, p.size), p.host_path);
      ::close(fd);
      if (info && info->has_value()) {
        obj->format = "elf";
        obj->soname = (*info)->soname;
        obj->needed = (*info)->needed;
        obj->info = std::make_shared<const elf::ElfInfo>(std::move(**info));
        e.object = std::move(obj);
        return e;
      }
    }
  }
  // One open and one mapping per object: the magic is sniffed from the mapping the reader then decodes.
  auto mapped = MappedFile::open(p.host_path);
  if (!mapped) {
    e.error = mapped.error();
    return e;
  }
  // Only a few pages of each object are read (headers, PT_DYNAMIC, .dynstr): no fault-around or readahead.
  if (mapped->size() > 0) ::madvise(mapped->writable_data(), mapped->size(), MADV_RANDOM);
  FileKind kind = sniff(mapped->view());
  if (kind == FileKind::elf) {
    auto info = elf::read_elf(mapped->view(), p.host_path, elf::ReadOptions{.symbols = false});
    if (!info) {
      e.error = info.error();
      return e;
    }
    obj->format = "elf";
    obj->soname = info->soname;
    obj->needed = info->needed;
    obj->info = std::make_shared<const elf::ElfInfo>(std::move(info.value()));
  } else if (kind == FileKind::macho || kind == FileKind::macho_fat || kind == FileKind::pe) {
    auto bin = read_binary(mapped->view(), p.host_path);
    if (!bin) {
      e.error = bin.error();
      return e;
    }
    if (auto* m = std::get_if<macho::MachOFile>(&bin.value())) {
      obj->format = "macho";
      if (!m->slices.empty()) {
        // The x86_64 or arm64 slice when there are several: ferry resolves one architecture per run.
        const macho::Slice* s = &m->slices.front();
        for (auto& sl : m->slices)
          if (sl.arch == "x86_64") s = &sl;
        obj->arch = s->arch;
        if (s->id) obj->soname = s->id->name;
        for (auto& d : s->dependencies) {
          obj->needed.push_back(d.name);
          if (d.kind == macho::DylibKind::weak) obj->weak_needed.push_back(d.name);
        }
        obj->rpaths = s->rpaths;
      }
    } else if (auto* pe = std::get_if<pe::PeInfo>(&bin.value())) {
      obj->format = "pe";
      obj->arch = pe->machine_name;
      obj->pe_machine = pe->machine;
      obj->soname = pe->export_name;
      for (auto& d : pe->imports) obj->needed.push_back(d.name);
      for (auto& d : pe->delay_imports) obj->needed.push_back(d.name);
    } else {
      e.error = make_error(ErrorCode::unsupported, "not a loadable object").with_path(p.host_path);
      return e;
    }
  } else {
    e.error = make_error(ErrorCode::format, "invalid ELF header: not an ELF, Mach-O or PE file").with_path(p.host_path);
    return e;
  }
  e.object = std::move(obj);
  return e;
}

}  // namespace

const ParsedEntry& Resolver::Impl::load(const std::string& root_path, const Probe& p) {
  auto key = std::make_pair(p.id.dev, p.id.ino);
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = objects.find(key); it != objects.end()) return it->second;
  }
  ParsedEntry e = parse_object(root_path, p, *this);
  ++parsed;
  std::lock_guard<std::mutex> lock(mu);
  return objects.emplace(key, std::move(e)).first->second;
}

void Resolver::Impl::load_cache(const ResolveOptions& opts) {
  std::call_once(cache_once, [&] {
    const auto& prof = opts.profile;
    if (prof.family != LoaderFamily::glibc) return;
    auto c = read_ld_so_conf_checked(fs.sysroot(), prof.conf_path);
    conf = std::move(c.dirs);
    conf_warnings = std::move(c.warnings);
    if (!prof.use_cache || opts.inhibit_cache) return;
    auto host = fs.host_path(prof.cache_path);
    if (!host) {
      cache_missing = true;
      return;
    }
    auto lc = read_ld_cache(*host);
    if (lc) cache = std::move(lc.value());
    else {
      cache_error = lc.error();
      cache_error->path = prof.cache_path;  // named as inside the root, like every other path in the tree
    }
  });
}

}  // namespace ferry::resolve
