// Checked Mach-O reader: fat header, mach_header, and every load command dyld reads (dylibs, rpaths, versions),
// plus the file ranges of segments, symbol tables and __LINKEDIT blobs — validated before LIEF sees the bytes.
// Follows <mach-o/loader.h> and <mach-o/fat.h>; checks modelled on dyld's "malformed mach-o" diagnostics and
// LLVM's MachOObjectFile (cmdsize multiple of 4, lc_str offsets inside their command, ranges inside the file).
#include <algorithm>
#include <cstdio>

#include "macho/lief_check.hpp"
#include "macho/macho_info.hpp"

namespace ferry::macho {

namespace {

constexpr uint32_t LC_REQ_DYLD = 0x80000000;
enum : uint32_t {
  LC_SEGMENT = 0x1, LC_SYMTAB = 0x2, LC_THREAD = 0x4, LC_UNIXTHREAD = 0x5, LC_DYSYMTAB = 0xb,
  LC_LOAD_DYLIB = 0xc, LC_ID_DYLIB = 0xd, LC_LOAD_DYLINKER = 0xe, LC_ID_DYLINKER = 0xf,
  LC_SUB_FRAMEWORK = 0x12, LC_LOAD_WEAK_DYLIB = 0x18 | LC_REQ_DYLD, LC_SEGMENT_64 = 0x19, LC_UUID = 0x1b,
  LC_RPATH = 0x1c | LC_REQ_DYLD, LC_CODE_SIGNATURE = 0x1d, LC_SEGMENT_SPLIT_INFO = 0x1e,
  LC_REEXPORT_DYLIB = 0x1f | LC_REQ_DYLD, LC_LAZY_LOAD_DYLIB = 0x20, LC_ENCRYPTION_INFO = 0x21,
  LC_DYLD_INFO = 0x22, LC_DYLD_INFO_ONLY = 0x22 | LC_REQ_DYLD, LC_LOAD_UPWARD_DYLIB = 0x23 | LC_REQ_DYLD,
  LC_VERSION_MIN_MACOSX = 0x24, LC_VERSION_MIN_IPHONEOS = 0x25, LC_FUNCTION_STARTS = 0x26,
  LC_DYLD_ENVIRONMENT = 0x27, LC_MAIN = 0x28 | LC_REQ_DYLD, LC_DATA_IN_CODE = 0x29, LC_SOURCE_VERSION = 0x2a,
  LC_DYLIB_CODE_SIGN_DRS = 0x2b, LC_ENCRYPTION_INFO_64 = 0x2c, LC_LINKER_OPTIMIZATION_HINT = 0x2e,
  LC_VERSION_MIN_TVOS = 0x2f, LC_VERSION_MIN_WATCHOS = 0x30, LC_BUILD_VERSION = 0x32,
  LC_DYLD_EXPORTS_TRIE = 0x33 | LC_REQ_DYLD, LC_DYLD_CHAINED_FIXUPS = 0x34 | LC_REQ_DYLD,
};

constexpr uint32_t FAT_MAGIC = 0xcafebabe, FAT_MAGIC_64 = 0xcafebabf;
constexpr uint32_t MH_MAGIC = 0xfeedface, MH_MAGIC_64 = 0xfeedfacf, MH_CIGAM = 0xcefaedfe,
                   MH_CIGAM_64 = 0xcffaedfe;

const char* command_name(uint32_t cmd) {
  switch (cmd) {
    case LC_SEGMENT: return "LC_SEGMENT";
    case LC_SYMTAB: return "LC_SYMTAB";
    case LC_THREAD: return "LC_THREAD";
    case LC_UNIXTHREAD: return "LC_UNIXTHREAD";
    case LC_DYSYMTAB: return "LC_DYSYMTAB";
    case LC_LOAD_DYLIB: return "LC_LOAD_DYLIB";
    case LC_ID_DYLIB: return "LC_ID_DYLIB";
    case LC_LOAD_DYLINKER: return "LC_LOAD_DYLINKER";
    case LC_ID_DYLINKER: return "LC_ID_DYLINKER";
    case LC_SUB_FRAMEWORK: return "LC_SUB_FRAMEWORK";
    case LC_LOAD_WEAK_DYLIB: return "LC_LOAD_WEAK_DYLIB";
    case LC_SEGMENT_64: return "LC_SEGMENT_64";
    case LC_UUID: return "LC_UUID";
    case LC_RPATH: return "LC_RPATH";
    case LC_CODE_SIGNATURE: return "LC_CODE_SIGNATURE";
    case LC_SEGMENT_SPLIT_INFO: return "LC_SEGMENT_SPLIT_INFO";
    case LC_REEXPORT_DYLIB: return "LC_REEXPORT_DYLIB";
    case LC_LAZY_LOAD_DYLIB: return "LC_LAZY_LOAD_DYLIB";
    case LC_ENCRYPTION_INFO: return "LC_ENCRYPTION_INFO";
    case LC_DYLD_INFO: return "LC_DYLD_INFO";
    case LC_DYLD_INFO_ONLY: return "LC_DYLD_INFO_ONLY";
    case LC_LOAD_UPWARD_DYLIB: return "LC_LOAD_UPWARD_DYLIB";
    case LC_VERSION_MIN_MACOSX: return "LC_VERSION_MIN_MACOSX";
    case LC_VERSION_MIN_IPHONEOS: return "LC_VERSION_MIN_IPHONEOS";
    case LC_FUNCTION_STARTS: return "LC_FUNCTION_STARTS";
    case LC_DYLD_ENVIRONMENT: return "LC_DYLD_ENVIRONMENT";
    case LC_MAIN: return "LC_MAIN";
    case LC_DATA_IN_CODE: return "LC_DATA_IN_CODE";
    case LC_SOURCE_VERSION: return "LC_SOURCE_VERSION";
    case LC_DYLIB_CODE_SIGN_DRS: return "LC_DYLIB_CODE_SIGN_DRS";
    case LC_ENCRYPTION_INFO_64: return "LC_ENCRYPTION_INFO_64";
    case LC_LINKER_OPTIMIZATION_HINT: return "LC_LINKER_OPTIMIZATION_HINT";
    case LC_VERSION_MIN_TVOS: return "LC_VERSION_MIN_TVOS";
    case LC_VERSION_MIN_WATCHOS: return "LC_VERSION_MIN_WATCHOS";
    case LC_BUILD_VERSION: return "LC_BUILD_VERSION";
    case LC_DYLD_EXPORTS_TRIE: return "LC_DYLD_EXPORTS_TRIE";
    case LC_DYLD_CHAINED_FIXUPS: return "LC_DYLD_CHAINED_FIXUPS";
    default: return nullptr;
  }
}

std::string command_label(uint32_t cmd) {
  if (const char* n = command_name(cmd)) return n;
  return "cmd " + hex(cmd);
}

// One load command: its index, type and bytes (view base = file offset of the command).
struct Command {
  uint32_t index = 0;
  uint32_t cmd = 0;
  ByteView bytes;
  Endian endian = Endian::little;

  Error error(const std::string& msg) const {
    return make_error(ErrorCode::format,
                      "load command #" + std::to_string(index) + " (" + command_label(cmd) + "): " + msg,
                      bytes.base());
  }
  Result<uint32_t> u32(uint64_t off) const {
    if (auto v = bytes.find_uint<uint32_t>(off, endian)) return *v;
    return error("field at +" + hex(off) + " is past the end of the command (cmdsize " + hex(bytes.size()) + ")");
  }
  Result<uint64_t> u64(uint64_t off) const {
    if (auto v = bytes.find_uint<uint64_t>(off, endian)) return *v;
    return error("field at +" + hex(off) + " is past the end of the command (cmdsize " + hex(bytes.size()) + ")");
  }
  Status need_size(uint64_t min) const {
    if (bytes.size() < min) return error("cmdsize " + hex(bytes.size()) + " is too small (needs " + hex(min) + ")");
    return {};
  }
  // An lc_str: a 32-bit offset from the start of the command to a NUL-terminated string inside the command.
  Result<std::string> lc_str(uint64_t field_off, uint64_t fixed_size, const char* what) const {
    FERRY_TRY(off, u32(field_off));
    if (off < fixed_size || off >= bytes.size())
      return error(std::string(what) + " offset " + hex(off) + " is outside the command (cmdsize " +
                   hex(bytes.size()) + ")");
    auto s = bytes.find_cstring(off);
    if (!s) return error(std::string(what) + " at " + hex(bytes.base() + off) + " is not NUL-terminated");
    return std::string(*s);
  }
};

// A file range named by a load command (symbol table, segment contents, __LINKEDIT blob) must lie in the slice.
Status check_range(const Command& c, const ByteView& slice, uint64_t off, uint64_t count, uint64_t elem,
                   const char* what) {
  auto len = checked_mul(count, elem);
  if (!len || !slice.in_bounds(off, *len))
    return c.error(std::string(what) + " range " + hex(off) + "+" + (len ? hex(*len) : std::string("overflow")) +
                   " is outside the slice (" + hex(slice.size()) + ")");
  return {};
}

Status read_dylib(const Command& c, Dylib& d) {
  FERRY_CHECK(c.need_size(24));
  FERRY_TRY(name, c.lc_str(8, 24, "dylib name"));
  d.name = std::move(name);
  FERRY_TRY(ts, c.u32(12));
  FERRY_TRY(cur, c.u32(16));
  FERRY_TRY(compat, c.u32(20));
  d.timestamp = ts;
  d.current_version = cur;
  d.compatibility_version = compat;
  return {};
}

Status read_segment(const Command& c, const ByteView& slice, bool is64) {
  const uint64_t fixed = is64 ? 72 : 56, sect_size = is64 ? 80 : 68;
  FERRY_CHECK(c.need_size(fixed));
  uint64_t fileoff, filesize;
  if (is64) {
    FERRY_TRY(o, c.u64(40));
    FERRY_TRY(s, c.u64(48));
    fileoff = o, filesize = s;
  } else {
    FERRY_TRY(o, c.u32(32));
    FERRY_TRY(s, c.u32(36));
    fileoff = o, filesize = s;
  }
  FERRY_TRY(nsects, c.u32(is64 ? 64 : 48));
  FERRY_CHECK(check_range(c, slice, fileoff, filesize, 1, "segment file"));
  auto need = checked_add(fixed, uint64_t(nsects) * sect_size);
  if (!need || *need > c.bytes.size())
    return c.error("nsects " + std::to_string(nsects) + " needs " + hex(fixed + uint64_t(nsects) * sect_size) +
                   " bytes, cmdsize is " + hex(c.bytes.size()));
  for (uint32_t i = 0; i < nsects; ++i) {
    uint64_t s = fixed + uint64_t(i) * sect_size;
    uint64_t size;
    if (is64) {
      FERRY_TRY(v, c.u64(s + 40));
      size = v;
    } else {
      FERRY_TRY(v, c.u32(s + 36));
      size = v;
    }
    uint64_t off_field = s + (is64 ? 48 : 40);
    FERRY_TRY(offset, c.u32(off_field));
    FERRY_TRY(reloff, c.u32(off_field + 8));
    FERRY_TRY(nreloc, c.u32(off_field + 12));
    FERRY_TRY(flags, c.u32(off_field + 16));
    uint32_t type = flags & 0xff;
    bool zerofill = type == 0x1 || type == 0xc || type == 0x12;  // S_ZEROFILL, S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL
    if (!zerofill && offset != 0) FERRY_CHECK(check_range(c, slice, offset, size, 1, "section file"));
    if (nreloc != 0) FERRY_CHECK(check_range(c, slice, reloff, nreloc, 8, "section relocation"));
  }
  return {};
}

Status read_symtab(const Command& c, const ByteView& slice, bool is64, uint32_t& nsyms_out) {
  FERRY_CHECK(c.need_size(24));
  FERRY_TRY(symoff, c.u32(8));
  FERRY_TRY(nsyms, c.u32(12));
  FERRY_TRY(stroff, c.u32(16));
  FERRY_TRY(strsize, c.u32(20));
  FERRY_CHECK(check_range(c, slice, symoff, nsyms, is64 ? 16 : 12, "symbol table"));
  FERRY_CHECK(check_range(c, slice, stroff, strsize, 1, "string table"));
  nsyms_out = nsyms;
  return {};
}

Status read_dysymtab(const Command& c, const ByteView& slice, bool is64) {
  FERRY_CHECK(c.need_size(80));
  // (offset field, count field, entry size, name) for each table dysymtab_command points to.
  struct Table { uint64_t off, count, elem; const char* what; };
  const Table tables[] = {{32, 36, 8, "table of contents"},
                          {40, 44, is64 ? 56u : 52u, "module table"},
                          {48, 52, 4, "external reference table"},
                          {56, 60, 4, "indirect symbol table"},
                          {64, 68, 8, "external relocation"},
                          {72, 76, 8, "local relocation"}};
  for (const auto& t : tables) {
    FERRY_TRY(off, c.u32(t.off));
    FERRY_TRY(count, c.u32(t.count));
    if (count != 0) FERRY_CHECK(check_range(c, slice, off, count, t.elem, t.what));
  }
  return {};
}

Status read_linkedit_data(const Command& c, const ByteView& slice) {
  FERRY_CHECK(c.need_size(16));
  FERRY_TRY(off, c.u32(8));
  FERRY_TRY(size, c.u32(12));
  return check_range(c, slice, off, size, 1, "data");
}

Status read_dyld_info(const Command& c, const ByteView& slice) {
  FERRY_CHECK(c.need_size(48));
  const char* names[] = {"rebase info", "bind info", "weak bind info", "lazy bind info", "export info"};
  for (int i = 0; i < 5; ++i) {
    FERRY_TRY(off, c.u32(8 + 8 * i));
    FERRY_TRY(size, c.u32(12 + 8 * i));
    if (size != 0) FERRY_CHECK(check_range(c, slice, off, size, 1, names[i]));
  }
  return {};
}

// LC_THREAD / LC_UNIXTHREAD: (flavor, count, count * 4 bytes of state) records filling the command.
Status read_thread(const Command& c) {
  FERRY_CHECK(c.need_size(8));
  uint64_t pos = 8;
  while (pos < c.bytes.size()) {
    FERRY_TRY(flavor, c.u32(pos));
    FERRY_TRY(count, c.u32(pos + 4));
    (void)flavor;
    uint64_t len = uint64_t(count) * 4;
    if (!c.bytes.in_bounds(pos + 8, len))
      return c.error("thread state at +" + hex(pos) + " (" + hex(len) + " bytes) runs past the command (cmdsize " +
                     hex(c.bytes.size()) + ")");
    pos += 8 + len;
  }
  return {};
}

std::string format_uuid(const ByteView& b) {
  std::string out;
  char buf[4];
  for (uint64_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    std::snprintf(buf, sizeof buf, "%02X", b.data()[i]);
    out += buf;
  }
  return out;
}

// LC_ID_DYLIB: the library's own install name; the first one counts, another is reported and ignored.
Status read_id_dylib(const Command& c, Slice& s) {
  Dylib d;
  FERRY_CHECK(read_dylib(c, d));
  if (s.id)
    s.warnings.push_back("load command #" + std::to_string(c.index) + ": second LC_ID_DYLIB " + d.name + " ignored");
  else
    s.id = std::move(d);
  return {};
}

DylibKind dependency_kind(uint32_t cmd) {
  switch (cmd) {
    case LC_LOAD_WEAK_DYLIB: return DylibKind::weak;
    case LC_REEXPORT_DYLIB: return DylibKind::reexport;
    case LC_LOAD_UPWARD_DYLIB: return DylibKind::upward;
    case LC_LAZY_LOAD_DYLIB: return DylibKind::lazy;
    default: return DylibKind::load;
  }
}

// LC_LOAD_DYLIB and its weak, re-export, upward and lazy variants.
Status read_dependency(const Command& c, Slice& s) {
  Dylib d;
  FERRY_CHECK(read_dylib(c, d));
  d.kind = dependency_kind(c.cmd);
  s.dependencies.push_back(std::move(d));
  return {};
}

// The commands that hold one lc_str right after cmd/cmdsize: LC_RPATH, the dylinker, environment and
// sub-framework names.
Result<std::string> read_str_command(const Command& c, const char* what) {
  FERRY_CHECK(c.need_size(12));
  return c.lc_str(8, 12, what);
}

// LC_VERSION_MIN_*: the platform is implied by the command.
Status read_version_min(const Command& c, Slice& s) {
  FERRY_CHECK(c.need_size(16));
  MinOs m;
  m.command = command_name(c.cmd);
  m.platform = c.cmd == LC_VERSION_MIN_MACOSX ? 1 : c.cmd == LC_VERSION_MIN_IPHONEOS ? 2
               : c.cmd == LC_VERSION_MIN_TVOS ? 3 : 4;
  m.platform_name = platform_name(m.platform);
  FERRY_TRY(v, c.u32(8));
  FERRY_TRY(sdk, c.u32(12));
  m.minos = v;
  m.sdk = sdk;
  s.min_os.push_back(std::move(m));
  return {};
}

// LC_BUILD_VERSION: platform, minos, sdk, then ntools 8-byte tool records that must fit in the command.
Status read_build_version(const Command& c, Slice& s) {
  FERRY_CHECK(c.need_size(24));
  FERRY_TRY(platform, c.u32(8));
  FERRY_TRY(minos, c.u32(12));
  FERRY_TRY(sdk, c.u32(16));
  FERRY_TRY(ntools, c.u32(20));
  if (uint64_t(ntools) * 8 > c.bytes.size() - 24)
    return c.error("ntools " + std::to_string(ntools) + " needs " + hex(24 + uint64_t(ntools) * 8) +
                   " bytes, cmdsize is " + hex(c.bytes.size()));
  MinOs m;
  m.command = "LC_BUILD_VERSION";
  m.platform = platform;
  m.platform_name = platform_name(platform);
  m.minos = minos;
  m.sdk = sdk;
  s.min_os.push_back(std::move(m));
  return {};
}

Status read_encryption_info(const Command& c, const ByteView& slice) {
  FERRY_CHECK(c.need_size(20));
  FERRY_TRY(off, c.u32(8));
  FERRY_TRY(size, c.u32(12));
  return check_range(c, slice, off, size, 1, "encrypted");
}

// What the command loop carries from one command to the next: dyld refuses a second LC_SYMTAB.
struct CommandState {
  uint32_t nsyms = 0;
  bool have_symtab = false;
};

Status read_one_symtab(const Command& c, const ByteView& slice, bool is64, CommandState& st) {
  if (st.have_symtab) return c.error("more than one LC_SYMTAB");
  st.have_symtab = true;
  return read_symtab(c, slice, is64, st.nsyms);
}

Status read_rpath(const Command& c, Slice& s) {
  FERRY_TRY(p, read_str_command(c, "path"));
  s.rpaths.push_back(std::move(p));
  return {};
}

// LC_LOAD_DYLINKER is reported; LC_ID_DYLINKER, LC_DYLD_ENVIRONMENT and LC_SUB_FRAMEWORK are only checked.
Status read_name_command(const Command& c, Slice& s) {
  FERRY_TRY(name, read_str_command(c, "name"));
  if (c.cmd == LC_LOAD_DYLINKER) s.dylinker = std::move(name);
  return {};
}

Status read_uuid(const Command& c, Slice& s) {
  FERRY_CHECK(c.need_size(24));
  s.uuid = format_uuid(*c.bytes.find_sub(8, 16));
  return {};
}

Status read_main(const Command& c, Slice& s) {
  FERRY_CHECK(c.need_size(24));
  FERRY_TRY(off, c.u64(8));
  s.entry_offset = off;
  return {};
}

Status read_code_signature(const Command& c, const ByteView& slice, Slice& s) {
  s.has_code_signature = true;
  return read_linkedit_data(c, slice);
}

// One load command into the Slice: names and versions are recorded, every file range it points at is checked.
Status read_command(const Command& c, const ByteView& slice, Slice& s, CommandState& st) {
  switch (c.cmd) {
    case LC_ID_DYLIB: return read_id_dylib(c, s);
    case LC_LOAD_DYLIB:
    case LC_LOAD_WEAK_DYLIB:
    case LC_REEXPORT_DYLIB:
    case LC_LOAD_UPWARD_DYLIB:
    case LC_LAZY_LOAD_DYLIB: return read_dependency(c, s);
    case LC_RPATH: return read_rpath(c, s);
    case LC_LOAD_DYLINKER:
    case LC_ID_DYLINKER:
    case LC_DYLD_ENVIRONMENT:
    case LC_SUB_FRAMEWORK: return read_name_command(c, s);
    case LC_VERSION_MIN_MACOSX:
    case LC_VERSION_MIN_IPHONEOS:
    case LC_VERSION_MIN_TVOS:
    case LC_VERSION_MIN_WATCHOS: return read_version_min(c, s);
    case LC_BUILD_VERSION: return read_build_version(c, s);
    case LC_UUID: return read_uuid(c, s);
    case LC_MAIN: return read_main(c, s);
    case LC_SEGMENT: return read_segment(c, slice, false);
    case LC_SEGMENT_64: return read_segment(c, slice, true);
    case LC_SYMTAB: return read_one_symtab(c, slice, s.is_64, st);
    case LC_DYSYMTAB: return read_dysymtab(c, slice, s.is_64);
    case LC_DYLD_INFO:
    case LC_DYLD_INFO_ONLY: return read_dyld_info(c, slice);
    case LC_CODE_SIGNATURE: return read_code_signature(c, slice, s);
    case LC_SEGMENT_SPLIT_INFO:
    case LC_FUNCTION_STARTS:
    case LC_DATA_IN_CODE:
    case LC_DYLIB_CODE_SIGN_DRS:
    case LC_LINKER_OPTIMIZATION_HINT:
    case LC_DYLD_EXPORTS_TRIE:
    case LC_DYLD_CHAINED_FIXUPS: return read_linkedit_data(c, slice);
    case LC_ENCRYPTION_INFO:
    case LC_ENCRYPTION_INFO_64: return read_encryption_info(c, slice);
    case LC_THREAD:
    case LC_UNIXTHREAD: return read_thread(c);
    default: return {};  // nothing ferry reports or checks
  }
}

Result<Slice> read_slice(ByteView slice, bool lief) {
  Slice s;
  s.offset = slice.base();
  s.size = slice.size();
  auto magic = slice.find_uint<uint32_t>(0, Endian::little);
  if (!magic) return slice.out_of_bounds(0, 4, "mach header");
  switch (*magic) {
    case MH_MAGIC: s.is_64 = false, s.endian = Endian::little; break;
    case MH_MAGIC_64: s.is_64 = true, s.endian = Endian::little; break;
    case MH_CIGAM: s.is_64 = false, s.endian = Endian::big; break;
    case MH_CIGAM_64: s.is_64 = true, s.endian = Endian::big; break;
    default:
      return make_error(ErrorCode::format, "mach header: bad magic " + hex(*magic), slice.base());
  }
  const uint64_t header_size = s.is_64 ? 32 : 28;
  if (!slice.in_bounds(0, header_size)) return slice.out_of_bounds(0, header_size, "mach header");
  const Endian e = s.endian;
  s.cpu_type = *slice.find_uint<uint32_t>(4, e);
  s.cpu_subtype = *slice.find_uint<uint32_t>(8, e);
  s.file_type = *slice.find_uint<uint32_t>(12, e);
  s.ncmds = *slice.find_uint<uint32_t>(16, e);
  s.sizeofcmds = *slice.find_uint<uint32_t>(20, e);
  s.flags = *slice.find_uint<uint32_t>(24, e);
  s.arch = arch_name(s.cpu_type, s.cpu_subtype);
  s.file_type_name = file_type_name(s.file_type);

  if (!slice.in_bounds(header_size, s.sizeofcmds))
    return make_error(ErrorCode::format,
                      "mach header: sizeofcmds " + hex(s.sizeofcmds) + " runs past the end of the slice (" +
                          hex(slice.size()) + ")",
                      slice.base() + 20);
  if (uint64_t(s.ncmds) * 8 > s.sizeofcmds)
    return make_error(ErrorCode::format,
                      "mach header: ncmds " + std::to_string(s.ncmds) + " cannot fit in sizeofcmds " +
                          hex(s.sizeofcmds),
                      slice.base() + 16);
  ByteView cmds = *slice.find_sub(header_size, s.sizeofcmds);

  uint64_t pos = 0;
  CommandState st;
  for (uint32_t i = 0; i < s.ncmds; ++i) {
    auto cmd = cmds.find_uint<uint32_t>(pos, e);
    auto size = cmds.find_uint<uint32_t>(pos + 4, e);
    if (!cmd || !size)
      return make_error(ErrorCode::format,
                        "load command #" + std::to_string(i) + ": header at " + hex(cmds.base() + pos) +
                            " runs past sizeofcmds (" + hex(s.sizeofcmds) + ")",
                        cmds.base() + pos);
    Command c{i, *cmd, {}, e};
    if (*size < 8 || *size % 4 != 0 || !cmds.in_bounds(pos, *size)) {
      c.bytes = ByteView(cmds.data() + pos, 8, cmds.base() + pos);
      if (*size < 8 || *size % 4 != 0) return c.error("bad cmdsize " + hex(*size));
      return c.error("cmdsize " + hex(*size) + " runs past sizeofcmds (" + hex(s.sizeofcmds) + ")");
    }
    c.bytes = *cmds.find_sub(pos, *size);
    FERRY_CHECK(read_command(c, slice, s, st));
    pos += *size;
  }
  if (pos != s.sizeofcmds)
    s.warnings.push_back("load commands end at " + hex(cmds.base() + pos) + ", sizeofcmds says " +
                         hex(cmds.base() + s.sizeofcmds));
  for (size_t i = 0; i < s.dependencies.size(); ++i)
    if (s.id && s.dependencies[i].name == s.id->name)
      s.warnings.push_back("dependency #" + std::to_string(i) + " " + s.dependencies[i].name +
                           " is the library's own install name");

  if (lief) detail::cross_check_with_lief(slice, s);
  return s;
}

Result<MachOFile> read_fat(ByteView image, MachOFile f, bool lief) {
  f.fat = true;
  f.fat64 = *image.find_uint<uint32_t>(0, Endian::big) == FAT_MAGIC_64;
  auto n = image.find_uint<uint32_t>(4, Endian::big);
  if (!n) return image.out_of_bounds(4, 4, "fat header");
  const uint64_t arch_size = f.fat64 ? 32 : 20;
  const uint64_t table_end = 8 + uint64_t(*n) * arch_size;
  if (*n == 0) return make_error(ErrorCode::format, "fat header: nfat_arch is 0", 4);
  // Java class files share the 0xcafebabe magic; their version field reads as nfat_arch >= 43 (LLVM's
  // identify_magic and file(1) draw the line at the same place).
  if (!f.fat64 && *n >= 43)
    return make_error(ErrorCode::unsupported,
                      "fat header: nfat_arch " + std::to_string(*n) +
                          " is not plausible: a Java class file, not a Mach-O universal binary",
                      4);
  if (table_end > image.size())
    return make_error(ErrorCode::format,
                      "fat header: nfat_arch " + std::to_string(*n) + " needs " + hex(table_end) +
                          " bytes, the file has " + hex(image.size()),
                      4);
  struct Range { uint64_t off, size; uint32_t index; };
  std::vector<Range> ranges;
  for (uint32_t i = 0; i < *n; ++i) {
    uint64_t a = 8 + uint64_t(i) * arch_size;
    uint32_t cputype = *image.find_uint<uint32_t>(a, Endian::big);
    uint32_t cpusubtype = *image.find_uint<uint32_t>(a + 4, Endian::big);
    uint64_t off = f.fat64 ? *image.find_uint<uint64_t>(a + 8, Endian::big) : *image.find_uint<uint32_t>(a + 8, Endian::big);
    uint64_t size = f.fat64 ? *image.find_uint<uint64_t>(a + 16, Endian::big) : *image.find_uint<uint32_t>(a + 12, Endian::big);
    std::string label = "fat_arch #" + std::to_string(i) + " (" + arch_name(cputype, cpusubtype) + ")";
    if (!image.in_bounds(off, size))
      return make_error(ErrorCode::format,
                        label + ": slice " + hex(off) + "+" + hex(size) + " is outside the file (" +
                            hex(image.size()) + ")",
                        a);
    if (off < table_end)
      return make_error(ErrorCode::format, label + ": slice at " + hex(off) + " overlaps the fat header", a);
    for (const auto& r : ranges)
      if (off < r.off + r.size && r.off < off + size)
        return make_error(ErrorCode::format,
                          label + ": slice " + hex(off) + "+" + hex(size) + " overlaps fat_arch #" +
                              std::to_string(r.index),
                          a);
    ranges.push_back({off, size, i});
    ByteView sv = *image.find_sub(off, size);
    auto m = sv.find_uint<uint32_t>(0, Endian::little);
    if (m && sv.size() >= 8 && std::memcmp(sv.data(), "!<arch>\n", 8) == 0)
      return make_error(ErrorCode::unsupported, label + ": slice at " + hex(off) + " is a static archive, not a Mach-O image", a);
    auto slice = read_slice(sv, lief);
    if (!slice) return slice.error();
    if (slice->cpu_type != cputype)
      slice->warnings.push_back(label + ": slice header says cpu type " + hex(slice->cpu_type) +
                                ", the fat header " + hex(cputype));
    // One slice per architecture: lipo refuses to build anything else and dyld loads the first match, so a second
    // one is dead weight at best; every report and edit names a slice by its architecture.
    for (size_t k = 0; k < f.slices.size(); ++k)
      if (f.slices[k].arch == slice->arch)
        return make_error(ErrorCode::format,
                          label + ": its slice is " + slice->arch + ", as is fat_arch #" + std::to_string(k) +
                              "'s (a fat file holds one slice per architecture)",
                          a);
    f.slices.push_back(std::move(slice.value()));
  }
  return f;
}

}  // namespace

Result<MachOFile> read_macho(ByteView image, const std::string& path, bool lief_cross_check) {
  MachOFile f;
  f.path = path;
  f.file_size = image.size();
  auto magic = image.find_uint<uint32_t>(0, Endian::big);
  if (!magic) {
    auto e = make_error(ErrorCode::format,
                        "file is too small for a Mach-O header (" + std::to_string(image.size()) + " bytes)", 0);
    return e.with_path(path);
  }
  Result<MachOFile> r = (*magic == FAT_MAGIC || *magic == FAT_MAGIC_64) ? read_fat(image, std::move(f), lief_cross_check)
                                                                          : Result<MachOFile>(std::move(f));
  if (!r) return r.error().with_path(path);
  if (!r->fat) {
    auto slice = read_slice(image, lief_cross_check);
    if (!slice) return slice.error().with_path(path);
    r->slices.push_back(std::move(slice.value()));
  }
  return r;
}

}  // namespace ferry::macho
