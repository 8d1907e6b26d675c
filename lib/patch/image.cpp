// Copy-on-write output image (image.hpp): a reserved range, the input mapped privately at its start, pages
// marked as they are written, and a writer that copies the untouched ones from the input file.
#include "patch/image.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "support/file.hpp"

namespace ferry::patch {

namespace {

Error image_error(const std::string& path, const std::string& what, bool with_errno = true) {
  Error e = make_error(ErrorCode::io, with_errno ? what + ": " + std::strerror(errno) : what);
  e.path = path;
  return e;
}

// Room for every way the writer grows a file: a moved block, a new area and their alignment each stay below
// the input's size plus a few pages of 64 KiB alignment.
uint64_t capacity_for(uint64_t size) {
  uint64_t cap = size * 2 + (16u << 20);
  return (cap + Image::kPage - 1) / Image::kPage * Image::kPage;
}

// Reserves `capacity` bytes of zero pages that cost nothing until written.
Result<uint8_t*> reserve(uint64_t capacity, const std::string& path) {
  void* p = mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return image_error(path, "cannot reserve memory for the output");
  return static_cast<uint8_t*>(p);
}

bool write_all(int fd, const uint8_t* p, uint64_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, std::min<uint64_t>(n, 1u << 30));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<uint64_t>(w);
  }
  return true;
}

}  // namespace

Result<Image> Image::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return image_error(path, "cannot open");
  Image img;
  img.fd_.reset(fd);
  img.path_ = path;
  struct stat st;
  if (fstat(fd, &st) != 0) return image_error(path, "cannot stat");
  if (!S_ISREG(st.st_mode))
    return image_error(path, std::string("not read: ") + file_type_name(st.st_mode) + ", not a regular file", false);
  img.size_ = img.original_size_ = static_cast<uint64_t>(st.st_size);
  img.capacity_ = capacity_for(img.size_);
  FERRY_TRY(base, reserve(img.capacity_, path));
  img.base_ = base;
  img.dirty_.assign(img.capacity_ / kPage, false);
  if (img.size_ > 0 &&
      mmap(img.base_, img.size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED)
    return image_error(path, "cannot map");
  return img;
}

Result<Image> Image::copy_of(ByteView bytes, const std::string& path) {
  Image img;
  img.path_ = path;
  img.original_ = bytes;
  img.size_ = img.original_size_ = bytes.size();
  img.capacity_ = capacity_for(img.size_);
  FERRY_TRY(base, reserve(img.capacity_, path));
  img.base_ = base;
  img.dirty_.assign(img.capacity_ / kPage, false);
  if (bytes.size()) std::memcpy(img.base_, bytes.data(), bytes.size());
  return img;
}

Image::Image(Image&& o) noexcept { *this = std::move(o); }

Image& Image::operator=(Image&& o) noexcept {
  if (this == &o) return *this;
  release();
  base_ = std::exchange(o.base_, nullptr);
  size_ = o.size_;
  original_size_ = o.original_size_;
  capacity_ = std::exchange(o.capacity_, 0);
  fd_ = std::move(o.fd_);
  original_ = o.original_;
  dirty_ = std::move(o.dirty_);
  path_ = std::move(o.path_);
  return *this;
}

Image::~Image() { release(); }

void Image::release() {
  if (base_) munmap(base_, capacity_);
  base_ = nullptr;
  fd_.reset();
}

Status Image::resize(uint64_t n) {
  if (n > capacity_)
    return image_error(path_, "internal: the output (" + std::to_string(n) + " bytes) outgrows the reserved " +
                                  std::to_string(capacity_) + " bytes", false);
  if (n < size_) std::memset(write(n, size_ - n), 0, size_ - n);  // bytes past the end read as zero again
  size_ = n;
  return {};
}

uint8_t* Image::write(uint64_t offset, uint64_t n) {
  if (n) {
    const uint64_t first = offset / kPage, last = (offset + n - 1) / kPage;
    if (last - first >= kPopulatePages) populate(first, last + 1);
    std::fill(dirty_.begin() + static_cast<ptrdiff_t>(first), dirty_.begin() + static_cast<ptrdiff_t>(last + 1), true);
  }
  return base_ + offset;
}

// A block about to be written whole (a slide or a move of sections): its pages made private and writable in
// one call instead of one copy-on-write fault each (a fault costs a microsecond or more on a virtual machine).
// Only pages not written yet; a kernel without MADV_POPULATE_WRITE (before 5.14) leaves them to the faults.
void Image::populate(uint64_t first, uint64_t end) {
#ifdef MADV_POPULATE_WRITE
  while (first < end && dirty_[first]) ++first;
  if (first < end) (void)madvise(base_ + first * kPage, (end - first) * kPage, MADV_POPULATE_WRITE);
#else
  (void)first;
  (void)end;
#endif
}

bool Image::touched(uint64_t offset, uint64_t n) const {
  if (n == 0) return false;
  if (offset + n > original_size_ || offset + n > size_) return true;
  for (uint64_t page = offset / kPage; page <= (offset + n - 1) / kPage; ++page)
    if (dirty_[page]) return true;
  return false;
}

Status Image::read_original(uint64_t offset, uint64_t n, uint8_t* out) const {
  if (!fd_) {
    std::memcpy(out, original_.data() + offset, n);
    return {};
  }
  while (n > 0) {
    ssize_t r = ::pread(fd_.get(), out, n, static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return image_error(path_, "cannot read the input again");
    out += r;
    offset += static_cast<uint64_t>(r);
    n -= static_cast<uint64_t>(r);
  }
  return {};
}

Result<bool> Image::changed() const {
  if (size_ != original_size_) return true;
  uint8_t buf[kPage];
  for (uint64_t page = 0; page * kPage < size_; ++page) {
    if (!dirty_[page]) continue;
    uint64_t at = page * kPage, n = std::min(kPage, size_ - at);
    FERRY_CHECK(read_original(at, n, buf));
    if (std::memcmp(buf, base_ + at, n) != 0) return true;
  }
  return false;
}

// [from, to): untouched bytes the input has come from the input file; the rest from memory.
Status Image::write_range(int fd, uint64_t from, uint64_t to, bool dirty) const {
  uint64_t split = dirty || !fd_ ? from : std::clamp(original_size_, from, to);
  if (split > from) FERRY_CHECK(copy_file_bytes(fd_.get(), from, split - from, fd, path_));
  if (to > split && !write_all(fd, base_ + split, to - split)) return image_error(path_, "cannot write the output");
  return {};
}

std::vector<std::pair<uint64_t, uint64_t>> Image::copied_ranges() const {
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  if (!fd_) return ranges;
  const uint64_t end = std::min(size_, original_size_);
  auto page_end = [&](uint64_t at) { return std::min(end, (at / kPage + 1) * kPage); };
  for (uint64_t at = 0; at < end;) {
    uint64_t stop = page_end(at);
    if (!dirty_[at / kPage]) {
      while (stop < end && !dirty_[stop / kPage]) stop = page_end(stop);
      ranges.emplace_back(at, stop);
    }
    at = stop;
  }
  return ranges;
}

Result<MappedFile> Image::map_written(const std::string& path) const {
  FERRY_TRY(written, MappedFile::open(path));
  uint8_t* base = written.writable_data();
  if (!base) return std::move(written);
  // The pages still read from the new file are few and scattered: one read each, no read-ahead around them.
  (void)madvise(base, written.size(), MADV_RANDOM);
  const uint64_t whole_pages = written.size() / kPage * kPage;
  for (auto [from, to] : copied_ranges()) {
    const uint64_t lo = from + kPage, hi = std::min(whole_pages, (to - 1) / kPage * kPage);
    if (hi <= lo) continue;
    // A failed MAP_FIXED may leave a hole where the file was mapped: start again with the file alone.
    if (mmap(base + lo, hi - lo, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd_.get(), static_cast<off_t>(lo)) == MAP_FAILED)
      return MappedFile::open(path);
  }
  return std::move(written);
}

Status Image::write_to(int fd, bool seeded) const {
  // An image copied from memory has no input file the seed could stand for: everything is written over it.
  const bool skip = seeded && bool(fd_);
  if (seeded && ::lseek(fd, 0, SEEK_SET) < 0) return image_error(path_, "cannot seek the output");
  uint64_t at = 0;
  while (at < size_) {
    const bool dirty = dirty_[at / kPage];
    uint64_t end = at;
    while (end < size_ && dirty_[end / kPage] == dirty) end = std::min(size_, (end / kPage + 1) * kPage);
    if (skip) {
      // What the seed already holds is skipped: the untouched pages below the input's end (copied_ranges()).
      const uint64_t from = dirty ? at : std::clamp(original_size_, at, end);
      if (from < end) {
        if (::lseek(fd, static_cast<off_t>(from), SEEK_SET) < 0) return image_error(path_, "cannot seek the output");
        FERRY_CHECK(write_range(fd, from, end, true));
      }
    } else {
      FERRY_CHECK(write_range(fd, at, end, dirty));
    }
    at = end;
  }
  if (seeded && ::ftruncate(fd, static_cast<off_t>(size_)) != 0) return image_error(path_, "cannot size the output");
  return {};
}

}  // namespace ferry::patch
