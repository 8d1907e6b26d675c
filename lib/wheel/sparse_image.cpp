// The pages of a streamed ELF member that `ferry show` keeps (sparse_image.hpp): the keep rule and its check.
#include "wheel/sparse_image.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "elf/elf_constants.hpp"
#include "elf/elf_ident.hpp"

namespace ferry::wheel {

namespace {

// Linkers put the ELF and program headers, .dynsym, .dynstr, the version and hash tables and the relocation
// tables the decoder counts IRELATIVEs in ahead of the code: in the corpus's largest libraries they end within
// the first 7 MB (jaxlib's xla_extension.so, .rela.dyn). What lies past that is code, data, symbol tables and
// debug information the decoder never reads, but for what the program headers point to.
constexpr uint64_t kPrefix = uint64_t{16} << 20;
// A PT_LOAD this small is kept whole: patchelf appends .dynstr and .dynamic in segments of their own at the end.
// So are this many bytes after the end of each PT_LOAD: where the link put the sections it does not load, first
// come .comment and notes the decoder reads outside every PT_NOTE (annobin's .gnu.build.attributes, in wheels
// built with Red Hat's toolchains), ahead of debug information and symbol tables.
constexpr uint64_t kSmallLoad = uint64_t{4} << 20;

}  // namespace

std::unique_ptr<SparseElfImage> SparseElfImage::create(uint64_t size) {
  if (size == 0) return nullptr;
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  // A huge page would fill (or show as resident) neighbours of a kept page; the check would then send the member
  // to full extraction for nothing. Without THP in the kernel this fails, and there is nothing to avoid.
  (void)::madvise(p, size, MADV_NOHUGEPAGE);
  std::unique_ptr<SparseElfImage> img(new SparseElfImage(static_cast<uint8_t*>(p), size));
  img->keep(0, kPrefix);
  return img;
}

SparseElfImage::SparseElfImage(uint8_t* base, uint64_t size)
    : base_(base), size_(size), page_(static_cast<uint64_t>(::sysconf(_SC_PAGESIZE))) {
  filled_.assign((size_ + page_ - 1) / page_, false);
}

SparseElfImage::~SparseElfImage() { ::munmap(base_, size_); }

void SparseElfImage::keep(uint64_t off, uint64_t len) {
  if (off >= size_) return;
  len = std::min(len, size_ - off);
  // Only pages the stream has not started: a kept page is always written whole.
  uint64_t first = std::max(off / page_, (pos_ + page_ - 1) / page_);
  uint64_t last = (off + len + page_ - 1) / page_;
  for (uint64_t p = first; p < last && p < filled_.size(); ++p) filled_[p] = true;
}

void SparseElfImage::feed(const uint8_t* data, size_t n) {
  uint64_t end = std::min(pos_ + n, size_);
  for (uint64_t at = pos_; at < end;) {
    uint64_t page = at / page_;
    uint64_t stop = std::min(end, (page + 1) * page_);
    if (filled_[page]) std::memcpy(base_ + at, data + (at - pos_), stop - at);
    at = stop;
  }
  pos_ = end;
  read_headers();
}

void SparseElfImage::read_headers() {
  if (!header_read_) {
    elf::Ident id;
    if (pos_ < 16) return;  // e_ident
    if (elf::decode_ident(base_, size_, id)) {  // not ELF after all: the decoder says why, from the full file
      header_read_ = segments_read_ = true;
      return;
    }
    codec_ = elf::Codec::of(id);
    if (pos_ < codec_.ehdr_size()) return;
    auto h = codec_.file_header(base_);
    phoff_ = h.phoff;
    phnum_ = h.phnum;
    keep(h.phoff, phnum_ * codec_.phent());
    keep(h.shoff, std::max<uint64_t>(h.shnum, 1) * codec_.shent());
    header_read_ = true;
  }
  if (segments_read_) return;
  uint64_t table = phnum_ * codec_.phent();
  if (phoff_ >= size_ || table > size_ - phoff_) {
    segments_read_ = true;  // the decoder refuses this table
    return;
  }
  if (pos_ < phoff_ + table) return;
  segments_read_ = true;
  for (uint64_t p = phoff_ / page_; p * page_ < phoff_ + table; ++p)
    if (!filled_[p]) return;  // the table went by unkept: the check will send the member to full extraction
  for (uint64_t i = 0; i < phnum_; ++i) {
    elf::Segment s = codec_.phdr(base_ + phoff_ + i * codec_.phent());
    if (s.type == elf::pt::dynamic || s.type == elf::pt::interp || s.type == elf::pt::note ||
        (s.type == elf::pt::load && s.filesz <= kSmallLoad))
      keep(s.offset, s.filesz);
    if (s.type == elf::pt::load && s.offset < size_ && s.filesz <= size_ - s.offset)
      keep(s.offset + s.filesz, kSmallLoad);
  }
}

bool SparseElfImage::only_filled_pages_read() const {
  std::vector<unsigned char> resident(filled_.size());
  if (::mincore(base_, size_, resident.data()) != 0) return false;
  for (size_t p = 0; p < filled_.size(); ++p)
    if ((resident[p] & 1) && !filled_[p]) return false;
  return true;
}

}  // namespace ferry::wheel
