// Resolver: maps the file asked about into the root, parses it through the run-wide cache, and hands it to the
// resolver of its format. Also the small shared pieces of the result types (rule names, explanations, find).
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <functional>

#include "resolve/resolve_internal.hpp"
#include "support/file.hpp"

namespace ferry::resolve {

const char* to_string(Rule r) {
  switch (r) {
    case Rule::root: return "root";
    case Rule::direct_path: return "direct_path";
    case Rule::already_loaded: return "already_loaded";
    case Rule::interpreter: return "interpreter";
    case Rule::extra_dir: return "extra_dir";
    case Rule::rpath: return "rpath";
    case Rule::ld_library_path: return "ld_library_path";
    case Rule::runpath: return "runpath";
    case Rule::ld_so_cache: return "ld_so_cache";
    case Rule::ld_so_conf: return "ld_so_conf";
    case Rule::default_dir: return "default_dir";
    case Rule::musl_path: return "musl_path";
    case Rule::loader_path: return "loader_path";
    case Rule::executable_path: return "executable_path";
    case Rule::macho_rpath: return "macho_rpath";
    case Rule::app_dir: return "app_dir";
    case Rule::search_dir: return "search_dir";
    case Rule::system: return "system";
    case Rule::not_found: return "not_found";
  }
  return "unknown";
}

std::string describe_rule(Rule r, const std::string& via) {
  switch (r) {
    case Rule::root: return "file given";
    case Rule::direct_path: return "direct path";
    case Rule::already_loaded: return "already loaded as " + via;
    case Rule::interpreter: return "program interpreter";
    case Rule::extra_dir: return "extra search dir";
    case Rule::rpath: return "RPATH of " + via;
    case Rule::ld_library_path: return "LD_LIBRARY_PATH";
    case Rule::runpath: return "RUNPATH of " + via;
    case Rule::ld_so_cache: return "ld.so.cache";
    case Rule::ld_so_conf: return "ld.so.conf";
    case Rule::default_dir: return "default path";
    case Rule::musl_path: return "musl system path";
    case Rule::loader_path: return "@loader_path of " + via;
    case Rule::executable_path: return "@executable_path";
    case Rule::macho_rpath: return "LC_RPATH of " + via;
    case Rule::app_dir: return "application directory";
    case Rule::search_dir: return "search dir";
    case Rule::system: return "system library";
    case Rule::not_found: return "not found";
  }
  return "unknown";
}

std::string Node::why() const { return describe_rule(rule, via); }

std::vector<const Node*> DependencyTree::find(const std::string& name) const {
  std::vector<const Node*> out;
  std::function<void(const Node&)> walk = [&](const Node& n) {
    if (&n != &root && (n.name == name || basename_of(n.name) == name || (n.path && (*n.path == name || basename_of(*n.path) == name))))
      out.push_back(&n);
    for (auto& c : n.children) walk(c);
  };
  walk(root);
  return out;
}

Resolver::Resolver(ResolveOptions opts) : opts_(std::move(opts)), impl_(std::make_unique<Impl>(opts_)) {}
Resolver::~Resolver() = default;

const LdCache* Resolver::cache() const {
  impl_->load_cache(opts_);
  return impl_->cache ? &*impl_->cache : nullptr;
}

const std::vector<std::string>& Resolver::conf_dirs() const {
  impl_->load_cache(opts_);
  return impl_->conf;
}

std::vector<std::string> Resolver::warnings() const {
  impl_->load_cache(opts_);
  std::vector<std::string> out;
  if (impl_->cache_error)
    out.push_back(impl_->cache_error->describe() + "; the cache is not used, libraries are searched in the "
                  "default directories");
  for (const auto& w : impl_->conf_warnings) out.push_back(w);
  return out;
}

size_t Resolver::objects_parsed() const { return impl_->parsed.load(); }

Result<std::shared_ptr<const LoadedObject>> Resolver::load(const std::string& root_path) {
  const Probe& p = impl_->probe(root_path);
  if (!p.exists) {
    // Say why a path that is there is not read (a FIFO, a device, a directory): it is never opened.
    struct stat st;
    auto host = impl_->fs.host_path(root_path);
    if (host && ::stat(host->c_str(), &st) == 0 && !S_ISREG(st.st_mode))
      return make_error(ErrorCode::io, std::string("not read: ") + file_type_name(st.st_mode) + ", not a regular file")
          .with_path(root_path);
    return make_error(ErrorCode::not_found, "no such file").with_path(root_path);
  }
  const ParsedEntry& e = impl_->load(root_path, p);
  if (e.error) return *e.error;
  return e.object;
}

Result<DependencyTree> Resolver::resolve(const std::string& file, const KnownFile& known) {
  if (impl_->fs.is_host() && !file.empty() && file[0] == '/' && normalize_path(file) == file)
    impl_->seed_probe(file, FileId{known.dev, known.ino}, known.size);
  return resolve(file);
}

Result<DependencyTree> Resolver::resolve(const std::string& file) {
  // The path of the file inside the root: a sysroot prefix is removed, a relative path is made absolute.
  std::string root_path = file;
  const std::string& sys = impl_->fs.sysroot();
  if (!root_path.empty() && root_path[0] != '/') {
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof cwd)) root_path = normalize_path(join_path(cwd, root_path));
  }
  if (!sys.empty() && root_path.starts_with(sys + "/")) root_path = root_path.substr(sys.size());
  if (root_path.empty() || root_path[0] != '/') root_path = "/" + root_path;
  auto obj = load(root_path);
  if (!obj && !sys.empty() && root_path == file) {
    // A file outside the root (e.g. a program built for it): read it from the host, resolve inside the root.
    struct stat st;
    if (::stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      Probe p{true, file, FileId{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)},
              static_cast<uint64_t>(st.st_size)};
      const ParsedEntry& e = impl_->load(file, p);
      if (e.error) return e.error->with_path(file);
      obj = e.object;
    }
  }
  if (!obj) return obj.error().with_path(file);
  DependencyTree tree;
  tree.loader = opts_.profile.name;
  const auto& o = *obj.value();
  if (o.format == "elf") {
    resolve_elf(*impl_, opts_, root_path, obj.value(), tree);
  } else if (o.format == "macho") {
    resolve_macho(*impl_, opts_, root_path, obj.value(), tree);
  } else if (o.format == "pe") {
    resolve_pe(*impl_, opts_, root_path, obj.value(), tree);
  } else {
    return make_error(ErrorCode::unsupported, "not an ELF, Mach-O or PE file").with_path(file);
  }
  return tree;
}

}  // namespace ferry::resolve
