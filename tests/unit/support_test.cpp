// Checked byte views, errors and hashing: the ground every reader stands on.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <utility>

#include "support/bytes.hpp"
#include "support/file.hpp"
#include "support/hash.hpp"

using namespace ferry;

TEST_CASE("byte view refuses reads that would run past the end, even when offset plus length wraps") {
  uint8_t buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  ByteView v(buf, sizeof buf, 0x100);
  CHECK(v.in_bounds(0, 8));
  CHECK_FALSE(v.in_bounds(1, 8));
  CHECK_FALSE(v.in_bounds(UINT64_MAX, 2));
  CHECK_FALSE(v.in_bounds(2, UINT64_MAX));
  auto r = v.read_uint<uint32_t>(6, Endian::little, "e_phoff");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "e_phoff: 0x4 bytes at 0x106 run past the end of the data (0x108)");
  CHECK(*r.error().offset == 0x106);
}

TEST_CASE("byte view reads both byte orders") {
  uint8_t buf[4] = {0x12, 0x34, 0x56, 0x78};
  ByteView v(buf, 4);
  CHECK(*v.find_uint<uint32_t>(0, Endian::little) == 0x78563412u);
  CHECK(*v.find_uint<uint32_t>(0, Endian::big) == 0x12345678u);
  CHECK(*v.find_uint<uint16_t>(2, Endian::big) == 0x5678u);
}

TEST_CASE("unterminated strings are an error naming the table") {
  uint8_t buf[6] = {'a', 0, 'b', 'c', 'd', 'e'};
  ByteView v(buf, 6);
  CHECK(*v.read_cstring(0, ".dynstr") == "a");
  auto r = v.read_cstring(2, ".dynstr");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == ".dynstr: string at 0x2 is not terminated");
  auto past = v.read_cstring(9, ".dynstr");
  REQUIRE_FALSE(past.ok());
  CHECK(past.error().message == ".dynstr: string offset 0x9 is past the end of the table (0x6)");
}

TEST_CASE("sha256 matches the published test vector and RECORD encoding drops padding") {
  std::string abc = "abc";
  auto d = sha256(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(abc.data()), abc.size()));
  CHECK(to_hex(d) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(to_record_base64(d) == "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
}

TEST_CASE("a RECORD digest decodes back to the digest it encodes, and nothing else decodes") {
  for (int seed = 0; seed < 64; ++seed) {
    std::string text(static_cast<size_t>(seed), static_cast<char>('a' + seed % 26));
    auto d = sha256(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    auto back = from_record_base64(to_record_base64(d));
    REQUIRE(back);
    CHECK(*back == d);
  }
  const std::string good = "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0";
  CHECK_FALSE(from_record_base64(good + "="));                  // padding is not RECORD's form
  CHECK_FALSE(from_record_base64(good.substr(0, 42)));          // one character short
  CHECK_FALSE(from_record_base64(good.substr(0, 42) + "+"));    // standard base64, not urlsafe
  CHECK_FALSE(from_record_base64(good.substr(0, 42) + "1"));    // unused low bits set: not a canonical encoding
  CHECK_FALSE(from_record_base64(""));
}

namespace {
bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }
}  // namespace

TEST_CASE("an owned descriptor is closed once, by whichever owner holds it last") {
  int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(raw >= 0);
  {
    UniqueFd a(raw);
    UniqueFd b(std::move(a));
    CHECK_FALSE(a);
    CHECK(b.get() == raw);
    UniqueFd c;
    c = std::move(b);  // the move leaves b empty: its destructor closes nothing
    CHECK(is_open(raw));
    UniqueFd& same = c;
    c = std::move(same);  // moved onto itself: still open
    CHECK(is_open(raw));
  }
  CHECK_FALSE(is_open(raw));

  int first = ::open("/dev/null", O_RDONLY | O_CLOEXEC), second = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE((first >= 0 && second >= 0));
  UniqueFd d(first);
  d.reset(second);  // closes what it held
  CHECK_FALSE(is_open(first));
  CHECK(is_open(second));
  d.reset();
  CHECK_FALSE(is_open(second));
}
