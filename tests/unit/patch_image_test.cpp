// The copy-on-write output image (patch/image.hpp): what it writes equals the input with the written bytes
// replaced, whichever pages were touched (unchanged ranges come from the file through copy_file_range), and
// changed() tells a rewrite of the same bytes from a real change. Verification reads the written file through
// map_written (the inner pages of each copied range from the input) and checks each copied range at its ends.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string>

#include "patch/elf_file.hpp"
#include "patch/image.hpp"
#include "patch/layout_plan.hpp"
#include "patch/patch.hpp"
#include "support/file.hpp"

using namespace ferry;
using ferry::patch::Image;
using ferry::patch::VerifyScope;

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

// Overwrites [at, at + n) of the file `path` with bytes that differ from what is there.
void spoil(const std::string& path, uint64_t at, uint64_t n) {
  auto bytes = read_file(path);
  REQUIRE(bytes.ok());
  std::vector<uint8_t> other(bytes->begin() + static_cast<long>(at), bytes->begin() + static_cast<long>(at + n));
  for (auto& b : other) b = static_cast<uint8_t>(~b);
  int fd = ::open(path.c_str(), O_WRONLY);
  REQUIRE(fd >= 0);
  REQUIRE(::pwrite(fd, other.data(), n, static_cast<off_t>(at)) == static_cast<ssize_t>(n));
  ::close(fd);
}

// The fixture library ctest builds (fixtures.build), or nothing when FERRY_FIXTURES is not set.
std::optional<std::vector<uint8_t>> fixture_library() {
  const char* dir = std::getenv("FERRY_FIXTURES");
  if (!dir) return std::nullopt;
  auto bytes = read_file(std::string(dir) + "/patch/libfoo.so.1");
  REQUIRE(bytes.ok());
  return std::move(*bytes);
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

TEST_CASE("the copied ranges are exactly the untouched pages below the input's end, and the written file maps back "
          "with their inner pages taken from the input and their end pages from the file") {
  const uint64_t P = Image::kPage;
  for (unsigned seed = 1; seed <= 40; ++seed) {
    CAPTURE(seed);
    std::mt19937 rng(seed);
    const auto input = random_bytes(40 * P + rng() % P, seed);
    TempFile in(input);
    auto img = Image::open(in.path);
    REQUIRE(img.ok());
    if (seed % 4 == 0) REQUIRE(img->resize(input.size() - (rng() % 5) * P - rng() % 100).ok());
    if (seed % 4 == 1) REQUIRE(img->resize(input.size() + (rng() % 5) * P + rng() % 100).ok());
    for (unsigned w = rng() % 8; w > 0; --w) {
      const uint64_t at = rng() % img->size(), n = std::min<uint64_t>(1 + rng() % (2 * P), img->size() - at);
      std::memset(img->write(at, n), static_cast<int>(rng()), n);
    }
    // Expected: page by page, what write_to takes from the input file at the same offset.
    std::vector<std::pair<uint64_t, uint64_t>> expected;
    const uint64_t end = std::min<uint64_t>(img->size(), input.size());
    for (uint64_t at = 0; at < end; at += P) {
      const uint64_t to = std::min(end, at + P);
      if (img->touched(at, to - at)) continue;
      if (!expected.empty() && expected.back().second == at) expected.back().second = to;
      else expected.emplace_back(at, to);
    }
    const auto ranges = img->copied_ranges();
    CHECK(ranges == expected);

    TempFile out({});
    int fd = ::open(out.path.c_str(), O_WRONLY | O_TRUNC);
    REQUIRE(fd >= 0);
    REQUIRE(img->write_to(fd).ok());
    ::close(fd);
    const auto image = img->to_vector();
    {
      auto m = img->map_written(out.path);
      REQUIRE(m.ok());
      REQUIRE(m->size() == image.size());
      CHECK(std::memcmp(m->view().data(), image.data(), image.size()) == 0);
    }
    // Spoiled in the file: an inner page of a copied range still reads as the input, its first page does not.
    for (auto [from, to] : ranges) {
      if (to - from < 3 * P) continue;
      spoil(out.path, from + P, 8);
      spoil(out.path, from, 8);
      auto m = img->map_written(out.path);
      REQUIRE(m.ok());
      CHECK(std::memcmp(m->view().data() + from + P, input.data() + from + P, 8) == 0);
      CHECK(std::memcmp(m->view().data() + from, input.data() + from, 8) != 0);
      break;
    }
  }
}

TEST_CASE("verification of a written file fails when a range copied from the input reads back other bytes at its "
          "first or last page") {
  auto bytes = fixture_library();
  if (!bytes) {
    WARN("FERRY_FIXTURES not set; skipped");
    return;
  }
  TempFile in(*bytes);
  auto mapped = MappedFile::open(in.path);
  REQUIRE(mapped.ok());
  auto original = patch::read_elf_file_for_patch(mapped->view(), in.path);
  REQUIRE(original.ok());
  patch::Edits edits;
  edits.set_rpath = "$ORIGIN/x";
  auto lp = patch::plan_layout(*original, edits, {}, patch::gather_facts(*original, edits));
  REQUIRE(lp.ok());
  auto img = Image::open(in.path);
  REQUIRE(img.ok());
  REQUIRE(patch::apply(*original, *lp, *img).ok());
  const auto ranges = img->copied_ranges();
  REQUIRE_FALSE(ranges.empty());

  auto verify_written = [&](bool spoil_first, bool spoil_last) -> Status {
    TempFile out({});
    int fd = ::open(out.path.c_str(), O_WRONLY | O_TRUNC);
    REQUIRE(fd >= 0);
    REQUIRE(img->write_to(fd).ok());
    ::close(fd);
    const auto [from, to] = ranges.front();
    if (spoil_first) spoil(out.path, from, 1);
    if (spoil_last) spoil(out.path, to - 1, 1);
    auto m = img->map_written(out.path);
    REQUIRE(m.ok());
    return patch::verify(*original, m->view(), edits, *lp, VerifyScope{&*img, false});
  };
  CHECK(verify_written(false, false).ok());
  for (auto [first, last] : {std::pair{true, false}, std::pair{false, true}}) {
    Status s = verify_written(first, last);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == ErrorCode::verify);
    CHECK(s.error().message.find("copied unchanged from the input") != std::string::npos);
  }
}

TEST_CASE("a seeded write gives what a plain write gives, writing only the pages not copied from the input") {
  const auto input = random_bytes(6 * Image::kPage + 100, 11);
  TempFile in(input);
  for (uint64_t new_size : {uint64_t{6 * Image::kPage + 100}, uint64_t{8 * Image::kPage + 3}, uint64_t{4 * Image::kPage + 9}}) {
    auto img = Image::open(in.path);
    REQUIRE(img.ok());
    std::memset(img->write(Image::kPage + 10, 3), 0x11, 3);
    REQUIRE(img->resize(new_size).ok());
    if (new_size > input.size()) std::memset(img->write(input.size() + 5, 7), 0x22, 7);
    const auto plain = written(*img);
    // The seed holds the input, except a byte spoiled inside a page the image copies: a seeded write leaves it.
    auto seed_bytes = input;
    seed_bytes[3 * Image::kPage + 1] ^= 0xff;
    TempFile seed(seed_bytes);
    int fd = ::open(seed.path.c_str(), O_WRONLY);
    REQUIRE(fd >= 0);
    REQUIRE(img->write_to(fd, true).ok());
    ::close(fd);
    auto back = read_file(seed.path);
    REQUIRE(back.ok());
    REQUIRE(back->size() == plain.size());
    auto expected = plain;
    if (new_size > 3 * Image::kPage + 1) expected[3 * Image::kPage + 1] ^= 0xff;
    CHECK(*back == expected);
  }
}

TEST_CASE("an image copied from memory writes all of itself over a seed, and cuts it to its size") {
  const auto input = random_bytes(3 * Image::kPage + 5, 12);
  auto img = Image::copy_of(ByteView(input.data(), input.size()), "mem");
  REQUIRE(img.ok());
  std::memset(img->write(2, 2), 0xcd, 2);
  auto expected = input;
  expected[2] = expected[3] = 0xcd;
  TempFile seed(random_bytes(5 * Image::kPage, 13));  // not the input, and longer
  int fd = ::open(seed.path.c_str(), O_WRONLY);
  REQUIRE(fd >= 0);
  REQUIRE(img->write_to(fd, true).ok());
  ::close(fd);
  CHECK(*read_file(seed.path) == expected);
}

TEST_CASE("patch_file with a seed writes its output into the seed: the same bytes, the unchanged ranges reported") {
  auto bytes = fixture_library();
  if (!bytes) {
    WARN("FERRY_FIXTURES not set; skipped");
    return;
  }
  TempFile in(*bytes);
  patch::Edits edits;
  edits.set_rpath = "$ORIGIN/../a/much/longer/search/path/than/the/library/had/before/it/was/patched";
  TempFile plain_out({}), seeded_out({});
  patch::PatchOptions po;
  po.fsync = false;
  auto plain = patch::patch_file(in.path, plain_out.path, edits, po);
  REQUIRE(plain.ok());
  REQUIRE_FALSE(plain->unchanged.empty());
  auto plain_bytes = read_file(plain_out.path);
  REQUIRE(plain_bytes.ok());
  // Every range reported unchanged holds the input's bytes at the same offsets.
  for (auto [from, to] : plain->unchanged) {
    REQUIRE(to <= bytes->size());
    CHECK(std::equal(bytes->begin() + static_cast<long>(from), bytes->begin() + static_cast<long>(to),
                     plain_bytes->begin() + static_cast<long>(from)));
  }

  SECTION("a seed of the input's size becomes the output") {
    TempFile seed(*bytes);
    po.seed = seed.path;
    auto r = patch::patch_file(in.path, seeded_out.path, edits, po);
    REQUIRE(r.ok());
    CHECK(*read_file(seeded_out.path) == *plain_bytes);
    CHECK(::access(seed.path.c_str(), F_OK) != 0);  // renamed, not copied
    CHECK(r->unchanged == plain->unchanged);
  }
  SECTION("a seed of another size is not used and stays where it is") {
    std::vector<uint8_t> shorter(bytes->begin(), bytes->end() - 1);
    TempFile seed(shorter);
    po.seed = seed.path;
    auto r = patch::patch_file(in.path, seeded_out.path, edits, po);
    REQUIRE(r.ok());
    CHECK(*read_file(seeded_out.path) == *plain_bytes);
    CHECK(*read_file(seed.path) == shorter);
  }
}
