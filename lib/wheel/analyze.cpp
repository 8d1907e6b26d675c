// Opening, checking, extracting and judging a wheel (auditwheel's analyze_wheel_abi, with ferry's resolver and
// policy engine). Only ELF members are extracted; every other member is at most hashed, in parallel.
#include "wheel/analyze_passes.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <regex>
#include <set>
#include <utility>

#include "support/file.hpp"
#include "support/parallel.hpp"
#include "support/progress.hpp"
#include "support/text.hpp"
#include "wheel/deflate.hpp"
#include "wheel/scratch.hpp"
#include "wheel/sparse_image.hpp"
#include "wheel/zip_raw.hpp"

namespace ferry::wheel {

namespace fs = std::filesystem;

const char* to_string(Disposition d) {
  switch (d) {
    case Disposition::graft: return "graft";
    case Disposition::excluded: return "excluded";
    case Disposition::driver: return "driver";
    case Disposition::sibling: return "sibling";
    case Disposition::libpython: return "libpython";
    case Disposition::missing: return "missing";
  }
  return "?";
}

bool is_libpython(const std::string& name) {
  static const std::regex re(R"(^libpython\d+\.\d+m?.so(.\d)*$)");
  return std::regex_match(name, re);
}

bool is_driver_library(const std::string& name) {
  static const char* patterns[] = {"libcuda.so*", "libnvidia-*", "libnvcuvid.so*", "libGL.so*", "libGLX.so*",
                                   "libGLX_*", "libEGL.so*", "libEGL_*", "libGLESv*", "libOpenGL.so*",
                                   "libvulkan.so*", "libdrm.so*", "libgbm.so*", "libOpenCL.so*", "libze_loader.so*"};
  for (auto* p : patterns)
    if (glob_match(p, name)) return true;
  return false;
}

bool TargetEval::has_external() const {
  for (auto& [n, r] : libs)
    if (r.lib.disposition == Disposition::graft || r.lib.disposition == Disposition::missing) return true;
  return false;
}
bool TargetEval::has_missing() const {
  for (auto& [n, r] : libs)
    if (r.lib.disposition == Disposition::missing) return true;
  return false;
}
bool TargetEval::fine_after_graft(bool ucs2, bool pyfpe) const {
  return symbol_reasons.empty() && blacklist_reasons.empty() && isa_reasons.empty() && !ucs2 && !pyfpe &&
         !has_missing();
}
bool TargetEval::fine_as_is(bool ucs2, bool pyfpe) const { return fine_after_graft(ucs2, pyfpe) && !has_external(); }

Analysis::~Analysis() {
  if (!scratch.empty()) {
    std::error_code ec;
    fs::remove_all(scratch, ec);
  }
}

const TargetEval* Analysis::find_eval(const std::string& n) const {
  for (auto& e : evals) {
    const auto* t = e.target;
    if (t->name == n || t->tag() == n) return &e;
    for (auto& a : t->aliases)
      if (a == n || a + "_" + t->arch == n) return &e;
  }
  return nullptr;
}

namespace {


std::string archive_name(const std::string& wheel, const std::string& member) { return wheel + "!" + member; }

// Members up to this size are hashed in the same pass that sniffs them; larger ones are sniffed first (their first
// bytes only) and read again only when they must be (extracted or hashed). Sizes are always checked.
constexpr uint64_t kSmallMember = uint64_t{1} << 20;
// ELF members above this size may inflate at most kMaxElfRatio bytes per compressed byte (real shared objects
// deflate 2-10:1; a zero-filled bomb over 1000:1): extraction then costs time and scratch disk in proportion
// to the wheel's size, not to what it claims.
constexpr uint64_t kRatioCheckedFrom = uint64_t{64} << 20;
constexpr uint64_t kMaxElfRatio = 100;

// Finds an installed distribution's shared-library directories from its RECORD.
Result<Sibling> find_sibling(const std::string& name, const std::string& site) {
  Sibling s;
  s.name = name;
  s.site = site;
  std::error_code ec;
  std::string want = pep503_name(name);
  // Advanced with increment(ec): the iterator's operator++ throws on an I/O error.
  for (fs::directory_iterator it(site, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::directory_entry& d = *it;
    std::string base = d.path().filename().string();
    if (base.size() < 11 || base.compare(base.size() - 10, 10, ".dist-info") != 0) continue;
    std::string dist = base.substr(0, base.find('-'));
    if (pep503_name(dist) != want) continue;
    auto rec = read_file((d.path() / "RECORD").string(), 64 << 20);
    if (!rec) return rec.error();
    auto entries = parse_record(std::string(rec->begin(), rec->end()), (d.path() / "RECORD").string());
    if (!entries) return entries.error();
    std::set<std::string> dirs;
    for (auto& e : *entries) {
      std::string f = e.path;
      if (f.find(".so") == std::string::npos || f.starts_with("../") || f.find("/../") != std::string::npos) continue;
      fs::path full = fs::path(site) / f;
      if (sniff_file(full.string()) != FileKind::elf) continue;
      dirs.insert(full.parent_path().lexically_normal().string());
    }
    s.lib_dirs.assign(dirs.begin(), dirs.end());
    return s;
  }
  return make_error(ErrorCode::not_found, "--sibling " + name + ": no installed distribution of that name in " + site);
}

// Which libc an ELF member was built for, decided as auditwheel's lddtree does: the program interpreter, then
// DT_NEEDED (libc.musl-*/ld-musl-* or libc.so.6/ld-linux-*/ld64.so.*), then CPython's extension suffix
// (EXT_SUFFIX: *-linux-musl.so; *-linux-gnu.so only from CPython 3.11 on, musl used it before). ferry also takes
// DT_NEEDED libc.so as musl (musl-gcc outside Alpine links it; glibc's libc.so is a linker script, never needed).
std::optional<policy::Family> libc_family(const elf::ElfInfo& info, const std::string& member) {
  using policy::Family;
  if (info.interpreter)
    return fs::path(*info.interpreter).filename().string().starts_with("ld-musl-") ? Family::musllinux
                                                                                    : Family::manylinux;
  for (auto& n : info.needed) {
    if (n.starts_with("libc.musl-") || n.starts_with("ld-musl-") || n == "libc.so") return Family::musllinux;
    if (n == "libc.so.6" || n.starts_with("ld-linux-") || n.starts_with("ld64.so.")) return Family::manylinux;
  }
  std::string file = fs::path(member).filename().string();
  auto ends = [&](const char* s) { return file.ends_with(s); };
  if (ends("-arm-linux-musleabihf.so") || ends("-linux-musl.so")) return Family::musllinux;
  if (ends("-arm-linux-gnueabihf.so") || ends("-linux-gnu.so")) {
    // "_x.cpython-312-x86_64-linux-gnu.so": the SOABI is the stem's last dotted part.
    std::string stem = file.substr(0, file.size() - 3);
    std::string soabi = stem.substr(stem.rfind('.') == std::string::npos ? 0 : stem.rfind('.') + 1);
    static const std::regex cpython311(R"(^cpython-3(1[1-9]|[2-9][0-9])[^-]*-.*)");
    if (std::regex_match(soabi, cpython311)) return Family::manylinux;
  }
  return std::nullopt;
}

// The libc all of a wheel's platform tags name (manylinux* -> glibc, musllinux_* -> musl), if they agree.
std::optional<policy::Family> libc_from_tags(const std::vector<std::string>& tags) {
  std::optional<policy::Family> found;
  for (auto& t : tags) {
    policy::Family f;
    if (t.starts_with("manylinux")) f = policy::Family::manylinux;
    else if (t.starts_with("musllinux_")) f = policy::Family::musllinux;
    else return std::nullopt;
    if (found && *found != f) return std::nullopt;
    found = f;
  }
  return found;
}


bool is_record_file(const Analysis& a, const std::string& n) {
  return n == a.dist_info + "/RECORD" || n == a.dist_info + "/RECORD.jws" || n == a.dist_info + "/RECORD.p7s";
}

bool has_elf_magic(const std::vector<uint8_t>& h) {
  return h.size() >= 4 && h[0] == 0x7f && h[1] == 'E' && h[2] == 'L' && h[3] == 'F';
}

struct MemberScanContext {
  const std::string& wheel_path;
  int fd;  // the wheel, read with pread from every worker
  const std::string& root;
  const std::string& dist_info;
  bool verify_all_hashes;
  const RecordIndex* trust;  // repair --trust-record: RECORD's lines, else null
  bool decode_in_memory;     // AnalyzeOptions::decode_in_memory
  uint64_t index_from;       // AnalyzeOptions::index_deflate_from
  std::string seed_root;     // with index_from: where each indexed member's second copy goes (Analysis::seeds)
};
struct ScannedMember {
  bool is_elf = false;
  bool trusted = false;  // not inflated: its RECORD line is carried over as it is (--trust-record)
  bool claimed = false;  // ELF, inflated but not hashed: its RECORD line's digest stands for it (--trust-record)
  std::optional<Sha256> digest;
  std::unique_ptr<DecodedMember> decoded;  // decode_in_memory: decoded, its file a placeholder
  std::shared_ptr<PendingDeflateIndex> index;  // c.index_from: where its deflate blocks start (being walked)
  std::string seed;                            // c.index_from: its second copy (Analysis::seeds)
};

// --trust-record: a member outside .dist-info whose RECORD line carries a sha256 (and no size other than the
// member's: a line already shown wrong is not believed) may be taken on trust, unless it turns out to be ELF
// (ferry reads, patches and hashes those). Everything else is checked.
bool may_trust(const MemberScanContext& c, const ZipMember& m) {
  if (!c.trust || m.name.starts_with(c.dist_info + "/")) return false;
  auto it = c.trust->find(m.name);
  return it != c.trust->end() && it->second->hash.starts_with("sha256=") && !record_size_disproved(*it->second, m.size);
}

// The digest a trusted member's RECORD line gives (may_trust holds): what an ELF member taken on trust stands
// for wherever ferry needs its hash (the line carried over when it is not patched, graft and change comparisons).
// nullopt when the value is not one canonical digest: the member is then hashed.
std::optional<Sha256> claimed_digest(const MemberScanContext& c, const ZipMember& m) {
  return from_record_base64(std::string_view(c.trust->find(m.name)->second->hash).substr(7));
}

// Writes an extracted member's bytes at increasing offsets of `fd`.
DataSink file_sink(int fd, const fs::path& dest, uint64_t& written) {
  return [fd, &dest, &written](const uint8_t* d, size_t n) -> Status {
    for (size_t done = 0; done < n;) {
      ssize_t w = ::pwrite(fd, d + done, n - done, static_cast<off_t>(written));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return make_error(ErrorCode::io, std::string("write failed: ") + std::strerror(errno)).with_path(dest);
      done += static_cast<size_t>(w), written += static_cast<uint64_t>(w);
    }
    return {};
  };
}

// An ELF image decoded twice, as decode_elves (with symbols) and the resolver (without) would read its file at
// `path`; null when either read fails (the member is then written out and read from its file as usual).
std::unique_ptr<DecodedMember> decode_member(ByteView image, const std::string& path) {
  auto full = elf::read_elf(image, path);
  if (!full) return nullptr;
  auto view = elf::read_elf(image, path, elf::ReadOptions{.symbols = false});
  if (!view) return nullptr;
  auto dm = std::make_unique<DecodedMember>();
  dm->info = std::move(*full);
  dm->loader_view = std::make_shared<const elf::ElfInfo>(std::move(*view));
  return dm;
}

// An ELF member extracted into the scratch tree, CRC-checked on the way, and hashed when `hash_it` (repair
// checks every hash; show checks none but the metadata's: SHA-256 was a sixth of its time). With
// c.decode_in_memory, a member inflated whole (one piece to the sink) is decoded from that buffer into `decoded`
// and its file is only sized: writing it cost show as much CPU as a third of its inflating (page cache copies,
// block allocation, truncation at the end) and the decoder then read it back.
Result<std::optional<Sha256>> extract_elf_member(const MemberScanContext& c, const ZipMember& m, const RawMember& r,
                                                 bool hash_it, std::mutex& mkdir_mu,
                                                 std::unique_ptr<DecodedMember>& decoded,
                                                 std::shared_ptr<PendingDeflateIndex>& index, std::string& seed) {
  // What an ELF member costs (time, scratch disk) is bounded by the wheel's own size.
  if (m.size > kRatioCheckedFrom && m.size / std::max<uint64_t>(m.comp_size, 1) > kMaxElfRatio)
    return make_error(ErrorCode::format, "member '" + m.name + "' claims " + std::to_string(m.size) + " bytes from " +
                                             std::to_string(m.comp_size) + " compressed, more than " +
                                             std::to_string(kMaxElfRatio) + ":1 (an ELF file does not compress that well)")
        .with_path(c.wheel_path);
  fs::path dest = fs::path(c.root) / m.name;
  std::error_code ec;
  {
    std::lock_guard<std::mutex> lock(mkdir_mu);
    fs::create_directories(dest.parent_path(), ec);
  }
  if (ec) return make_error(ErrorCode::io, "cannot create a directory: " + ec.message()).with_path(dest.parent_path().string());
  // check_members made every normalised name unique: no two workers ever write one file.
  UniqueFd fd(::open(dest.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (m.mode & 0777) | 0600));
  if (!fd) return make_error(ErrorCode::io, std::string("cannot create: ") + std::strerror(errno)).with_path(dest);
  uint64_t written = 0;
  DataSink to_file = file_sink(fd.get(), dest, written);
  // The block index is recorded by the inflate where it can be; else it is walked beside the inflate and kept
  // walking after it: only the writer waits for it.
  const bool indexed = c.index_from && !c.decode_in_memory && r.method == 8 && m.size >= c.index_from;
  // An indexed member is the kind a repair patches and rebuilds: written twice, the second copy is what the
  // patch's output starts from (patch::PatchOptions::seed). The writes run on the thread that also CRCs what
  // the inflating thread hands over, which has the time: the patch no longer copies the file afterwards.
  fs::path seed_dest = fs::path(c.seed_root) / m.name;
  UniqueFd seed_fd;
  uint64_t seed_written = 0;
  if (indexed && !c.seed_root.empty()) {
    {
      std::lock_guard<std::mutex> lock(mkdir_mu);
      fs::create_directories(seed_dest.parent_path(), ec);
    }
    if (!ec) seed_fd.reset(::open(seed_dest.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  }
  if (seed_fd)
    to_file = [first_copy = to_file, second = file_sink(seed_fd.get(), seed_dest, seed_written)](const uint8_t* d,
                                                                                       size_t n) -> Status {
      FERRY_CHECK(first_copy(d, n));
      return second(d, n);
    };
  DataSink sink = to_file;
  bool first = true;
  std::unique_ptr<SparseElfImage> sparse;  // a member that streams: only the pages the decoder reads are kept
  const std::string name = c.root + "/" + m.name;
  if (c.decode_in_memory)
    sink = [&](const uint8_t* data, size_t n) -> Status {
      if (std::exchange(first, false)) {
        if (n == m.size && (decoded = decode_member(ByteView(data, n), name))) return {};
        if (n < m.size) sparse = SparseElfImage::create(m.size);
      }
      if (sparse) return sparse->feed(data, n), Status{};
      return to_file(data, n);
    };
  std::shared_ptr<PendingDeflateIndex> ix;
  RecordedBlocks blocks;
  const bool record = indexed && inflate_records_blocks();
  if (indexed && !record) ix = PendingDeflateIndex::start(c.fd, r, c.wheel_path);
  auto d = digest_member(c.fd, r, 0, sink, c.wheel_path, hash_it, record ? &blocks : nullptr);
  // A recording that missed the final block's end (or a member inflated whole) is walked after all.
  if (d && record) ix = blocks.complete ? PendingDeflateIndex::recorded(std::move(blocks.index))
                                        : PendingDeflateIndex::start(c.fd, r, c.wheel_path);
  if (d && ix) ix->set_crc(d->crc), index = std::move(ix);  // else destroyed here: the walk stops
  if (d && sparse) {
    decoded = decode_member(sparse->view(), name);
    if (!decoded || !sparse->only_filled_pages_read()) {
      // The keep rule missed something the decoder read (or the member does not decode): extracted in full and
      // read from its file, as without decode_in_memory.
      decoded.reset();
      sparse.reset();
      written = 0;
      d = digest_member(c.fd, r, 0, to_file, c.wheel_path, hash_it);
    }
  }
  if (d && decoded) {
    // The placeholder: the member's size, no data blocks; its identity is how the resolver finds `decoded`.
    struct stat st;
    if (::ftruncate(fd.get(), static_cast<off_t>(m.size)) != 0 || ::fstat(fd.get(), &st) != 0)
      d = make_error(ErrorCode::io, std::string("cannot size: ") + std::strerror(errno)).with_path(dest);
    else
      decoded->dev = static_cast<uint64_t>(st.st_dev), decoded->ino = static_cast<uint64_t>(st.st_ino);
  }
  fd.reset();
  if (seed_fd) {
    seed_fd.reset();
    if (d && seed_written == m.size) seed = seed_dest.string();
    else ::unlink(seed_dest.c_str());
  }
  if (!d) return d.error();
  if (!hash_it) return std::optional<Sha256>();
  return std::optional<Sha256>(d->sha);
}

// One member, read at most once: sniffed (its first bytes only), then extracted when it is an ELF file (hashed on
// the way when asked), else hashed only when asked (repair checks every RECORD hash it carries; show inflates no member
// that is not ELF but the metadata). CRC-32 and size are checked against the directory whenever data is read.
// Runs in a worker: never throws.
Result<ScannedMember> scan_member(const MemberScanContext& c, const ZipMember& m, const RawMember& r,
                                  std::mutex& mkdir_mu) {
  ScannedMember out;
  const bool trust = may_trust(c, m);
  bool hash_it = !trust && (c.verify_all_hashes || m.name.starts_with(c.dist_info + "/"));
  std::vector<uint8_t> head;
  if (hash_it && m.size <= kSmallMember) {  // one pass: the hash stream also yields the magic bytes
    FERRY_TRY(d, digest_member(c.fd, r, 4, {}, c.wheel_path));
    out.digest = d.sha;
    head = std::move(d.head);
  } else if (m.size >= 64) {
    FERRY_TRY(h, member_head(c.fd, r, 4, c.wheel_path));
    head = std::move(h);
  }
  out.is_elf = m.size >= 64 && has_elf_magic(head);
  if (!out.is_elf) {
    out.trusted = trust;
    if (hash_it && !out.digest) {
      FERRY_TRY(d, digest_member(c.fd, r, 0, {}, c.wheel_path));
      out.digest = d.sha;
    }
    return out;
  }
  // A small member was hashed in the sniffing pass already: its extraction only checks CRC-32 and size. An ELF
  // member taken on trust is inflated (ferry reads it) but not hashed: on the 2 GB bench wheel, hashing its
  // 520 MB extension on the inflating thread was a third of the scan.
  std::optional<Sha256> claimed = trust ? claimed_digest(c, m) : std::nullopt;
  FERRY_TRY(d, extract_elf_member(c, m, r, (hash_it || (trust && !claimed)) && !out.digest, mkdir_mu, out.decoded,
                                    out.index, out.seed));
  if (d) out.digest = d;
  else if (claimed && !out.digest) out.digest = claimed, out.claimed = true;
  return out;
}

// Collects the reach of one target from the wheel's dependency trees: what each library needed outside the
// wheel becomes (graft, excluded, driver, sibling, libpython, missing), descending only into grafts.
struct ReachWalker {
  const Analysis& a;
  const policy::Target& t;
  const ShowOptions& opts;
  bool include_drivers;
  TargetEval& ev;
  std::map<std::string, const resolve::Node*> first;  // real path -> the node carrying children
  std::set<std::string> seen;

  void index(const resolve::Node& n) {
    if (n.object && !n.children.empty()) first.emplace(n.object->real_path, &n);
    for (auto& c : n.children) index(c);
  }

  // nullopt: not a library outside the wheel to record (the loader, whitelisted, or inside the wheel).
  std::optional<Disposition> disposition(const resolve::Node& n, std::string& sibling) const {
    const std::string& nm = n.name;
    if (n.rule == resolve::Rule::interpreter || nm.starts_with("ld-linux") || nm.starts_with("ld64.so") ||
        nm.starts_with("ld-musl"))
      return std::nullopt;
    if (n.object && n.object->real_path.starts_with(a.root + "/")) return std::nullopt;  // inside the wheel
    if (is_libpython(nm)) return Disposition::libpython;
    if (t.whitelisted(nm)) return std::nullopt;
    if (std::any_of(opts.exclude.begin(), opts.exclude.end(), [&](const std::string& p) {
          return glob_match(p, nm) || (n.path && glob_match(p, *n.path));
        }))
      return Disposition::excluded;
    if (!include_drivers && is_driver_library(nm)) return Disposition::driver;
    if (!n.object) return Disposition::missing;
    Disposition d = Disposition::graft;
    for (auto& s : a.siblings)
      for (auto& dir : s.lib_dirs)
        if (n.object->real_path.starts_with(dir + "/") || (n.path && n.path->starts_with(dir + "/"))) {
          d = Disposition::sibling;
          sibling = s.name;
        }
    return d;
  }

  void visit(const resolve::Node& n, const std::string& by) {
    std::string sibling;
    auto d = disposition(n, sibling);
    if (!d) return;
    auto [it, inserted] = ev.libs.try_emplace(n.name);
    Reached& r = it->second;
    if (inserted) {
      r.lib.name = n.name;
      r.lib.disposition = *d;
      r.lib.sibling = sibling;
      if (n.object) r.lib.path = n.object->real_path;
      r.object = n.object;
    }
    if (std::find(r.lib.needed_by.begin(), r.lib.needed_by.end(), by) == r.lib.needed_by.end())
      r.lib.needed_by.push_back(by);
    if (*d != Disposition::graft || !n.object) return;
    if (!seen.insert(n.object->real_path).second) return;
    const resolve::Node* full = &n;
    if (n.children.empty())
      if (auto f = first.find(n.object->real_path); f != first.end()) full = f->second;
    for (auto& c : full->children) visit(c, n.name);
  }

  void walk(const ElfMember& e) {
    first.clear();
    seen.clear();
    index(e.tree.root);
    for (auto& c : e.tree.root.children) visit(c, e.member);
  }
};

}  // namespace

Status read_dist_info(Analysis& a) {
  std::set<std::string> dist_infos;
  for (auto& m : a.zip.members()) {
    size_t slash = m.name.find('/');
    if (slash == std::string::npos) continue;
    std::string top = m.name.substr(0, slash);
    if (top.size() > 10 && top.ends_with(".dist-info")) dist_infos.insert(top);
  }
  if (dist_infos.size() != 1)
    return make_error(ErrorCode::format, "expected exactly one top-level *.dist-info directory, found " +
                                             std::to_string(dist_infos.size()))
        .with_path(a.wheel_path);
  a.dist_info = *dist_infos.begin();
  const ZipMember* wheel_m = nullptr;
  const ZipMember* record_m = nullptr;
  for (auto& m : a.zip.members()) {
    if (m.name == a.dist_info + "/WHEEL") wheel_m = &m;
    if (m.name == a.dist_info + "/RECORD") record_m = &m;
  }
  if (!wheel_m || !record_m)
    return make_error(ErrorCode::format, a.dist_info + " has no " + (!wheel_m ? "WHEEL" : "RECORD") + " file")
        .with_path(a.wheel_path);
  FERRY_TRY(wheel_bytes, a.zip.read(*wheel_m));
  a.wheel_text.assign(wheel_bytes.begin(), wheel_bytes.end());
  FERRY_TRY(record_bytes, a.zip.read(*record_m));
  FERRY_TRY(record, parse_record(std::string(record_bytes.begin(), record_bytes.end()),
                                 archive_name(a.wheel_path, a.dist_info + "/RECORD")));
  a.record = record;
  // Members are known by their normalised names (what pip installs), so RECORD's paths are too.
  for (auto& e : a.record) e.path = normalize_member_name(e.path);
  return {};
}

Status check_symlinks(Analysis& a) {
  for (auto& m : a.zip.members())
    if (m.is_symlink) {
      FERRY_TRY(target, a.zip.read(m, 4096));
      FERRY_CHECK(check_symlink_target(m.name, std::string(target.begin(), target.end()), a.wheel_path));
    }
  return {};
}

Result<RecordIndex> check_record_lists_members(Analysis& a) {
  RecordIndex rec;
  for (auto& e : a.record) {
    if (rec.count(e.path))
      return make_error(ErrorCode::format, "RECORD lists '" + e.path + "' twice").with_path(a.wheel_path);
    rec[e.path] = &e;
  }
  std::set<std::string> names;
  for (auto& m : a.zip.members()) {
    names.insert(m.name);
    if (m.is_dir || is_record_file(a, m.name)) continue;
    auto it = rec.find(m.name);
    if (it == rec.end())
      return make_error(ErrorCode::format, "RECORD does not list member '" + m.name + "'").with_path(a.wheel_path);
    if (record_size_disproved(*it->second, m.size))
      a.record_mismatches.push_back(record_mismatch(
          m.name, "it gives size " + it->second->size + ", the member has " + std::to_string(m.size) + " bytes"));
  }
  for (auto& e : a.record)
    if (!names.count(e.path) && !is_record_file(a, e.path))
      return make_error(ErrorCode::format, "RECORD lists '" + e.path + "', which is not in the wheel")
          .with_path(a.wheel_path);
  return rec;
}

Status make_scratch_tree(Analysis& a, const std::string& temp_dir) {
  if (temp_dir.empty()) return make_error(ErrorCode::usage, "no directory for temporary files was given");
  // Named after this process: a killed run's tree is removed by the next show/repair (scratch.hpp).
  FERRY_TRY(scratch, make_scratch_dir(temp_dir, "ferry-wheel"));
  std::error_code ec;
  a.scratch = fs::canonical(scratch, ec).string();
  if (ec) return make_error(ErrorCode::io, "cannot resolve the scratch directory: " + ec.message()).with_path(scratch);
  a.root = a.scratch + "/root";
  fs::create_directories(a.root, ec);
  if (ec) return make_error(ErrorCode::io, "cannot create the scratch tree: " + ec.message()).with_path(a.root);
  return {};
}

Result<MemberScan> scan_members(const Analysis& a, bool verify_all_hashes, unsigned jobs,
                                const ProgressFn* progress, const RecordIndex* trust, bool decode_in_memory,
                                uint64_t index_from) {
  MemberScan s;
  for (auto& m : a.zip.members())
    if (!m.is_dir && !m.is_symlink && S_ISREG(m.mode)) s.regular.push_back(&m);
  s.is_elf.assign(s.regular.size(), 0);
  s.decoded.resize(s.regular.size());
  s.digests.resize(s.regular.size());
  s.indexes.resize(s.regular.size());
  s.seeds.resize(s.regular.size());
  s.claimed.assign(s.regular.size(), 0);
  std::vector<std::optional<Error>> errs(s.regular.size());
  FERRY_TRY(raw, read_central_directory(a.wheel_path));
  if (raw.size() != a.zip.members().size())
    return make_error(ErrorCode::format, "the reader lists " + std::to_string(a.zip.members().size()) +
                                             " members, the central directory " + std::to_string(raw.size()))
        .with_path(a.wheel_path);
  UniqueFd wheel_fd(::open(a.wheel_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!wheel_fd) return make_error(ErrorCode::io, "cannot reopen the wheel").with_path(a.wheel_path);
  // Largest members first, each taken by the next free thread: one big member does not leave a core idle at
  // the end. pread on one descriptor is safe from every thread.
  std::vector<size_t> order(s.regular.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t x, size_t y) { return s.regular[x]->size > s.regular[y]->size; });
  MemberScanContext ctx{a.wheel_path, wheel_fd.get(), a.root, a.dist_info, verify_all_hashes, trust, decode_in_memory,
                        index_from, index_from ? a.scratch + "/seed" : std::string()};
  uint64_t bytes_total = 0;
  for (auto* m : s.regular) bytes_total += m->size;
  ProgressMeter meter(progress, "checking", s.regular.size(), bytes_total);
  std::mutex mkdir_mu;  // workers extracting into one directory must not race creating it
  std::atomic<uint64_t> trusted{0};
  parallel_for(order.size(), [&](size_t k) {
    size_t i = order[k];
    const ZipMember& m = *s.regular[i];
    auto r = scan_member(ctx, m, raw[m.index], mkdir_mu);
    if (!r) errs[i] = r.error();
    else s.is_elf[i] = r->is_elf, s.digests[i] = r->digest, trusted += r->trusted, s.decoded[i] = std::move(r->decoded),
           s.indexes[i] = std::move(r->index), s.seeds[i] = std::move(r->seed), s.claimed[i] = r->claimed;
    meter.add(1, m.size);
  }, jobs);
  meter.finish();
  for (auto& e : errs)
    if (e) return *e;
  s.trusted = trusted;
  return s;
}

void check_record_hashes(Analysis& a, const MemberScan& s, const RecordIndex& rec) {
  for (size_t i = 0; i < s.regular.size(); ++i) {
    if (!s.digests[i]) continue;
    const ZipMember& m = *s.regular[i];
    a.hashes[m.name] = *s.digests[i];
    if (is_record_file(a, m.name)) continue;
    const RecordEntry* e = rec.at(m.name);
    if (record_size_disproved(*e, m.size)) continue;  // already reported, one line a member
    if (e->hash.starts_with("sha256=") && e->hash != record_hash(*s.digests[i]))
      a.record_mismatches.push_back(
          record_mismatch(m.name, "it gives " + e->hash + ", the content hashes to " + record_hash(*s.digests[i])));
  }
}

Status decode_elves(Analysis& a, MemberScan& s, unsigned jobs) {
  std::vector<size_t> elf_idx;
  auto decoded = std::make_shared<resolve::DecodedObjects>();
  for (size_t i = 0; i < s.regular.size(); ++i) {
    if (!s.is_elf[i]) continue;
    elf_idx.push_back(i);
    if (auto& dm = s.decoded[i]) (*decoded)[{dm->dev, dm->ino}] = dm->loader_view;
  }
  if (!decoded->empty()) a.decoded = std::move(decoded);
  a.elves.resize(elf_idx.size());
  std::vector<std::optional<Error>> errs(elf_idx.size());
  parallel_for(elf_idx.size(), [&](size_t k) {
    const ZipMember& m = *s.regular[elf_idx[k]];
    a.elves[k].member = m.name;
    a.elves[k].extracted = a.root + "/" + m.name;
    if (auto& dm = s.decoded[elf_idx[k]]) {
      a.elves[k].info = std::move(dm->info);
      return;
    }
    auto info = elf::read_elf_file(a.elves[k].extracted);
    if (!info) errs[k] = info.error().with_path(archive_name(a.wheel_path, m.name));
    else a.elves[k].info = std::move(*info);
  }, jobs);
  for (auto& e : errs)
    if (e) return *e;
  return {};
}

Status judge_arch_and_libc(Analysis& a) {
  a.arch = policy::arch_of(a.elves[0].info);
  std::optional<policy::Family> libc;
  for (auto& e : a.elves) {
    std::string arch = policy::arch_of(e.info);
    if (arch != a.arch)
      return make_error(ErrorCode::unsupported, "ELF files for two architectures: " + a.elves[0].member + " is " +
                                                    a.arch + ", " + e.member + " is " + arch)
          .with_path(a.wheel_path);
    if (!libc) libc = libc_family(e.info, e.member);  // the first file that tells decides, as in auditwheel
    for (auto& s : e.info.dynamic_symbols) {
      if (s.defined) continue;
      if (s.name.starts_with("PyUnicodeUCS2_")) a.ucs2 = true;
      if (s.name == "PyFPE_jbuf") a.pyfpe = true;
    }
  }
  // The wheel's own name decides first when all its platform tags name one libc (auditwheel's get_wheel_libc):
  // a static musl program (ruff's musllinux wheel) says nothing about its libc in its ELF headers.
  if (auto named = libc_from_tags(a.name.platform_tags)) libc = named;
  if (libc) a.family = *libc;
  return {};
}

resolve::ResolveOptions resolve_options(const Analysis& a, const ShowOptions& opts) {
  // The wheel's own directories first, then siblings, LD_LIBRARY_PATH, the system.
  resolve::ResolveOptions ro;
  ro.ld_library_path = opts.ld_library_path;
  ro.decoded = a.decoded;
  std::set<std::string> own_dirs;
  for (auto& e : a.elves)
    if (e.info.kind == elf::Kind::shared_object) own_dirs.insert(fs::path(e.extracted).parent_path().string());
  ro.extra_dirs.assign(own_dirs.begin(), own_dirs.end());
  for (auto& s : a.siblings) ro.extra_dirs.insert(ro.extra_dirs.end(), s.lib_dirs.begin(), s.lib_dirs.end());
  // A musl wheel is resolved as musl's loader would (its path file, no ld.so.cache): the host's glibc libraries
  // are not candidates for grafting into it.
  if (a.family == policy::Family::musllinux) ro.profile = *resolve::find_profile("musl");
  if (!opts.ldpaths.empty()) {
    ro.profile.default_dirs = opts.ldpaths;
    ro.profile.musl_path_file.clear();
    ro.profile.use_cache = false;
  }
  return ro;
}

Status resolve_elves(Analysis& a, const resolve::ResolveOptions& ro, unsigned jobs) {
  a.resolver = std::make_unique<resolve::Resolver>(ro);
  std::vector<std::optional<Error>> errs(a.elves.size());
  parallel_for(a.elves.size(), [&](size_t k) {
    auto t = a.resolver->resolve(a.elves[k].extracted);
    if (!t) errs[k] = t.error();
    else a.elves[k].tree = std::move(*t);
  }, jobs);
  for (auto& e : errs)
    if (e) return *e;
  // Wheel-internal libraries reached only through the wheel's directories need an RPATH entry.
  for (auto& e : a.elves) {
    std::set<std::string> dirs;
    for (auto& c : e.tree.root.children)
      if (c.rule == resolve::Rule::extra_dir && c.object && c.object->real_path.starts_with(a.root + "/"))
        dirs.insert(fs::path(c.object->real_path.substr(a.root.size() + 1)).parent_path().string());
    e.internal_dirs_needed.assign(dirs.begin(), dirs.end());
  }
  return {};
}

std::vector<VersionedUse> versioned_uses(const std::vector<ElfMember>& elves) {
  std::map<std::string, std::set<std::string>> vers;
  for (auto& e : elves)
    for (auto& vn : e.info.version_needs) {
      if (vn.file.starts_with("ld-linux") || vn.file.starts_with("ld64.so")) continue;
      for (auto& v : vn.versions) vers[vn.file].insert(v.name);
    }
  std::vector<VersionedUse> out;
  for (auto& [lib, vs] : vers) out.push_back({lib, std::vector<std::string>(vs.begin(), vs.end())});
  return out;
}

std::vector<const policy::Target*> targets_to_judge(const std::string& arch, policy::Family family,
                                                    const std::optional<std::string>& musl_policy) {
  std::vector<const policy::Target*> targets;
  for (auto* t : policy::targets_for_arch(arch))
    if (t->family == family) targets.push_back(t);
  std::stable_sort(targets.begin(), targets.end(),
                   [](const policy::Target* x, const policy::Target* y) { return x->priority > y->priority; });
  // auditwheel judges a musl wheel against one musllinux policy, the running musl's, else the newest it knows,
  // and tags it with that one (musllinux_1_2 for every wheel on a musl 1.2 system), never an older one.
  if (family == policy::Family::musllinux && !targets.empty()) {
    const policy::Target* pick = targets.back();
    for (auto* t : targets)
      if (musl_policy && t->name == *musl_policy) pick = t;
    targets = {pick};
  }
  return targets;
}

TargetEval evaluate_target(const Analysis& a, const policy::Target& t, const ShowOptions& opts, bool include_drivers) {
  TargetEval ev;
  ev.target = &t;
  ReachWalker walker{a, t, opts, include_drivers, ev, {}, {}};
  for (auto& e : a.elves) walker.walk(e);
  policy::EvaluateOptions eo;
  eo.auditwheel_compat = true;
  eo.check_isa = !opts.disable_isa_check;
  // Verdicts: wheel files (all checks) and libraries to graft (symbol versions, ISA).
  auto judge = [&](const elf::ElfInfo& info, const std::string& who, bool wheel_file) {
    for (auto& is : policy::evaluate(info, t, {}, eo).issues) {
      if (is.severity != policy::Severity::error) continue;
      std::string line = who + ": " + is.message;
      if (is.kind == policy::IssueKind::symbol_version) ev.symbol_reasons.push_back(line);
      else if (is.kind == policy::IssueKind::blacklisted_symbol && wheel_file) ev.blacklist_reasons.push_back(line);
      else if (is.kind == policy::IssueKind::isa_level) ev.isa_reasons.push_back(line);
    }
  };
  for (auto& e : a.elves) judge(e.info, e.member, true);
  for (auto& [nm, r] : ev.libs)
    if (r.lib.disposition == Disposition::graft && r.object && r.object->info)
      judge(*r.object->info, nm + " (to be grafted)", false);
  return ev;
}

Result<Analysis> analyze_wheel(const std::string& wheel_path, const AnalyzeOptions& aopts) {
  const ShowOptions& opts = *aopts.show;
  StepClock clock(&opts.on_step);
  Analysis a;
  a.wheel_path = wheel_path;
  FERRY_TRY(name, parse_wheel_name(wheel_path));
  a.name = name;
  FERRY_TRY(zip, ZipReader::open(wheel_path));
  a.zip = std::move(zip);
  FERRY_CHECK(check_members(a.zip.members(), wheel_path));
  FERRY_CHECK(read_dist_info(a));
  FERRY_CHECK(check_symlinks(a));
  FERRY_TRY(rec, check_record_lists_members(a));
  FERRY_CHECK(make_scratch_tree(a, opts.temp_dir));
  clock.mark("open: directory, metadata, RECORD");
  unsigned jobs = opts.jobs ? opts.jobs : default_jobs();
  FERRY_TRY(scan, scan_members(a, aopts.verify_all_hashes, jobs, aopts.progress, aopts.trust_record ? &rec : nullptr,
                               aopts.decode_in_memory, aopts.index_deflate_from));
  check_record_hashes(a, scan, rec);
  for (size_t i = 0; i < scan.regular.size(); ++i) {
    if (scan.indexes[i]) a.deflate_indexes[scan.regular[i]->name] = scan.indexes[i];
    if (!scan.seeds[i].empty()) a.seeds[scan.regular[i]->name] = scan.seeds[i];
    if (scan.claimed[i]) a.claimed_elves.insert(scan.regular[i]->name);
  }
  a.members_trusted = scan.trusted;
  clock.mark("scan: members hashed, ELF extracted");
  FERRY_CHECK(decode_elves(a, scan, jobs));
  if (a.elves.empty()) return a;  // pure: callers decide
  FERRY_CHECK(judge_arch_and_libc(a));
  for (auto& s : opts.siblings) {
    FERRY_TRY(sib, find_sibling(s, opts.site_packages));
    a.siblings.push_back(sib);
  }
  FERRY_CHECK(resolve_elves(a, resolve_options(a, opts), jobs));
  clock.mark("decode and resolve the ELF members");
  a.versioned = versioned_uses(a.elves);
  for (auto* t : targets_to_judge(a.arch, a.family, opts.musl_policy))
    a.evals.push_back(evaluate_target(a, *t, opts, aopts.include_drivers));
  clock.mark("judge the targets");
  return a;
}

}  // namespace ferry::wheel
