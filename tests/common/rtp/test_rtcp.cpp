#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <vector>

#include "common/rtp/rtcp.hpp"
#include "common/rtp/rtp_packet.hpp"

using namespace flowcast::common;

namespace {

ReportBlock sample_block(uint32_t seed) {
  ReportBlock block;
  block.ssrc = 0x11111111 * seed;
  block.fraction_lost = static_cast<uint8_t>(seed * 7);
  block.cumulative_lost =
      seed % 2 ? -static_cast<int32_t>(seed) * 1000 : static_cast<int32_t>(seed);
  block.highest_sequence = 0x00010000 + seed;
  block.jitter = 90 * seed;
  block.last_sr = 0xABCD0000 + seed;
  block.delay_since_last_sr = 65536 * seed;
  return block;
}

void check_block(const ReportBlock& a, const ReportBlock& b) {
  CHECK(a.ssrc == b.ssrc);
  CHECK(a.fraction_lost == b.fraction_lost);
  CHECK(a.cumulative_lost == b.cumulative_lost);
  CHECK(a.highest_sequence == b.highest_sequence);
  CHECK(a.jitter == b.jitter);
  CHECK(a.last_sr == b.last_sr);
  CHECK(a.delay_since_last_sr == b.delay_since_last_sr);
}

size_t packet_count(const RtcpCompound& c) {
  return c.sender_reports.size() + c.receiver_reports.size() + c.plis.size() + c.nacks.size() +
         c.byes.size() + c.unknown;
}

}  // namespace

TEST_CASE("RTCP receiver report round trip", "[unit][rtcp]") {
  ReceiverReport report;
  report.sender_ssrc = 0x12345678;
  report.blocks = {sample_block(1), sample_block(2)};
  std::vector<uint8_t> out;
  write_receiver_report(report, out);
  REQUIRE(out.size() == 8 + 2 * 24);
  CHECK(is_rtcp(out));

  const auto parsed = parse_rtcp(out);
  REQUIRE(parsed);
  REQUIRE(parsed->receiver_reports.size() == 1);
  CHECK(packet_count(*parsed) == 1);
  const auto& rr = parsed->receiver_reports[0];
  CHECK(rr.sender_ssrc == 0x12345678);
  REQUIRE(rr.blocks.size() == 2);
  check_block(rr.blocks[0], report.blocks[0]);
  check_block(rr.blocks[1], report.blocks[1]);
}

TEST_CASE("RTCP receiver report without blocks and with more than 31", "[unit][rtcp]") {
  std::vector<uint8_t> out;
  write_receiver_report({7, {}}, out);
  REQUIRE(out.size() == 8);
  auto parsed = parse_rtcp(out);
  REQUIRE(parsed);
  REQUIRE(parsed->receiver_reports.size() == 1);
  CHECK(parsed->receiver_reports[0].blocks.empty());

  ReceiverReport many{9, {}};
  for (uint32_t i = 0; i < 40; ++i) many.blocks.push_back(sample_block(i));
  out.clear();
  write_receiver_report(many, out);
  parsed = parse_rtcp(out);
  REQUIRE(parsed);
  REQUIRE(parsed->receiver_reports.size() == 2);
  CHECK(parsed->receiver_reports[0].blocks.size() == 31);
  CHECK(parsed->receiver_reports[1].blocks.size() == 9);
  CHECK(parsed->receiver_reports[1].sender_ssrc == 9);
  check_block(parsed->receiver_reports[1].blocks[8], many.blocks[39]);
}

TEST_CASE("RTCP cumulative lost is 24-bit signed and clamped", "[unit][rtcp]") {
  ReceiverReport report{1, {sample_block(1), sample_block(2), sample_block(3), sample_block(4)}};
  report.blocks[0].cumulative_lost = -1;
  report.blocks[1].cumulative_lost = (1 << 23) - 1;
  report.blocks[2].cumulative_lost = 50'000'000;   // clamps to the largest
  report.blocks[3].cumulative_lost = -50'000'000;  // clamps to the smallest
  std::vector<uint8_t> out;
  write_receiver_report(report, out);
  const auto parsed = parse_rtcp(out);
  REQUIRE(parsed);
  const auto& blocks = parsed->receiver_reports.at(0).blocks;
  CHECK(blocks[0].cumulative_lost == -1);
  CHECK(blocks[1].cumulative_lost == (1 << 23) - 1);
  CHECK(blocks[2].cumulative_lost == (1 << 23) - 1);
  CHECK(blocks[3].cumulative_lost == -(1 << 23));
}

TEST_CASE("RTCP sender report round trip", "[unit][rtcp]") {
  SenderReport report;
  report.sender_ssrc = 0xFEEDF00D;
  report.ntp_time = 0xE1234567'89ABCDEFULL;
  report.rtp_time = 0x90000;
  report.packet_count = 12345;
  report.octet_count = 0xFFFFFFFF;
  report.blocks = {sample_block(3)};
  std::vector<uint8_t> out;
  write_sender_report(report, out);
  REQUIRE(out.size() == 28 + 24);
  const auto parsed = parse_rtcp(out);
  REQUIRE(parsed);
  REQUIRE(parsed->sender_reports.size() == 1);
  CHECK(parsed->receiver_reports.empty());
  const auto& sr = parsed->sender_reports[0];
  CHECK(sr.sender_ssrc == report.sender_ssrc);
  CHECK(sr.ntp_time == report.ntp_time);
  CHECK(sr.rtp_time == report.rtp_time);
  CHECK(sr.packet_count == report.packet_count);
  CHECK(sr.octet_count == report.octet_count);
  REQUIRE(sr.blocks.size() == 1);
  check_block(sr.blocks[0], report.blocks[0]);

  // More than 31 blocks continue in an RR.
  for (uint32_t i = 0; i < 32; ++i) report.blocks.push_back(sample_block(i));
  out.clear();
  write_sender_report(report, out);
  const auto split = parse_rtcp(out);
  REQUIRE(split);
  REQUIRE(split->sender_reports.size() == 1);
  CHECK(split->sender_reports[0].blocks.size() == 31);
  REQUIRE(split->receiver_reports.size() == 1);
  CHECK(split->receiver_reports[0].blocks.size() == 2);
}

TEST_CASE("RTCP PLI round trip", "[unit][rtcp]") {
  std::vector<uint8_t> out;
  write_pli({0xAAAA0001, 0xBBBB0002}, out);
  REQUIRE(out.size() == 12);
  CHECK(out[0] == 0x81);
  CHECK(out[1] == 206);
  const auto parsed = parse_rtcp(out);
  REQUIRE(parsed);
  REQUIRE(parsed->plis.size() == 1);
  CHECK(parsed->plis[0].sender_ssrc == 0xAAAA0001);
  CHECK(parsed->plis[0].media_ssrc == 0xBBBB0002);
  CHECK(packet_count(*parsed) == 1);
}

TEST_CASE("RTCP BYE round trip", "[unit][rtcp]") {
  std::vector<uint8_t> out;
  write_bye({{0x01020304, 0x05060708}}, out);
  REQUIRE(out.size() == 12);
  auto parsed = parse_rtcp(out);
  REQUIRE(parsed);
  REQUIRE(parsed->byes.size() == 1);
  CHECK(parsed->byes[0].ssrcs == std::vector<uint32_t>{0x01020304, 0x05060708});

  out.clear();
  write_bye({}, out);
  parsed = parse_rtcp(out);
  REQUIRE(parsed);
  REQUIRE(parsed->byes.size() == 1);
  CHECK(parsed->byes[0].ssrcs.empty());

  // A BYE with a reason text from a peer: SC 1, reason length 3 "bye", padded to the word.
  const std::vector<uint8_t> with_reason = {0x81, 203, 0, 2, 0, 0, 0, 9, 3, 'b', 'y', 'e'};
  parsed = parse_rtcp(with_reason);
  REQUIRE(parsed);
  CHECK(parsed->byes.at(0).ssrcs == std::vector<uint32_t>{9});
}

TEST_CASE("RTCP NACK round trip", "[unit][rtcp]") {
  auto round_trip = [](std::vector<uint16_t> lost) {
    GenericNack nack{0x0A0B0C0D, 0x01020304, std::move(lost)};
    std::vector<uint8_t> out;
    write_nack(nack, out);
    const auto parsed = parse_rtcp(out);
    REQUIRE(parsed);
    REQUIRE(parsed->nacks.size() == 1);
    CHECK(parsed->nacks[0].sender_ssrc == 0x0A0B0C0D);
    CHECK(parsed->nacks[0].media_ssrc == 0x01020304);
    return std::make_pair(out.size(), parsed->nacks[0].lost_sequences);
  };

  SECTION("a single sequence") {
    const auto [size, lost] = round_trip({500});
    CHECK(size == 16);
    CHECK(lost == std::vector<uint16_t>{500});
  }
  SECTION("a spread across the BLP boundary") {
    // 100 is a PID; 101..116 fit its BLP (116 is bit 15); 117 needs a new PID.
    const std::vector<uint16_t> lost = {100, 101, 105, 116, 117, 120, 133, 134, 200};
    const auto [size, parsed] = round_trip(lost);
    CHECK(size == 12 + 4 * 4);  // PIDs 100 (+101, 105, 116), 117 (+120, 133), 134, 200
    CHECK(parsed == lost);
  }
  SECTION("across the 65535 wrap, unsorted, with duplicates") {
    const std::vector<uint16_t> lost = {65530, 3, 65535, 0, 65530, 12, 40};
    const auto [size, parsed] = round_trip(lost);
    CHECK(parsed == std::vector<uint16_t>{65530, 65535, 0, 3, 12, 40});
    CHECK(size == 12 + 3 * 4);  // PIDs 65530 (+65535, 0, 3), 12, 40
  }
  SECTION("nothing to report writes nothing") {
    std::vector<uint8_t> out;
    write_nack({1, 2, {}}, out);
    CHECK(out.empty());
  }
}

TEST_CASE("RTCP compound RR + BYE, and unknown types", "[unit][rtcp]") {
  std::vector<uint8_t> out;
  write_receiver_report({42, {sample_block(5)}}, out);
  // An SDES with one CNAME chunk: known to RFC 3550, not parsed by us.
  const std::vector<uint8_t> sdes = {0x81, 202, 0, 3, 0, 0, 0, 42, 1, 2, 'a', 'b', 0, 0, 0, 0};
  out.insert(out.end(), sdes.begin(), sdes.end());
  write_bye({{42}}, out);
  const auto parsed = parse_rtcp(out);
  REQUIRE(parsed);
  REQUIRE(parsed->receiver_reports.size() == 1);
  CHECK(parsed->receiver_reports[0].sender_ssrc == 42);
  REQUIRE(parsed->byes.size() == 1);
  CHECK(parsed->byes[0].ssrcs == std::vector<uint32_t>{42});
  CHECK(parsed->unknown == 1);
  CHECK(packet_count(*parsed) == 3);

  // Feedback FMTs we do not handle (FIR is PSFB FMT 4, TMMBR is RTPFB FMT 3) count as unknown.
  const std::vector<uint8_t> fir = {0x84, 206, 0, 4, 0, 0, 0, 1, 0, 0,
                                    0,    0,   0, 0, 0, 2, 7, 0, 0, 0};
  const std::vector<uint8_t> tmmbr = {0x83, 205, 0, 4, 0, 0, 0, 1, 0, 0,
                                      0,    0,   0, 0, 0, 2, 0, 0, 0, 0};
  std::vector<uint8_t> feedback;
  for (const auto* part : {&fir, &tmmbr}) {
    for (uint8_t b : *part) feedback.push_back(b);
  }
  write_pli({1, 2}, feedback);
  const auto fb = parse_rtcp(feedback);
  REQUIRE(fb);
  CHECK(fb->unknown == 2);
  CHECK(fb->plis.size() == 1);
}

TEST_CASE("RTCP padding in the last packet", "[unit][rtcp]") {
  // An RR with no blocks, P bit, 4 bytes of padding: length 2 words + header.
  const std::vector<uint8_t> padded = {0xA0, 201, 0, 2, 0, 0, 0, 5, 0, 0, 0, 4};
  const auto parsed = parse_rtcp(padded);
  REQUIRE(parsed);
  CHECK(parsed->receiver_reports.at(0).sender_ssrc == 5);
  std::vector<uint8_t> bad = padded;
  bad.back() = 9;  // more padding than the packet body
  CHECK_FALSE(parse_rtcp(bad));
  bad.back() = 0;
  CHECK_FALSE(parse_rtcp(bad));
}

TEST_CASE("malformed RTCP is rejected", "[unit][rtcp]") {
  std::vector<uint8_t> good;
  write_receiver_report({42, {sample_block(1)}}, good);
  write_bye({{42}}, good);
  REQUIRE(parse_rtcp(good));

  CHECK_FALSE(parse_rtcp({}));
  SECTION("every truncation") {
    for (size_t n = 1; n < good.size(); ++n) {
      if (n == 32) continue;  // the RR alone is a valid packet
      INFO("length " << n);
      CHECK_FALSE(parse_rtcp(std::span(good).first(n)));
    }
    CHECK(parse_rtcp(std::span(good).first(32)));
  }
  SECTION("length field past the end") {
    auto bad = good;
    bad[3] = 200;
    CHECK_FALSE(parse_rtcp(bad));
  }
  SECTION("report count larger than the length") {
    auto bad = good;
    bad[0] = 0x82;  // RC 2, room for 1
    CHECK_FALSE(parse_rtcp(bad));
  }
  SECTION("BYE count larger than the length") {
    auto bad = good;
    bad[32] = 0x83;
    CHECK_FALSE(parse_rtcp(bad));
  }
  SECTION("wrong version") {
    auto bad = good;
    bad[32] = 0x41;
    CHECK_FALSE(parse_rtcp(bad));
  }
  SECTION("feedback too short") {
    CHECK_FALSE(parse_rtcp(std::vector<uint8_t>{0x81, 206, 0, 1, 0, 0, 0, 1}));
    CHECK_FALSE(parse_rtcp(std::vector<uint8_t>{0x81, 205, 0, 1, 0, 0, 0, 1}));
  }
  SECTION("sender report too short for its sender info") {
    CHECK_FALSE(parse_rtcp(std::vector<uint8_t>{0x80, 200, 0, 1, 0, 0, 0, 1}));
  }
  SECTION("BYE reason longer than the packet") {
    CHECK_FALSE(parse_rtcp(std::vector<uint8_t>{0x81, 203, 0, 2, 0, 0, 0, 9, 7, 'b', 'y', 'e'}));
  }
}

TEST_CASE("RTCP parser survives random input", "[unit][rtcp][fuzz]") {
  std::mt19937 rng(99);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<size_t> length(0, 120);
  size_t accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> buffer(length(rng));
    for (auto& b : buffer) b = static_cast<uint8_t>(byte(rng));
    // Bias towards plausible headers so the body parsers run.
    if (buffer.size() >= 4) {
      buffer[0] = static_cast<uint8_t>(0x80 | (buffer[0] & 0x3F));
      buffer[1] = static_cast<uint8_t>(200 + byte(rng) % 7);
      buffer[2] = 0;
      buffer[3] = static_cast<uint8_t>(buffer.size() / 4 - 1 - byte(rng) % 2);
    }
    if (parse_rtcp(buffer)) ++accepted;
  }
  CHECK(accepted > 0);
}

TEST_CASE("RTCP BYE carries its reason for leaving (RFC 3550 6.6)", "[unit][rtcp]") {
  for (const std::string& reason :
       {std::string("server full"), std::string("abc"), std::string(255, 'x'), std::string()}) {
    INFO("reason of " << reason.size() << " bytes");
    std::vector<uint8_t> out;
    write_bye(Goodbye{{0x11, 0x22}, reason}, out);
    CHECK(out.size() % 4 == 0);
    auto parsed = parse_rtcp(out);
    REQUIRE(parsed);
    REQUIRE(parsed->byes.size() == 1);
    CHECK(parsed->byes[0].ssrcs == std::vector<uint32_t>{0x11, 0x22});
    CHECK(parsed->byes[0].reason == reason);
  }
  // A longer reason is cut to the 255 bytes its length byte can say.
  std::vector<uint8_t> out;
  write_bye(Goodbye{{1}, std::string(300, 'y')}, out);
  auto parsed = parse_rtcp(out);
  REQUIRE(parsed);
  CHECK(parsed->byes.at(0).reason == std::string(255, 'y'));
}

TEST_CASE("RTCP goodbye: an empty report, then the BYE with its reason (RFC 3550 6.1)",
          "[unit][rtcp]") {
  std::vector<uint8_t> out;
  write_goodbye(0x77, "server full", out);
  REQUIRE(out.size() >= 2);
  CHECK(out[1] == 201);  // the compound starts with a receiver report
  auto parsed = parse_rtcp(out);
  REQUIRE(parsed);
  REQUIRE(parsed->receiver_reports.size() == 1);
  CHECK(parsed->receiver_reports[0].sender_ssrc == 0x77);
  CHECK(parsed->receiver_reports[0].blocks.empty());
  REQUIRE(parsed->byes.size() == 1);
  CHECK(parsed->byes[0].ssrcs == std::vector<uint32_t>{0x77});
  CHECK(parsed->byes[0].reason == "server full");
}
