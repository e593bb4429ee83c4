#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "common/rtp/sequence.hpp"

using namespace flowcast::common;

TEST_CASE("sequence_newer follows serial arithmetic", "[unit][sequence]") {
  CHECK(sequence_newer(1, 0));
  CHECK_FALSE(sequence_newer(0, 1));
  CHECK_FALSE(sequence_newer(5, 5));
  CHECK(sequence_newer(0, 65535));
  CHECK_FALSE(sequence_newer(65535, 0));
  CHECK(sequence_newer(100, 65500));
  CHECK(sequence_newer(32767, 0));
  CHECK_FALSE(sequence_newer(32769, 0));
  // Exactly half apart: exactly one direction is newer.
  CHECK(sequence_newer(32768, 0) != sequence_newer(0, 32768));
  CHECK(sequence_newer(40000, 7232) != sequence_newer(7232, 40000));
}

TEST_CASE("sequence_delta is signed and wraps", "[unit][sequence]") {
  CHECK(sequence_delta(10, 3) == 7);
  CHECK(sequence_delta(3, 10) == -7);
  CHECK(sequence_delta(0, 65535) == 1);
  CHECK(sequence_delta(65535, 0) == -1);
  CHECK(sequence_delta(5, 65530) == 11);
  CHECK(sequence_delta(32767, 0) == 32767);
  CHECK(sequence_delta(32768, 0) == -32768);
  CHECK(sequence_delta(7, 7) == 0);
}

TEST_CASE("SequenceUnwrapper extends across wraps", "[unit][sequence]") {
  SECTION("forward wrap") {
    SequenceUnwrapper u;
    CHECK(u.unwrap(65533) == 65533);
    CHECK(u.unwrap(65535) == 65535);
    CHECK(u.unwrap(0) == 65536);
    CHECK(u.unwrap(1) == 65537);
  }
  SECTION("a late packet from before the wrap") {
    SequenceUnwrapper u;
    CHECK(u.unwrap(65534) == 65534);
    CHECK(u.unwrap(2) == 65538);
    CHECK(u.unwrap(65535) == 65535);
    CHECK(u.unwrap(3) == 65539);
  }
  SECTION("many wraps") {
    SequenceUnwrapper u;
    uint16_t seq = 100;
    int64_t expected = 100;
    CHECK(u.unwrap(seq) == expected);
    for (int i = 0; i < 5 * 65536 / 1000; ++i) {
      seq = static_cast<uint16_t>(seq + 1000);
      expected += 1000;
      REQUIRE(u.unwrap(seq) == expected);
    }
    CHECK(expected > 4 * 65536);
  }
  SECTION("going back past the first value") {
    SequenceUnwrapper u;
    CHECK(u.unwrap(2) == 2);
    CHECK(u.unwrap(65535) == -1);
    CHECK(u.unwrap(3) == 3);
  }
}

TEST_CASE("TimestampUnwrapper extends 32-bit timestamps", "[unit][sequence]") {
  TimestampUnwrapper u;
  CHECK(u.unwrap(0xFFFFFF00u) == 0xFFFFFF00LL);
  CHECK(u.unwrap(0x00000100u) == 0x100000100LL);
  CHECK(u.unwrap(0xFFFFFFF0u) == 0xFFFFFFF0LL);  // late, from before the wrap
  CHECK(u.unwrap(3000u) == 0x100000000LL + 3000);
  // Steady 30 fps at 90 kHz through several wraps.
  TimestampUnwrapper steady;
  uint32_t ts = 0xFFFF0000u;
  int64_t expected = ts;
  for (int i = 0; i < 200000; ++i) {
    REQUIRE(steady.unwrap(ts) == expected);
    ts += 3000 * 37;
    expected += 3000 * 37;
  }
  CHECK(expected > 4 * (int64_t{1} << 32));
}
