// Header-only ELF reading (see read_headers.hpp): the ELF header and program headers from the first block of
// the file, PT_DYNAMIC, then only the .dynstr bytes the DT_NEEDED / DT_SONAME / DT_RPATH / DT_RUNPATH entries
// point at. Records are decoded by Codec (elf_codec.hpp). Every range comes from the file, so each is checked
// against the file size before it is read (`off > size || len > size - off`). What ElfInfo gets from the bytes
// is decided by the rules both readers share (decode_internal.hpp), so they agree field for field; where
// read_elf would need the section headers, this reader says nullopt.
#include "elf/read_headers.hpp"

#include <elf.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "elf/decode_internal.hpp"
#include "elf/elf_codec.hpp"
#include "elf/elf_ident.hpp"

namespace ferry::elf {

bool FdSource::read(uint64_t off, uint8_t* out, uint64_t len) const {
  while (len > 0) {
    ssize_t n = ::pread(fd_, out, len, static_cast<off_t>(off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    out += n;
    off += static_cast<uint64_t>(n);
    len -= static_cast<uint64_t>(n);
  }
  return true;
}

bool MemorySource::read(uint64_t off, uint8_t* out, uint64_t len) const {
  auto v = bytes_.find_sub(off, len);
  if (!v) return false;
  if (len) std::memcpy(out, v->data(), len);
  return true;
}

namespace {

// The first block read covers the ELF header, the program headers, PT_INTERP and, in about half the objects,
// the DT_NEEDED strings. One page: a larger block costs more in copying than the string reads it saves.
constexpr uint64_t kHeadBytes = 4096;
// A string is read this many bytes at a time until its NUL is found.
constexpr uint64_t kStringChunk = 256;
// DT_NEEDED strings closer together than this are fetched with one read.
constexpr uint64_t kStringSpan = 65536;
// PT_DYNAMIC is read this many bytes at a time, up to DT_NULL.
constexpr uint64_t kDynamicChunk = 2048;

class HeaderReader {
public:
  HeaderReader(const ByteSource& src, const std::string& path) : src_(src) {
    info_.path = path;
    info_.file_size = src.size();
  }

  Result<std::optional<ElfInfo>> run() {
    uint64_t size = src_.size();
    head_size_ = std::min(size, kHeadBytes);
    if (!src_.read(0, head_.data(), head_size_)) return io_error(0, head_size_);
    FERRY_TRY(ident_ok, read_ident());
    if (!ident_ok) return std::optional<ElfInfo>{};
    FERRY_TRY(header_ok, read_header());
    if (!header_ok) return std::optional<ElfInfo>{};
    FERRY_TRY(phdrs_ok, read_program_headers());
    if (!phdrs_ok) return std::optional<ElfInfo>{};
    FERRY_CHECK(read_interpreter());
    FERRY_TRY(dyn_ok, read_dynamic());
    if (!dyn_ok) return std::optional<ElfInfo>{};
    classify();
    return std::optional<ElfInfo>(std::move(info_));
  }

private:
  const ByteSource& src_;
  ElfInfo info_;
  Ident id_;
  Codec c_;
  // Bytes [0, head_size_) of the file. On the stack: a heap block this size, freed next to the top of the heap,
  // would make every parse pay for malloc's consolidation.
  std::array<uint8_t, kHeadBytes> head_;
  uint64_t head_size_ = 0;
  std::vector<uint8_t> window_;  // bytes [window_off_, window_off_ + window_.size())
  uint64_t window_off_ = 0;
  FileHeader header_;
  uint64_t shoff_ = 0;
  uint16_t shnum_ = 0;

  Error error(std::string msg, std::optional<uint64_t> off = std::nullopt) const {
    return format_error(info_.path, std::move(msg), off);
  }
  Error io_error(uint64_t off, uint64_t len) const {
    Error e = make_error(ErrorCode::io, "cannot read " + hex(len) + " bytes at " + hex(off), off);
    e.path = info_.path;
    return e;
  }

  // Bytes [off, off + len) of the file, from the head block, the window, or a new read into the window. The
  // pointer is valid until the next call.
  Result<const uint8_t*> bytes(uint64_t off, uint64_t len, const std::string& what) {
    uint64_t size = src_.size();
    if (off > size || len > size - off)
      return error(what + ": " + hex(len) + " bytes at " + hex(off) + " run past the end of the file (" + hex(size) + ")",
                   off);
    if (len <= head_size_ && off <= head_size_ - len) return head_.data() + off;
    if (off >= window_off_ && off - window_off_ <= window_.size() && len <= window_.size() - (off - window_off_))
      return window_.data() + (off - window_off_);
    window_.resize(len);
    window_off_ = off;
    if (!src_.read(off, window_.data(), len)) {
      window_.clear();
      return io_error(off, len);
    }
    return window_.data();
  }

  // The NUL-terminated string at `pos`, which must end before `limit`; nullopt when no NUL comes first.
  Result<std::optional<std::string>> cstring(uint64_t pos, uint64_t limit, const std::string& what) {
    if (pos >= limit) return std::optional<std::string>{};
    uint64_t want = std::min(limit - pos, kStringChunk);
    while (true) {
      FERRY_TRY(p, bytes(pos, want, what));
      if (const void* nul = std::memchr(p, 0, want))
        return std::optional<std::string>(
            std::string(reinterpret_cast<const char*>(p), static_cast<const uint8_t*>(nul) - p));
      if (want == limit - pos) return std::optional<std::string>{};
      want = std::min(limit - pos, want * 4);
    }
  }

  Result<bool> read_ident() {
    if (auto bad = decode_ident(head_.data(), src_.size(), id_)) return error(bad->message, bad->offset);
    c_ = Codec::of(id_);
    // read_elf refuses any other EI_VERSION: leave that to it.
    return id_.version == EV_CURRENT;
  }

  Result<bool> read_header() {
    header_ = c_.file_header(head_.data());  // decode_ident checked the file holds a whole header
    set_header(info_, id_, header_);
    shoff_ = header_.shoff;
    shnum_ = header_.shnum;
    // e_shnum 0 with a section table: the count is in section 0's sh_size (read_elf may refuse it).
    return !(shnum_ == 0 && shoff_ != 0);
  }

  Result<bool> read_program_headers() {
    uint64_t n = header_.phnum;
    if (n == PN_XNUM) return false;  // the count is in section 0's sh_info
    if (n == 0) return true;
    FERRY_TRY(table, program_table_size(info_.path, c_, n, header_.phentsize, info_.phoff, src_.size()));
    if (info_.phoff == 0) return false;  // read_elf refuses a table at offset 0
    FERRY_TRY(p, bytes(info_.phoff, table, "program header table"));
    set_segments(info_, c_, p, n);
    return true;
  }

  Status read_interpreter() {
    for (const auto& s : info_.segments) {
      if (s.type != PT_INTERP) continue;
      uint64_t size = src_.size();
      if (s.offset > size || s.filesz > size - s.offset)
        return error("PT_INTERP: " + hex(s.filesz) + " bytes at " + hex(s.offset) + " run past the end of the file (" +
                         hex(size) + ")",
                     s.offset);
      FERRY_TRY(str, cstring(s.offset, s.offset + s.filesz, "PT_INTERP"));
      if (!str) return error("PT_INTERP: the interpreter path is not NUL-terminated", s.offset);
      info_.interpreter = std::move(*str);
      break;
    }
    return {};
  }

  // Without PT_DYNAMIC read_elf looks for SHT_DYNAMIC among the section headers it counts (none when the
  // table runs past the end of the file). None found: a static object. One found: read_elf's business.
  Result<bool> no_program_dynamic() {
    uint64_t shsize = c_.shent();
    uint64_t size = src_.size();
    uint64_t table = uint64_t(shnum_) * shsize;
    if (shnum_ == 0 || shoff_ > size || table > size - shoff_) return true;
    FERRY_TRY(p, bytes(shoff_, table, "section header table"));
    for (uint64_t i = 0; i < shnum_; ++i)
      if (c_.read(p + i * shsize, c_.sh_type()) == SHT_DYNAMIC) return false;
    return true;
  }

  struct Dynamic {
    uint64_t offset = 0;  // file offset of the table
    std::optional<uint64_t> strtab, strsz;
    DynamicStrings strings;
    DynamicFlags flags;
  };

  static void first(std::optional<uint64_t>& slot, uint64_t v) {
    if (!slot) slot = v;
  }

  Result<bool> read_dynamic() {
    const Segment* seg = nullptr;
    for (const auto& s : info_.segments)
      if (s.type == PT_DYNAMIC) {
        seg = &s;
        break;
      }
    if (!seg) return no_program_dynamic();
    uint64_t size = src_.size();
    if (seg->offset > size || seg->filesz > size - seg->offset)
      return error("PT_DYNAMIC: " + hex(seg->filesz) + " bytes at " + hex(seg->offset) +
                       " run past the end of the file (" + hex(size) + ")",
                   seg->offset);
    info_.has_dynamic = true;
    uint64_t entsize = c_.dynent();
    uint64_t count = seg->filesz / entsize;
    if (count == 0) return true;
    Dynamic d;
    d.offset = seg->offset;
    bool done = false;
    for (uint64_t i = 0; i < count && !done;) {
      uint64_t n = std::min(count - i, kDynamicChunk / entsize);
      FERRY_TRY(p, bytes(seg->offset + i * entsize, n * entsize, "PT_DYNAMIC"));
      for (uint64_t k = 0; k < n; ++k, ++i) {
        auto [tag, val] = c_.dyn(p + k * entsize);
        if (tag == DT_NULL) {
          done = true;
          break;
        }
        d.flags.note(tag, val);
        switch (tag) {
          case DT_NEEDED: d.strings.needed.push_back(val); break;
          case DT_STRTAB: first(d.strtab, val); break;
          case DT_STRSZ: first(d.strsz, val); break;
          case DT_SONAME: first(d.strings.soname, val); break;
          case DT_RPATH: first(d.strings.rpath, val); break;
          case DT_RUNPATH: first(d.strings.runpath, val); break;
          default: break;
        }
      }
    }
    return decode_dynamic(d);
  }

  Result<bool> decode_dynamic(const Dynamic& d) {
    d.flags.apply(info_);

    uint64_t str_off = 0, strsz = 0;
    if (d.strtab) {
      strsz = d.strsz.value_or(0);
      auto off = load_offset(info_.segments, *d.strtab);
      if (!off) return false;  // read_elf looks for it in the section headers
      uint64_t size = src_.size();
      if (*off > size || strsz > size - *off)
        return error("DT_STRSZ: " + hex(strsz) + " bytes of .dynstr at " + hex(*off) +
                         " run past the end of the file (" + hex(size) + ")",
                     *off);
      str_off = *off;
    } else if (d.strings.any()) {
      return error("PT_DYNAMIC: string entries present but no DT_STRTAB", d.offset);
    }
    if (const auto& needed = d.strings.needed; !needed.empty()) {
      // DT_NEEDED strings sit together in .dynstr: one read for all of them when they are close.
      uint64_t lo = needed[0], hi = needed[0];
      for (uint64_t o : needed) lo = std::min(lo, o), hi = std::max(hi, o);
      if (hi < strsz && hi - lo < kStringSpan) {
        uint64_t end = std::min(strsz, hi + kStringChunk);
        FERRY_CHECK(bytes(str_off + lo, end - lo, ".dynstr"));
      }
    }
    FERRY_CHECK(set_dynamic_strings(info_, d.strings, [&](uint64_t o, const std::string& what) -> Result<std::string> {
      std::optional<std::string> s;
      if (o < strsz) {
        FERRY_TRY(r, cstring(str_off + o, str_off + strsz, what));
        s = std::move(r);
      }
      if (!s) return dynstr_error(info_.path, what, o, strsz, str_off);
      return std::move(*s);
    }));
    return true;
  }

  void classify() {
    info_.kind = elf::classify(info_.e_type, info_.dt_flags_1, info_.interpreter.has_value(), info_.soname.has_value());
  }
};

}  // namespace

Result<std::optional<ElfInfo>> read_elf_headers(const ByteSource& src, const std::string& path) {
  return HeaderReader(src, path).run();
}

}  // namespace ferry::elf
