// rewrite_macho: split (fat header or one thin slice), edit and re-sign per slice, reassemble, verify.
// A slice that needs no change keeps its bytes exactly; the fat header keeps each slice's cputype and align.
#include "macho/rewrite.hpp"

#include <algorithm>

#include "macho/codesign.hpp"
#include "macho/macho_info.hpp"
#include "macho/slice_layout.hpp"

namespace ferry::macho {

namespace {

struct Part {
  uint32_t cputype = 0, cpusubtype = 0, align = 12;
  std::vector<uint8_t> bytes;
  std::string arch;
};

// A slice's alignment exponent, at most 2^20 (real files use 12 or 14): the header never claims more than is done.
uint32_t fat_align(const Part& p) { return std::min<uint32_t>(p.align, 20); }

// Rebuilds a universal file: slices in their order, each at the next multiple of 2^align.
std::vector<uint8_t> assemble_fat(const std::vector<Part>& parts, bool fat64) {
  const uint64_t entry = fat64 ? 32 : 20;
  uint64_t pos = 8 + entry * parts.size();
  std::vector<uint64_t> offs;
  for (const auto& p : parts) {
    pos = align_up(pos, uint64_t(1) << fat_align(p));
    offs.push_back(pos);
    pos += p.bytes.size();
  }
  std::vector<uint8_t> out(pos, 0);
  put32be(out, 0, fat64 ? 0xcafebabf : 0xcafebabe), put32be(out, 4, uint32_t(parts.size()));
  for (size_t i = 0; i < parts.size(); ++i) {
    uint64_t a = 8 + entry * i;
    put32be(out, a, parts[i].cputype), put32be(out, a + 4, parts[i].cpusubtype);
    if (fat64) put64be(out, a + 8, offs[i]), put64be(out, a + 16, parts[i].bytes.size()), put32be(out, a + 24, fat_align(parts[i]));
    else put32be(out, a + 8, uint32_t(offs[i])), put32be(out, a + 12, uint32_t(parts[i].bytes.size())), put32be(out, a + 16, fat_align(parts[i]));
    std::memcpy(out.data() + offs[i], parts[i].bytes.data(), parts[i].bytes.size());
  }
  return out;
}

// The slices of one file as Parts, with the fat header's alignment; a thin slice gets lipo's (2^14 arm64, 2^12
// otherwise) for when it joins a universal file.
std::vector<Part> parts_of(ByteView file, const MachOFile& mf) {
  std::vector<Part> parts;
  for (size_t i = 0; i < mf.slices.size(); ++i) {
    const Slice& s = mf.slices[i];
    Part p;
    p.cputype = s.cpu_type, p.cpusubtype = s.cpu_subtype, p.arch = s.arch;
    p.align = s.cpu_type == 0x0100000c ? 14 : 12;
    if (mf.fat) p.align = *file.find_uint<uint32_t>(8 + (mf.fat64 ? 32 : 20) * i + (mf.fat64 ? 24 : 16), Endian::big);
    p.bytes.assign(file.data() + s.offset, file.data() + s.offset + s.size);
    parts.push_back(std::move(p));
  }
  return parts;
}

// Edits one slice; re-signs it when it changed or when its SHA-256 page hashes are stale.
Result<bool> rewrite_slice(Part& p, const CommandEdits& edits, const std::string& ident, const std::string& label,
                           bool& resigned) {
  // The old signature is parsed even when it is about to be replaced: a blob that lies is bad input.
  FERRY_TRY(sig, check_signature(ByteView(p.bytes.data(), p.bytes.size()), label));
  FERRY_TRY(changed, edit_commands(p.bytes, edits, label));
  bool sign = changed || (sig.present && sig.verified && !sig.hashes_match);
  if (sign) FERRY_CHECK(sign_adhoc(p.bytes, ident, label));
  resigned = sign;
  return sign;
}

}  // namespace

Result<Rewritten> rewrite_macho(ByteView file, const CommandEdits& edits, const std::string& ident,
                                const std::string& path) {
  FERRY_TRY(mf, read_macho(file, path, false));
  std::vector<Part> parts = parts_of(file, mf);
  Rewritten r;
  for (auto& p : parts) {
    bool resigned = false;
    auto c = rewrite_slice(p, edits, ident, p.arch + " slice", resigned);
    if (!c) return c.error().with_path(path);
    r.changed = r.changed || *c;
    if (resigned) r.resigned.push_back(p.arch);
  }
  if (!r.changed) return r;
  r.bytes = mf.fat ? assemble_fat(parts, mf.fat64) : std::move(parts[0].bytes);
  FERRY_CHECK(verify_macho(ByteView(r.bytes.data(), r.bytes.size()), path));
  return r;
}

static Result<std::vector<Part>> split(ByteView file, const std::string& path) {
  FERRY_TRY(mf, read_macho(file, path, false));
  return parts_of(file, mf);
}

Result<std::vector<uint8_t>> merge_universal(ByteView a, ByteView b, const std::string& path) {
  FERRY_TRY(pa, split(a, path));
  FERRY_TRY(pb, split(b, path));
  for (auto& x : pb) {
    for (auto& y : pa)
      if (x.cputype == y.cputype && x.cpusubtype == y.cpusubtype)
        return make_error(ErrorCode::usage, "both files have an " + x.arch + " slice and they differ").with_path(path);
    pa.push_back(std::move(x));
  }
  std::stable_sort(pa.begin(), pa.end(), [](const Part& x, const Part& y) { return x.align < y.align; });
  auto out = assemble_fat(pa, false);
  FERRY_CHECK(verify_macho(ByteView(out.data(), out.size()), path));
  return out;
}

Status verify_macho(ByteView file, const std::string& path) {
  auto mf = read_macho(file, path, false);
  if (!mf) return make_error(ErrorCode::verify, "rewritten file does not read back: " + mf.error().message).with_path(path);
  for (const auto& s : mf->slices) {
    auto sig = check_signature(*file.find_sub(s.offset, s.size), s.arch);
    if (!sig) return make_error(ErrorCode::verify, "rewritten signature: " + sig.error().message).with_path(path);
    if (sig->present && sig->verified && !sig->hashes_match)
      return make_error(ErrorCode::verify, s.arch + ": a page hash of the new signature does not match").with_path(path);
  }
  return {};
}

}  // namespace ferry::macho
