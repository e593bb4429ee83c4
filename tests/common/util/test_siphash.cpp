#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "common/util/siphash.hpp"

using namespace flowcast::common;

namespace {

std::array<uint8_t, 16> reference_key() {
  std::array<uint8_t, 16> key{};
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i);
  return key;
}

std::vector<uint8_t> counting(size_t n) {
  std::vector<uint8_t> data(n);
  for (size_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>(i);
  return data;
}

}  // namespace

TEST_CASE("SipHash-2-4 matches the reference vectors", "[unit][siphash]") {
  const auto key = reference_key();
  // From the SipHash paper, appendix A, and the reference vectors.h (as little-endian u64).
  CHECK(siphash24(key, counting(15)) == 0xa129ca6149be45e5ULL);
  CHECK(siphash24(key, counting(0)) == 0x726fdb47dd0e0e31ULL);
  CHECK(siphash24(key, counting(1)) == 0x74f839c593dc67fdULL);
  CHECK(siphash24(key, counting(7)) == 0xab0200f58b01d137ULL);
  CHECK(siphash24(key, counting(8)) == 0x93f5f5799a932462ULL);
  CHECK(siphash24(key, counting(63)) == 0x958a324ceb064572ULL);
}

TEST_CASE("SipHash depends on the key and on every byte", "[unit][siphash]") {
  auto key = reference_key();
  const auto data = counting(20);
  const uint64_t base = siphash24(key, data);
  key[15] ^= 1;
  CHECK(siphash24(key, data) != base);
  key[15] ^= 1;
  for (size_t i = 0; i < data.size(); ++i) {
    auto changed = data;
    changed[i] ^= 0x80;
    CHECK(siphash24(key, changed) != base);
  }
}
