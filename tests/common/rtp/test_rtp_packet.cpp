#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <vector>

#include "common/rtp/rtp_packet.hpp"
#include "common/rtp/sequence.hpp"

using namespace flowcast::common;

namespace {

std::vector<uint8_t> build(const RtpHeader& header, const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> out;
  write_rtp(header, payload, out);
  return out;
}

// A hand-built packet: fixed header with the given first byte, then `rest`.
std::vector<uint8_t> raw_packet(uint8_t first, std::vector<uint8_t> rest) {
  rest.insert(rest.begin(), {first, 96, 0x12, 0x34, 0, 0, 0x03, 0xE8, 0xDE, 0xAD, 0xBE, 0xEF});
  return rest;
}

}  // namespace

TEST_CASE("RTP round trip without send time", "[unit][rtp]") {
  RtpHeader header;
  header.marker = true;
  header.sequence = 4242;
  header.timestamp = 0xFEDCBA98;
  header.ssrc = 0x01020304;
  const std::vector<uint8_t> payload = {0x65, 1, 2, 3, 4, 5};
  const auto packet = build(header, payload);
  REQUIRE(packet.size() == 12 + payload.size());
  REQUIRE(rtp_header_size(header) == 12);
  CHECK(packet[0] == 0x80);
  CHECK(packet[1] == (0x80 | 96));

  const auto view = parse_rtp(packet);
  REQUIRE(view);
  CHECK(view->header.marker);
  CHECK(view->header.payload_type == kPayloadTypeDynamic);
  CHECK(view->header.sequence == 4242);
  CHECK(view->header.timestamp == 0xFEDCBA98);
  CHECK(view->header.ssrc == 0x01020304);
  CHECK(view->header.csrcs.empty());
  CHECK_FALSE(view->header.send_time_us);
  CHECK(view->padding == 0);
  CHECK(std::vector<uint8_t>(view->payload.begin(), view->payload.end()) == payload);
  CHECK_FALSE(is_rtcp(packet));
}

TEST_CASE("RTP round trip with send time and CSRCs", "[unit][rtp]") {
  RtpHeader header;
  header.marker = false;
  header.payload_type = 111;
  header.sequence = 65535;
  header.timestamp = 90000;
  header.ssrc = 0xCAFEBABE;
  header.csrcs = {1, 2, 0xFFFFFFFF};
  header.send_time_us = 0x0123456789ABCDEFULL;
  const std::vector<uint8_t> payload(1000, 0x5A);
  const auto packet = build(header, payload);
  REQUIRE(rtp_header_size(header) == 12 + 3 * 4 + 16);
  REQUIRE(packet.size() == rtp_header_size(header) + payload.size());
  REQUIRE(rtp_header_size(header) % 4 == 0);

  const auto view = parse_rtp(packet);
  REQUIRE(view);
  CHECK_FALSE(view->header.marker);
  CHECK(view->header.payload_type == 111);
  CHECK(view->header.sequence == 65535);
  CHECK(view->header.csrcs == std::vector<uint32_t>{1, 2, 0xFFFFFFFF});
  REQUIRE(view->header.send_time_us);
  CHECK(*view->header.send_time_us == 0x0123456789ABCDEFULL);
  CHECK(view->payload.size() == payload.size());
  CHECK(view->payload.data() == packet.data() + rtp_header_size(header));
}

TEST_CASE("write_rtp appends and rejects too many CSRCs", "[unit][rtp]") {
  std::vector<uint8_t> out = {0xAA};
  RtpHeader header;
  write_rtp(header, std::vector<uint8_t>{1}, out);
  CHECK(out.size() == 1 + 12 + 1);
  CHECK(out[0] == 0xAA);
  header.csrcs.assign(16, 7);
  CHECK_THROWS_AS(write_rtp(header, {}, out), std::invalid_argument);
}

TEST_CASE("RTP sequence wraps 65535 -> 0 through the unwrapper", "[unit][rtp]") {
  SequenceUnwrapper unwrapper;
  RtpHeader header;
  header.sequence = 65534;
  std::vector<int64_t> unwrapped;
  for (int i = 0; i < 4; ++i) {
    const auto view = parse_rtp(build(header, {0x41}));
    REQUIRE(view);
    unwrapped.push_back(unwrapper.unwrap(view->header.sequence));
    ++header.sequence;
  }
  CHECK(header.sequence == 2);
  CHECK(unwrapped == std::vector<int64_t>{65534, 65535, 65536, 65537});
}

TEST_CASE("RTP padding is removed", "[unit][rtp]") {
  // P bit, payload 3 bytes, then 4 bytes of padding whose last byte counts them.
  const auto packet = raw_packet(0xA0, {9, 8, 7, 0, 0, 0, 4});
  const auto view = parse_rtp(packet);
  REQUIRE(view);
  CHECK(view->padding == 4);
  CHECK(std::vector<uint8_t>(view->payload.begin(), view->payload.end()) ==
        std::vector<uint8_t>{9, 8, 7});
  CHECK(view->header.sequence == 0x1234);
  CHECK(view->header.timestamp == 1000);
  CHECK(view->header.ssrc == 0xDEADBEEF);

  // Padding that exactly consumes everything after the header leaves an empty payload.
  const auto only_padding = parse_rtp(raw_packet(0xA0, {0, 2}));
  REQUIRE(only_padding);
  CHECK(only_padding->payload.empty());
}

TEST_CASE("RTP CSRC list is parsed", "[unit][rtp]") {
  const auto packet = raw_packet(0x82, {0, 0, 0, 5, 0xFF, 0, 0, 6, 0x77});
  const auto view = parse_rtp(packet);
  REQUIRE(view);
  CHECK(view->header.csrcs == std::vector<uint32_t>{5, 0xFF000006});
  REQUIRE(view->payload.size() == 1);
  CHECK(view->payload[0] == 0x77);
}

TEST_CASE("RTP unknown extensions are parsed past", "[unit][rtp]") {
  SECTION("two-byte profile 0x100x") {
    // RFC 8285 two-byte form: id 1 (would be send time in one-byte form), length 8.
    const auto packet = raw_packet(
        0x90, {0x10, 0x00, 0x00, 0x03, 0x01, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0x65, 0x66});
    const auto view = parse_rtp(packet);
    REQUIRE(view);
    CHECK_FALSE(view->header.send_time_us);
    CHECK(std::vector<uint8_t>(view->payload.begin(), view->payload.end()) ==
          std::vector<uint8_t>{0x65, 0x66});
  }
  SECTION("unknown one-byte id before the send time, with padding bytes") {
    // id 3 length 2, a padding byte, then id 1 length 8.
    const auto packet =
        raw_packet(0x90, {0xBE, 0xDE, 0x00, 0x04, 0x31, 0xAA, 0xBB, 0x00, 0x17, 0,   0,
                          0,    0,    0,    0,    0x01, 0x02, 0,    0,    0,    0x65});
    const auto view = parse_rtp(packet);
    REQUIRE(view);
    REQUIRE(view->header.send_time_us);
    CHECK(*view->header.send_time_us == 0x0102);
    REQUIRE(view->payload.size() == 1);
    CHECK(view->payload[0] == 0x65);
  }
  SECTION("only an unknown one-byte id") {
    const auto packet = raw_packet(0x90, {0xBE, 0xDE, 0x00, 0x01, 0x50, 0x11, 0, 0, 0x65});
    const auto view = parse_rtp(packet);
    REQUIRE(view);
    CHECK_FALSE(view->header.send_time_us);
    REQUIRE(view->payload.size() == 1);
  }
  SECTION("send-time id with the wrong length is ignored") {
    const auto packet = raw_packet(0x90, {0xBE, 0xDE, 0x00, 0x01, 0x12, 1, 2, 3, 0x65});
    const auto view = parse_rtp(packet);
    REQUIRE(view);
    CHECK_FALSE(view->header.send_time_us);
  }
}

TEST_CASE("malformed RTP is rejected", "[unit][rtp]") {
  RtpHeader header;
  header.csrcs = {1, 2};
  header.send_time_us = 5;
  const auto good = build(header, {1, 2, 3});
  REQUIRE(parse_rtp(good));

  SECTION("truncated at every length") {
    for (size_t n = 0; n < rtp_header_size(header); ++n) {
      INFO("length " << n);
      CHECK_FALSE(parse_rtp(std::span(good).first(n)));
    }
  }
  SECTION("version 1, 0 and 3") {
    for (uint8_t version : {0, 1, 3}) {
      auto bad = good;
      bad[0] = static_cast<uint8_t>((bad[0] & 0x3F) | (version << 6));
      CHECK_FALSE(parse_rtp(bad));
    }
  }
  SECTION("padding larger than the packet") {
    CHECK_FALSE(parse_rtp(raw_packet(0xA0, {1, 2, 200})));
    CHECK_FALSE(parse_rtp(raw_packet(0xA0, {1, 2, 4})));  // eats into the header
    CHECK_FALSE(parse_rtp(raw_packet(0xA0, {1, 2, 0})));  // count 0
    CHECK_FALSE(parse_rtp(raw_packet(0xA0, {})));         // no room for the count
  }
  SECTION("CSRC count past the end") {
    CHECK_FALSE(parse_rtp(raw_packet(0x8F, {0, 0, 0, 1})));
  }
  SECTION("extension length past the end") {
    CHECK_FALSE(parse_rtp(raw_packet(0x90, {0xBE, 0xDE, 0x00, 0x02, 0x10, 0, 0, 0})));
    CHECK_FALSE(parse_rtp(raw_packet(0x90, {0xBE, 0xDE})));
  }
  SECTION("one-byte element past the extension block") {
    CHECK_FALSE(parse_rtp(raw_packet(0x90, {0xBE, 0xDE, 0x00, 0x01, 0x17, 1, 2, 3, 4, 5, 6})));
  }
}

TEST_CASE("is_rtcp demultiplexes RTP and RTCP", "[unit][rtp]") {
  CHECK(is_rtcp(std::vector<uint8_t>{0x80, 200, 0, 6}));
  CHECK(is_rtcp(std::vector<uint8_t>{0x81, 201, 0, 7}));
  CHECK(is_rtcp(std::vector<uint8_t>{0x81, 206, 0, 2}));
  CHECK(is_rtcp(std::vector<uint8_t>{0x80, 192, 0, 0}));
  CHECK(is_rtcp(std::vector<uint8_t>{0x80, 223, 0, 0}));
  CHECK_FALSE(is_rtcp(std::vector<uint8_t>{0x80, 224, 0, 0}));  // PT 96 with marker
  CHECK_FALSE(is_rtcp(std::vector<uint8_t>{0x80, 96, 0, 0}));
  CHECK_FALSE(is_rtcp(std::vector<uint8_t>{0x80, 191, 0, 0}));
  CHECK_FALSE(is_rtcp(std::vector<uint8_t>{0x40, 200, 0, 0}));  // version 1
  CHECK_FALSE(is_rtcp(std::vector<uint8_t>{0x80, 200}));        // too short
  CHECK_FALSE(is_rtcp(std::vector<uint8_t>{}));
}

TEST_CASE("RTP parser survives random input", "[unit][rtp][fuzz]") {
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<size_t> length(0, 80);
  size_t accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> buffer(length(rng));
    for (auto& b : buffer) b = static_cast<uint8_t>(byte(rng));
    if (!buffer.empty()) buffer[0] = static_cast<uint8_t>(0x80 | (buffer[0] & 0x3F));
    const auto view = parse_rtp(buffer);
    if (view) {
      ++accepted;
      REQUIRE(view->payload.data() >= buffer.data());
      REQUIRE(view->payload.data() + view->payload.size() <= buffer.data() + buffer.size());
    }
  }
  CHECK(accepted > 0);
}
