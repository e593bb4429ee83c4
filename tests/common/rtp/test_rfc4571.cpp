#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <vector>

#include "common/rtp/rfc4571.hpp"

using namespace flowcast::common;

namespace {

using Packets = std::vector<std::vector<uint8_t>>;

std::vector<uint8_t> make_packet(size_t size, uint8_t seed) {
  std::vector<uint8_t> packet(size);
  for (size_t i = 0; i < size; ++i) packet[i] = static_cast<uint8_t>(seed + i * 31);
  return packet;
}

auto collector(Packets& into) {
  return
      [&into](std::span<const uint8_t> packet) { into.emplace_back(packet.begin(), packet.end()); };
}

}  // namespace

TEST_CASE("RFC 4571 framing writes a big-endian length", "[unit][rfc4571]") {
  std::vector<uint8_t> out = {0xEE};
  REQUIRE(frame_rfc4571(make_packet(0x0102, 1), out));
  REQUIRE(out.size() == 1 + 2 + 0x0102);
  CHECK(out[0] == 0xEE);
  CHECK(out[1] == 0x01);
  CHECK(out[2] == 0x02);
  CHECK(out[3] == 1);
}

TEST_CASE("RFC 4571 refuses oversize and empty packets", "[unit][rfc4571]") {
  std::vector<uint8_t> out;
  CHECK_FALSE(frame_rfc4571(make_packet(65536, 0), out));
  CHECK_FALSE(frame_rfc4571({}, out));
  CHECK(out.empty());
  CHECK(frame_rfc4571(make_packet(65535, 0), out));
  CHECK(out.size() == 65537);
  CHECK(out[0] == 0xFF);
  CHECK(out[1] == 0xFF);
}

TEST_CASE("RFC 4571 one frame fed byte by byte", "[unit][rfc4571]") {
  const auto packet = make_packet(300, 7);
  std::vector<uint8_t> stream;
  REQUIRE(frame_rfc4571(packet, stream));
  Rfc4571Deframer deframer;
  Packets got;
  for (size_t i = 0; i < stream.size(); ++i) {
    deframer.feed(std::span(stream).subspan(i, 1), collector(got));
    if (i + 1 < stream.size()) {
      REQUIRE(got.empty());
      CHECK(deframer.pending_bytes() == i + 1);
    }
  }
  REQUIRE(got.size() == 1);
  CHECK(got[0] == packet);
  CHECK(deframer.pending_bytes() == 0);
}

TEST_CASE("RFC 4571 three frames coalesced in one feed", "[unit][rfc4571]") {
  const Packets packets = {make_packet(12, 1), make_packet(1, 2), make_packet(1200, 3)};
  std::vector<uint8_t> stream;
  for (const auto& p : packets) REQUIRE(frame_rfc4571(p, stream));
  // A zero-length frame in the middle is skipped.
  stream.insert(stream.begin() + 14, {0, 0});
  Rfc4571Deframer deframer;
  Packets got;
  deframer.feed(stream, collector(got));
  CHECK(got == packets);
  CHECK(deframer.pending_bytes() == 0);
}

TEST_CASE("RFC 4571 a frame split across three feeds", "[unit][rfc4571]") {
  const auto first = make_packet(40, 9);
  const auto second = make_packet(500, 10);
  std::vector<uint8_t> stream;
  REQUIRE(frame_rfc4571(first, stream));
  REQUIRE(frame_rfc4571(second, stream));
  // Cuts: inside the second frame's length prefix, then inside its body.
  const size_t cut1 = 42 + 1;
  const size_t cut2 = 42 + 2 + 100;
  Rfc4571Deframer deframer;
  Packets got;
  deframer.feed(std::span(stream).first(cut1), collector(got));
  REQUIRE(got.size() == 1);
  CHECK(got[0] == first);
  CHECK(deframer.pending_bytes() == 1);
  deframer.feed(std::span(stream).subspan(cut1, cut2 - cut1), collector(got));
  CHECK(got.size() == 1);
  CHECK(deframer.pending_bytes() == 102);
  deframer.feed(std::span(stream).subspan(cut2), collector(got));
  REQUIRE(got.size() == 2);
  CHECK(got[1] == second);
  CHECK(deframer.pending_bytes() == 0);
}

TEST_CASE("RFC 4571 random chunking delivers every packet in order", "[unit][rfc4571][fuzz]") {
  std::mt19937 rng(4571);
  Packets packets;
  std::vector<uint8_t> stream;
  for (int i = 0; i < 300; ++i) {
    packets.push_back(make_packet(1 + rng() % 3000, static_cast<uint8_t>(i)));
    REQUIRE(frame_rfc4571(packets.back(), stream));
  }
  packets.push_back(make_packet(65535, 1));
  REQUIRE(frame_rfc4571(packets.back(), stream));
  Rfc4571Deframer deframer;
  Packets got;
  for (size_t pos = 0; pos < stream.size();) {
    const size_t n = std::min<size_t>(1 + rng() % 5000, stream.size() - pos);
    deframer.feed(std::span(stream).subspan(pos, n), collector(got));
    pos += n;
  }
  CHECK(got == packets);
  CHECK(deframer.pending_bytes() == 0);
}
