// The copy-on-write output image (patch/image.hpp): what it writes equals the input with the written bytes
// replaced, whichever pages were touched (unchanged ranges come from the file through copy_file_range), and
// changed() tells a rewrite of the same bytes from a real change.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "patch/image.hpp"
#include "support/file.hpp"

using namespace ferry;
using ferry::patch::Image;

namespace {

// A temporary file under $TMPDIR (or /tmp) holding `bytes`; removed by the destructor.
struct TempFile {
  std::string path;
  explicit TempFile(const std::vector<uint8_t>& bytes) {
    const char* dir = std::getenv("TMPDIR");
    std::string tmpl = std::string(dir && *dir ? dir : "/tmp") + "/ferry-image-test.XXXXXX";
    int fd = mkstemp(tmpl.data());
    REQUIRE(fd >= 0);
    path = tmpl;
    REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    ::close(fd);
  }
  ~TempFile() { ::unlink(path.c_str()); }
};

std::vector<uint8_t> random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

// What the image writes, read back from a temporary file.
std::vector<uint8_t> written(const Image& img) {
  TempFile out({});
  int fd = ::open(out.path.c_str(), O_WRONLY | O_TRUNC);
  REQUIRE(fd >= 0);
  REQUIRE(img.write_to(fd).ok());
  ::close(fd);
  auto back = read_file(out.path);
  REQUIRE(back.ok());
  return *back;
}

}  // namespace

TEST_CASE("an image writes the input with exactly the written bytes replaced, across page boundaries and growth") {
  const auto input = random_bytes(5 * Image::kPage + 100, 1);
  TempFile in(input);
  auto img = Image::open(in.path);
  REQUIRE(img.ok());
  auto expected = input;
  auto put = [&](uint64_t at, const std::vector<uint8_t>& b) {
    std::memcpy(img->write(at, b.size()), b.data(), b.size());
    if (expected.size() < at + b.size()) expected.resize(at + b.size(), 0);
    std::memcpy(expected.data() + at, b.data(), b.size());
  };
  SECTION("nothing written: a byte-identical copy, unchanged") {
    CHECK(written(*img) == input);
    CHECK_FALSE(*img->changed());
  }
  SECTION("a write straddling two pages, one in the last partial page, one past the end after growing") {
    put(Image::kPage - 3, random_bytes(10, 2));
    put(5 * Image::kPage + 50, random_bytes(20, 3));
    REQUIRE(img->resize(7 * Image::kPage + 17).ok());
    expected.resize(7 * Image::kPage + 17, 0);
    put(6 * Image::kPage + 1, random_bytes(300, 4));
    CHECK(written(*img) == expected);
    CHECK(*img->changed());
    CHECK(img->touched(Image::kPage, 1));
    CHECK_FALSE(img->touched(2 * Image::kPage, Image::kPage));
    CHECK(img->touched(5 * Image::kPage + 100, 1));  // past the input's end
  }
  SECTION("rewriting bytes with their own values is no change") {
    put(3 * Image::kPage + 7, std::vector<uint8_t>(input.begin() + 3 * Image::kPage + 7, input.begin() + 3 * Image::kPage + 70));
    CHECK(written(*img) == input);
    CHECK_FALSE(*img->changed());
  }
}

TEST_CASE("an image copied from memory writes the same bytes as one mapped from the file") {
  const auto input = random_bytes(3 * Image::kPage + 5, 5);
  auto img = Image::copy_of(ByteView(input.data(), input.size()), "mem");
  REQUIRE(img.ok());
  std::memset(img->write(Image::kPage + 1, 2), 0xab, 2);
  auto expected = input;
  expected[Image::kPage + 1] = expected[Image::kPage + 2] = 0xab;
  CHECK(written(*img) == expected);
  CHECK(img->to_vector() == expected);
}
