// Discovery for Windows wheels: open the wheel, read its extension modules, follow every imported and
// delay-loaded DLL (the wheel's own files first, then --add-path, then PATH; names compared case-insensitively,
// only files of the wheel's architecture), and say for each name whether it is vendored and why not.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <regex>

#include "resolve/resolve.hpp"
#include "support/file.hpp"
#include "support/parallel.hpp"
#include "support/text.hpp"
#include "wheel/windows_internal.hpp"

namespace ferry::wheel::windows {

namespace fs = std::filesystem;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool wildcard_contains(const std::string& name, const std::vector<std::string>& patterns) {
  for (auto& p : patterns)
    if (p.find('*') != std::string::npos ? glob_match(lower(p), name) : lower(p) == name) return true;
  return false;
}

namespace {

// What Windows or the interpreter provides, whatever is on the build machine (none of it is vendored).
std::optional<std::pair<DllKind, std::string>> left_to_system(const std::string& n, uint16_t machine,
                                                               const std::set<std::string>& runtime,
                                                               const WindowsOptions& opts) {
  static const std::regex python(R"(python[0-9]+t?(_d)?\.dll|libpypy([0-9]+\.)*[0-9]+-c\.dll|python-native\.dll)");
  if (std::regex_match(n, python)) return std::make_pair(DllKind::python, "the Python interpreter provides it");
  if (n.starts_with("api-") || n.starts_with("ext-ms-"))
    return std::make_pair(DllKind::api_set, "an API set, resolved by Windows");
  if (wildcard_contains(n, opts.exclude)) return std::make_pair(DllKind::excluded, "--exclude");
  if (runtime.count(n)) return std::make_pair(DllKind::runtime, "the C runtime that comes with this Python ABI");
  if (resolve::is_windows_system_dll(machine, n) && !wildcard_contains(n, opts.include))
    return std::make_pair(DllKind::system, "a Windows system DLL");
  return std::nullopt;
}

// Host search: --add-path directories, then PATH; a directory listing is compared case-insensitively.
std::optional<std::string> find_on_host(const std::string& n, uint16_t machine, const WindowsOptions& opts) {
  std::vector<std::string> dirs = opts.add_path;
  dirs.insert(dirs.end(), opts.path_dirs.begin(), opts.path_dirs.end());
  for (auto& d : dirs) {
    std::error_code ec;
    // increment(ec), not a range-for: operator++ throws on a read error.
    for (fs::directory_iterator it(d, ec), end; !ec && it != end; it.increment(ec)) {
      const fs::directory_entry& e = *it;
      std::error_code entry_ec;  // one unreadable entry does not end the listing
      if (lower(e.path().filename().string()) != n || !e.is_regular_file(entry_ec)) continue;
      // Architecture check on the first 4 KiB: COFF Machine after "PE\0\0".
      std::vector<uint8_t> h(4096);
      FILE* fp = std::fopen(e.path().c_str(), "rb");
      if (!fp) continue;
      h.resize(std::fread(h.data(), 1, h.size(), fp));
      std::fclose(fp);
      if (h.size() < 0x40) continue;
      uint32_t pe = uint32_t(h[0x3c]) | uint32_t(h[0x3d]) << 8 | uint32_t(h[0x3e]) << 16 | uint32_t(h[0x3f]) << 24;
      if (uint64_t(pe) + 6 > h.size() || (uint16_t(h[pe + 4]) | uint16_t(h[pe + 5]) << 8) != machine) continue;
      return e.path().string();
    }
  }
  return std::nullopt;
}

// A wheel member as an Image (bytes only; finish_image decodes it).
Result<std::unique_ptr<Image>> load_member(const Wheel& w, const ZipMember& m) {
  auto img = std::make_unique<Image>();
  FERRY_TRY(bytes, read_member_bytes(w, m, uint64_t(4) << 30));
  img->bytes = std::move(bytes);
  img->member = m.name;
  img->base_name = basename_of(m.name);
  return img;
}

Status finish_image(Image& img, const std::string& label, uint16_t machine) {
  img.lower_name = lower(img.base_name);
  // Only the imports and the header fields are used here: no second opinion from LIEF (a copy and a parse of
  // every image, a tenth of the time of a large wheel's repair).
  FERRY_TRY(info, pe::read_pe(ByteView(img.bytes.data(), img.bytes.size()), label, pe::ReadPeOptions{.lief_cross_check = false}));
  if (info.machine != machine)
    return make_error(ErrorCode::format, "its CPU architecture (" + info.machine_name +
                                             ") is not the wheel's").with_path(label);
  for (auto* v : {&info.imports, &info.delay_imports})
    for (auto& d : *v) img.direct.push_back(lower(d.name));
  // msvcp140.dll delay-loads concrt140.dll for Windows XP only: not a dependency on Windows 7+.
  if (img.lower_name == "msvcp140.dll")
    std::erase(img.direct, std::string("concrt140.dll"));
  img.info = std::move(info);
  return {};
}

// delvewheel warns when the C++ runtime found is older than the toolset that built its user; ferry also warns
// when it is newer (e.g. a conda copy on PATH), which hides an old-toolset build's real requirements.
void check_runtime_toolset(const Image& user, const Image& rt, std::vector<std::string>& warnings,
                           std::set<std::string>& warned) {
  static const std::regex redist(R"((vcruntime\d.*|msvcp[\d_].*|concrt\d.*|vcomp\d.*)\.dll)");
  if (!std::regex_match(rt.lower_name, redist)) return;
  auto key = [](const pe::Version& v) { return std::make_pair(v.major, v.minor / 10); };
  auto u = key(user.info.linker_version), r = key(rt.info.linker_version);
  if (u == r || !warned.insert(rt.lower_name).second) return;  // one warning per runtime: the first user named
  auto ver = [](const pe::Version& v) { return std::to_string(v.major) + "." + std::to_string(v.minor); };
  warnings.push_back(user.base_name + " was built with toolset " + ver(user.info.linker_version) + " but " +
                     rt.host_path + rt.member + " is " + (r < u ? "older" : "newer") + " (" +
                     ver(rt.info.linker_version) + "); vendor the runtime that matches the build toolset");
}

}  // namespace

std::set<std::string> abi_runtime_dlls(const WheelName& name) {
  static const std::regex cp39plus(R"(cp3(9|[1-9][0-9])t?)"), older(R"(cp3[5-8]m?|pp\d+|pypy.*)");
  std::set<std::string> out;
  bool any_new = false, any_old = false;
  // The ABI tag names the interpreter; for the stable ABI (abi3) and "none" the Python tag does.
  bool stable = name.abi.starts_with("abi3") || name.abi == "none";
  std::string tags = stable ? name.python : name.abi;
  std::vector<std::string> list;
  for (size_t a = 0, b; a <= tags.size(); a = b + 1) {
    b = tags.find('.', a);
    if (b == std::string::npos) b = tags.size();
    list.push_back(tags.substr(a, b - a));
  }
  for (auto& py : list) {
    if (std::regex_match(py, cp39plus)) any_new = true;
    else if (std::regex_match(py, older)) any_old = true;
  }
  if (any_new || any_old) out.insert("vcruntime140.dll");
  bool wide = name.platform.find("win_amd64") != std::string::npos || name.platform.find("win_arm64") != std::string::npos;
  if (any_new && !any_old && wide) out.insert("vcruntime140_1.dll");
  return out;
}

namespace {

// What a wave of discovery reads: a wheel member, or a host file found by find_on_host.
struct ToRead {
  const ZipMember* member = nullptr;
  std::string host_path;
};

// Reads and decodes one wave of images on every core (each is independent: its bytes, then read_pe). Results
// keep the wave's order; the first error in that order is the one reported, so output does not depend on timing.
Result<std::vector<std::unique_ptr<Image>>> read_wave(const Wheel& w, const std::vector<ToRead>& wave, unsigned jobs) {
  std::vector<std::unique_ptr<Image>> imgs(wave.size());
  std::vector<std::optional<Error>> errs(wave.size());
  parallel_for(wave.size(), [&](size_t i) {
    try {
      std::unique_ptr<Image> img;
      std::string label;
      if (wave[i].member) {
        auto r = load_member(w, *wave[i].member);
        if (!r) return void(errs[i] = r.error());
        img = std::move(*r);
        label = w.path + "!" + img->member;
      } else {
        auto bytes = read_file(wave[i].host_path);
        if (!bytes) return void(errs[i] = bytes.error());
        img = std::make_unique<Image>();
        img->bytes = std::move(*bytes), img->host_path = wave[i].host_path;
        img->base_name = fs::path(wave[i].host_path).filename().string();
        label = img->host_path;
      }
      if (Status st = finish_image(*img, label, w.machine); !st) return void(errs[i] = st.error());
      imgs[i] = std::move(img);
    } catch (const std::exception& e) {
      errs[i] = make_error(ErrorCode::io, std::string("reading a DLL: ") + e.what()).with_path(w.path);
    }
  }, jobs);
  for (auto& e : errs)
    if (e) return *e;
  return imgs;
}

}  // namespace

Result<Discovery> discover(Wheel& w, const WindowsOptions& opts, unsigned jobs) {
  Discovery d;
  std::set<std::string> warned;
  const auto runtime = abi_runtime_dlls(w.name);
  std::vector<ToRead> roots;
  std::vector<bool> root_is_dll;
  for (auto& m : w.zip.members()) {
    std::string ln = lower(m.name);
    if (m.is_dir || m.is_symlink) continue;
    bool ext = ln.ends_with(".pyd"), dll = opts.analyze_existing && ln.ends_with(".dll");
    if (!ext && !dll) continue;
    if (ln.find(".data/") != std::string::npos && ln.find(".data/platlib/") == std::string::npos &&
        ln.find(".data/purelib/") == std::string::npos)
      continue;
    roots.push_back({&m, ""});
    root_is_dll.push_back(dll);
  }
  FERRY_TRY(root_imgs, read_wave(w, roots, jobs));
  std::vector<Image*> wave;
  for (size_t i = 0; i < root_imgs.size(); ++i) {
    Image* img = root_imgs[i].get();
    img->root = true;
    wave.push_back(img);
    if (root_is_dll[i]) d.by_name[img->lower_name] = img;
    d.images.push_back(std::move(root_imgs[i]));
  }
  // Breadth first, one wave at a time: the users of a wave are classified in order (as a FIFO queue would), the
  // DLLs they newly reach are read together, then the toolset checks run in the order they were met.
  while (!wave.empty()) {
    std::vector<ToRead> reads;
    std::vector<std::string> read_names;                  // lowercase name of each read
    std::vector<std::pair<Image*, std::string>> checks;  // (user, runtime name) in the order met
    for (Image* user : wave) {
      for (auto& n : user->direct) {
        auto& f = d.findings[n];
        f.name = n;
        std::string by = user->member.empty() ? user->base_name : user->member;
        if (std::find(f.needed_by.begin(), f.needed_by.end(), by) == f.needed_by.end()) f.needed_by.push_back(by);
        if (f.needed_by.size() > 1) {
          checks.emplace_back(user, n);
          continue;  // classified already
        }
        if (auto sys = left_to_system(n, w.machine, runtime, opts)) {
          f.kind = sys->first, f.why = sys->second;
          continue;
        }
        if (auto it = w.casemap.find(n); it != w.casemap.end()) {
          const ZipMember* zm = nullptr;
          for (auto& m : w.zip.members())
            if (m.name == it->second.front()) zm = &m;
          f.kind = DllKind::in_wheel;
          f.path = it->second.front();
          f.why = opts.ignore_existing ? "already in the wheel (--ignore-existing: left as it is)" : "already in the wheel";
          if (d.by_name.count(n)) continue;  // a root DLL (--analyze-existing)
          reads.push_back({zm, ""});
        } else if (auto host = find_on_host(n, w.machine, opts)) {
          f.kind = DllKind::vendor, f.path = *host;
          if (d.by_name.count(n)) continue;
          reads.push_back({nullptr, *host});
        } else {
          f.kind = DllKind::missing, f.why = "not found in the wheel, --add-path or PATH";
          continue;
        }
        read_names.push_back(n);
        checks.emplace_back(user, n);
      }
    }
    FERRY_TRY(imgs, read_wave(w, reads, jobs));
    wave.clear();
    for (size_t i = 0; i < imgs.size(); ++i) {
      d.by_name[read_names[i]] = imgs[i].get();
      wave.push_back(imgs[i].get());
      d.images.push_back(std::move(imgs[i]));
    }
    for (auto& [user, n] : checks)
      if (auto it = d.by_name.find(n); it != d.by_name.end()) check_runtime_toolset(*user, *it->second, d.warnings, warned);
  }
  if (opts.ignore_existing)
    for (auto& [n, f] : d.findings)
      if (f.kind == DllKind::in_wheel && d.by_name.count(n))
        d.keep_names.insert(d.by_name[n]->direct.begin(), d.by_name[n]->direct.end());
  return d;
}

}  // namespace ferry::wheel::windows
