// Checked PE/COFF reader: from the headers and section table (decoded once, pe_layout.cpp), the three directories
// the loader uses to find other DLLs (import, delay-load import, export), every RVA mapped through the section
// table and every table bounded by its section. Follows the PE format specification ("PE Format",
// learn.microsoft.com) and LLVM's COFFObjectFile (which llvm-readobj --coff-imports, our oracle, uses).
#include <algorithm>

#include "pe/lief_check.hpp"
#include "pe/pe_info.hpp"
#include "pe/pe_layout.hpp"

namespace ferry::pe {

namespace {

constexpr uint16_t IMAGE_FILE_DLL = 0x2000;
constexpr uint32_t kMaxNameLength = 4096;  // longer import/export names are not produced by any linker

// Decoding stays proportional to the file: overlapping or shared tables cannot make ferry decode more entries or
// string bytes than a file of this size can hold without sharing.
struct Budget {
  uint64_t entries, bytes;
  explicit Budget(uint64_t file_size) : entries(file_size / 4 + 1024), bytes(file_size + 65536) {}
};

Error format_error(std::string msg, std::optional<uint64_t> off) {
  return make_error(ErrorCode::format, std::move(msg), off);
}

// RVAs resolved through the layout's section table, to views of the file bytes that back them.
class Image {
public:
  Image(ByteView file, const PeLayout& layout) : file_(file), layout_(layout) {}

  // The file bytes from `rva` to the end of the data that backs it (the headers or one section's raw data).
  std::optional<ByteView> find_rva(uint64_t rva) const {
    auto at = layout_.rva_to_off(rva);
    if (!at) return std::nullopt;
    return file_.find_sub(at->first, at->second);
  }
  Result<ByteView> read_rva(uint64_t rva, const std::string& what, uint64_t field_off) const {
    if (auto v = find_rva(rva)) return *v;
    return format_error(what + ": RVA " + hex(rva) + " is outside every section", field_off);
  }
  Result<std::string> read_name(uint64_t rva, const std::string& what, uint64_t field_off, Budget& budget) const {
    FERRY_TRY(v, read_rva(rva, what, field_off));
    auto s = v.find_cstring(0);
    if (!s) return format_error(what + ": string at " + hex(v.base()) + " is not terminated within its section",
                                v.base());
    if (s->size() > kMaxNameLength)
      return format_error(what + ": string at " + hex(v.base()) + " is longer than " +
                              std::to_string(kMaxNameLength) + " bytes",
                          v.base());
    if (s->size() > budget.bytes)
      return format_error(what + ": names decode to more bytes than the file holds (overlapping tables?)",
                          v.base());
    budget.bytes -= s->size();
    return std::string(*s);
  }
  uint64_t image_base() const { return layout_.image_base; }

private:
  ByteView file_;
  const PeLayout& layout_;
};

// An import lookup table (or delay-load import name table): 4- or 8-byte thunks ending with zero.
// `va_based` tables (old delay-load descriptors without the RVA attribute) hold VAs instead of RVAs.
Status read_thunks(const Image& img, uint64_t table_rva, bool pe32_plus, bool va_based, const std::string& what,
                   uint64_t field_off, ImportedDll& dll, Budget& budget) {
  FERRY_TRY(table, img.read_rva(table_rva, what + " lookup table", field_off));
  const uint64_t w = pe32_plus ? 8 : 4;
  const uint64_t ordinal_flag = pe32_plus ? (uint64_t(1) << 63) : (uint64_t(1) << 31);
  for (uint64_t i = 0;; ++i) {
    uint64_t off = i * w;
    std::optional<uint64_t> entry;
    if (pe32_plus)
      entry = table.find_uint<uint64_t>(off, Endian::little);
    else if (auto e32 = table.find_uint<uint32_t>(off, Endian::little))
      entry = *e32;
    if (!entry)
      return format_error(what + ": lookup table at " + hex(table.base()) +
                              " runs past the end of its section without a terminating entry",
                          table.base());
    if (*entry == 0) return {};
    if (budget.entries == 0)
      return format_error(what + ": tables decode to more entries than the file holds (overlapping tables?)",
                          table.base() + off);
    --budget.entries;
    ImportedFunction fn;
    if (*entry & ordinal_flag) {
      fn.ordinal = static_cast<uint16_t>(*entry & 0xffff);
    } else {
      uint64_t rva = *entry & 0x7fffffff;
      if (va_based) rva = *entry >= img.image_base() ? *entry - img.image_base() : *entry;
      std::string entry_what = what + ": lookup table entry #" + std::to_string(i);
      FERRY_TRY(hn, img.read_rva(rva, entry_what + " hint/name", table.base() + off));
      auto hint = hn.find_uint<uint16_t>(0, Endian::little);
      if (!hint) return hn.out_of_bounds(0, 2, entry_what + " hint");
      fn.hint = *hint;
      FERRY_TRY(name, img.read_name(rva + 2, entry_what + " name", table.base() + off, budget));
      fn.name = std::move(name);
    }
    dll.functions.push_back(std::move(fn));
  }
}

// Where descriptor #i of a directory of `size`-byte descriptors starts; the directory must hold it (a zeroed
// descriptor ends the list, so running out of bytes first is malformed).
Result<uint64_t> descriptor_at(const ByteView& dir, uint64_t i, uint64_t size, const std::string& what) {
  uint64_t d = i * size;
  if (!dir.in_bounds(d, size))
    return format_error(what + " at " + hex(dir.base()) + " runs past the end of its section without a terminating "
                        "descriptor", dir.base() + d);
  return d;
}

Status read_imports(const Image& img, uint32_t dir_rva, uint64_t field_off, bool pe32_plus, PeInfo& info,
                    Budget& budget) {
  FERRY_TRY(dir, img.read_rva(dir_rva, "import directory", field_off));
  for (uint64_t i = 0;; ++i) {
    FERRY_TRY(d, descriptor_at(dir, i, 20, "import directory"));
    uint32_t ilt = *dir.find_uint<uint32_t>(d, Endian::little);
    uint32_t name_rva = *dir.find_uint<uint32_t>(d + 12, Endian::little);
    uint32_t iat = *dir.find_uint<uint32_t>(d + 16, Endian::little);
    if (ilt == 0 && name_rva == 0 && iat == 0) return {};
    std::string what = "import descriptor #" + std::to_string(i);
    ImportedDll dll;
    FERRY_TRY(name, img.read_name(name_rva, what + " name", dir.base() + d + 12, budget));
    dll.name = std::move(name);
    what += " (" + dll.name + ")";
    // The lookup table is the pristine copy; bound images overwrite the IAT, so it is only the fallback.
    uint32_t table = ilt != 0 ? ilt : iat;
    FERRY_CHECK(read_thunks(img, table, pe32_plus, false, what, dir.base() + d + (ilt != 0 ? 0 : 16), dll, budget));
    info.imports.push_back(std::move(dll));
  }
}

Status read_delay_imports(const Image& img, uint32_t dir_rva, uint64_t field_off, bool pe32_plus, PeInfo& info,
                          Budget& budget) {
  FERRY_TRY(dir, img.read_rva(dir_rva, "delay-load import directory", field_off));
  for (uint64_t i = 0;; ++i) {
    FERRY_TRY(d, descriptor_at(dir, i, 32, "delay-load import directory"));
    uint32_t attributes = *dir.find_uint<uint32_t>(d, Endian::little);
    uint64_t name_rva = *dir.find_uint<uint32_t>(d + 4, Endian::little);
    uint64_t int_rva = *dir.find_uint<uint32_t>(d + 16, Endian::little);
    if (name_rva == 0) return {};
    // Attributes bit 0 (dlattrRva) clear: a Visual C++ 6 descriptor whose fields are VAs.
    bool va_based = (attributes & 1) == 0;
    if (va_based) {
      if (name_rva >= img.image_base()) name_rva -= img.image_base();
      if (int_rva >= img.image_base()) int_rva -= img.image_base();
    }
    std::string what = "delay-load descriptor #" + std::to_string(i);
    ImportedDll dll;
    FERRY_TRY(name, img.read_name(name_rva, what + " name", dir.base() + d + 4, budget));
    dll.name = std::move(name);
    what += " (" + dll.name + ")";
    if (int_rva != 0)
      FERRY_CHECK(read_thunks(img, int_rva, pe32_plus, va_based, what, dir.base() + d + 16, dll, budget));
    info.delay_imports.push_back(std::move(dll));
  }
}

Status read_exports(const Image& img, uint32_t dir_rva, uint64_t field_off, PeInfo& info, Budget& budget) {
  FERRY_TRY(dir, img.read_rva(dir_rva, "export directory", field_off));
  if (!dir.in_bounds(0, 40)) return dir.out_of_bounds(0, 40, "export directory");
  uint32_t name_rva = *dir.find_uint<uint32_t>(12, Endian::little);
  uint32_t nfunctions = *dir.find_uint<uint32_t>(20, Endian::little);
  uint32_t nnames = *dir.find_uint<uint32_t>(24, Endian::little);
  uint32_t functions_rva = *dir.find_uint<uint32_t>(28, Endian::little);
  uint32_t names_rva = *dir.find_uint<uint32_t>(32, Endian::little);
  uint32_t ordinals_rva = *dir.find_uint<uint32_t>(36, Endian::little);
  if (name_rva != 0) {
    FERRY_TRY(name, img.read_name(name_rva, "export directory name", dir.base() + 12, budget));
    info.export_name = std::move(name);
  }
  info.export_count = nfunctions;
  if (nfunctions != 0) {
    FERRY_TRY(eat, img.read_rva(functions_rva, "export address table", dir.base() + 28));
    if (!eat.in_bounds(0, uint64_t(nfunctions) * 4))
      return format_error("export address table: " + std::to_string(nfunctions) + " entries at " + hex(eat.base()) +
                              " run past the end of its section",
                          eat.base());
  }
  if (nnames == 0) return {};
  FERRY_TRY(ords, img.read_rva(ordinals_rva, "export ordinal table", dir.base() + 36));
  if (!ords.in_bounds(0, uint64_t(nnames) * 2))
    return format_error("export ordinal table: " + std::to_string(nnames) + " entries at " + hex(ords.base()) +
                            " run past the end of its section",
                        ords.base());
  FERRY_TRY(names, img.read_rva(names_rva, "export name pointer table", dir.base() + 32));
  if (!names.in_bounds(0, uint64_t(nnames) * 4))
    return format_error("export name pointer table: " + std::to_string(nnames) + " entries at " +
                            hex(names.base()) + " run past the end of its section",
                        names.base());
  for (uint32_t i = 0; i < nnames; ++i) {
    uint32_t rva = *names.find_uint<uint32_t>(uint64_t(i) * 4, Endian::little);
    FERRY_TRY(name, img.read_name(rva, "export name #" + std::to_string(i), names.base() + uint64_t(i) * 4, budget));
    info.exported_names.push_back(std::move(name));
  }
  return {};
}

Result<PeInfo> read_pe_image(ByteView f, const PeLayout& L, PeInfo info, const ReadPeOptions& opts) {
  info.machine = L.machine;
  info.section_count = static_cast<uint16_t>(L.sections.size());
  info.timestamp = L.timestamp;
  info.characteristics = L.characteristics;
  info.machine_name = machine_name(info.machine);
  info.is_dll = (info.characteristics & IMAGE_FILE_DLL) != 0;
  info.pe32_plus = L.pe32_plus;
  info.linker_version = {L.linker_major, L.linker_minor};
  info.entry_point = L.entry_point;
  info.image_base = L.image_base;
  info.os_version = {L.os_major, L.os_minor};
  info.image_version = {L.image_major, L.image_minor};
  info.subsystem_version = {L.subsystem_major, L.subsystem_minor};
  info.size_of_image = L.size_of_image;
  info.subsystem = L.subsystem;
  info.subsystem_name = subsystem_name(info.subsystem);
  info.dll_characteristics = L.dll_characteristics;

  Image img(f, L);
  Budget budget(f.size());
  if (L.dirs[0].first != 0) FERRY_CHECK(read_exports(img, L.dirs[0].first, L.dir_field(0), info, budget));
  if (L.dirs[1].first != 0) FERRY_CHECK(read_imports(img, L.dirs[1].first, L.dir_field(1), info.pe32_plus, info, budget));
  if (L.dirs[13].first != 0)
    FERRY_CHECK(read_delay_imports(img, L.dirs[13].first, L.dir_field(13), info.pe32_plus, info, budget));

  if (opts.lief_cross_check) detail::cross_check_with_lief(f, L.dirs_off, L.ndirs, L.coff_off, info);
  return info;
}

}  // namespace

Result<PeInfo> read_pe(ByteView image, const PeLayout& layout, const std::string& path, const ReadPeOptions& opts) {
  PeInfo info;
  info.path = path;
  info.file_size = image.size();
  auto r = read_pe_image(image, layout, std::move(info), opts);
  if (!r) return r.error().with_path(path);
  return r;
}

Result<PeInfo> read_pe(ByteView image, const std::string& path, const ReadPeOptions& opts) {
  auto layout = read_layout(image);
  if (!layout) return layout.error().with_path(path);
  return read_pe(image, *layout, path, opts);
}

}  // namespace ferry::pe
