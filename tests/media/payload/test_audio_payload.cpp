// The audio payload formats: AAC as RFC 3640 AAC-hbr (AU headers, fragments,
// the fmtp), Opus as RFC 7587 (one packet, one payload) and G.711 as RFC
// 3551 (20 ms of samples a payload), packetized and depacketized back.
#include <catch2/catch.hpp>
#include <cstdint>
#include <numeric>
#include <vector>

#include "media/payload/aac_payload.hpp"
#include "media/payload/fmtp.hpp"
#include "media/payload/payload_format.hpp"

using namespace flowcast::media;

namespace {
std::vector<uint8_t> bytes(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  std::iota(v.begin(), v.end(), seed);
  return v;
}
}  // namespace

TEST_CASE("an AAC access unit leaves in one packet behind its AU header", "[unit][payload]") {
  const auto unit = bytes(371, 5);
  const auto payloads = packetize_aac(unit, 1172);
  REQUIRE(payloads.size() == 1);
  const auto& p = payloads[0];
  REQUIRE(p.size() == 4 + unit.size());
  // AU-headers-length: 16 bits; AU-size 371 in 13 bits, AU-Index 0.
  CHECK(p[0] == 0x00);
  CHECK(p[1] == 0x10);
  CHECK(((p[2] << 8) | p[3]) == (371 << 3));
  CHECK(std::vector<uint8_t>(p.begin() + 4, p.end()) == unit);

  auto depacketizer = aac_payload_format().make_depacketizer();
  depacketizer->push(p, false);
  const DepacketizedUnit back = depacketizer->finish();
  CHECK(back.annexb == unit);
  CHECK(back.frame_sizes == std::vector<size_t>{371});
  CHECK(back.complete);
}

TEST_CASE("an AAC unit larger than a packet is fragmented and rebuilt", "[unit][payload]") {
  const auto unit = bytes(2500, 1);
  const auto payloads = packetize_aac(unit, 1000);
  REQUIRE(payloads.size() == 3);
  for (const auto& p : payloads) {
    CHECK(p.size() <= 1000);
    // Every fragment's AU header says the whole unit's size (§3.2.3).
    CHECK(((p[2] << 8) | p[3]) >> 3 == 2500);
  }
  auto depacketizer = aac_payload_format().make_depacketizer();
  for (const auto& p : payloads) depacketizer->push(p, false);
  const DepacketizedUnit back = depacketizer->finish();
  CHECK(back.annexb == unit);
  CHECK(back.frame_sizes == std::vector<size_t>{2500});

  // A fragment lost: the unit is dropped, not handed on cut short.
  depacketizer->push(payloads[0], false);
  depacketizer->push(payloads[2], true);
  const DepacketizedUnit cut = depacketizer->finish();
  CHECK(cut.annexb.empty());
  CHECK_FALSE(cut.complete);
}

TEST_CASE("the AAC depacketizer reads several AUs in one packet, and drops lies",
          "[unit][payload]") {
  // Two AU headers (32 bits), sizes 3 and 2, then the units.
  const std::vector<uint8_t> two = {0x00, 0x20, 0x00, 3 << 3, 0x00, 2 << 3, 1, 2, 3, 4, 5};
  auto depacketizer = aac_payload_format().make_depacketizer();
  depacketizer->push(two, false);
  DepacketizedUnit back = depacketizer->finish();
  CHECK(back.annexb == std::vector<uint8_t>{1, 2, 3, 4, 5});
  CHECK(back.frame_sizes == std::vector<size_t>{3, 2});

  // Sizes past the data, a header length past the packet, a bare header,
  // an AU of no bytes (alone, and beside one of 2).
  for (const std::vector<uint8_t>& bad :
       std::vector<std::vector<uint8_t>>{{0x00, 0x20, 0x00, 9 << 3, 0x00, 2 << 3, 1, 2, 3},
                                         {0x01, 0x00, 0, 0},
                                         {0x00},
                                         {0x00, 0x10, 0x00, 0x00, 1, 2},
                                         {0x00, 0x20, 0x00, 0x00, 0x00, 2 << 3, 1, 2}}) {
    depacketizer->push(bad, false);
    back = depacketizer->finish();
    CHECK(back.annexb.empty());
    CHECK(back.dropped_nals >= 1);
  }
}

TEST_CASE("the AAC fmtp says AAC-hbr and its config, and reads back", "[unit][payload][sdp]") {
  const PayloadFormat& aac = aac_payload_format();
  const std::vector<uint8_t> config = {0x12, 0x10};  // AAC-LC, 44.1 kHz, stereo
  const auto parameters = aac.describe({config});
  REQUIRE(parameters);
  const std::string fmtp = aac.write_fmtp(*parameters);
  CHECK(fmtp ==
        "streamtype=5; profile-level-id=1; mode=AAC-hbr; sizelength=13; indexlength=3; "
        "indexdeltalength=3; config=1210");
  FormatParameters back;
  aac.read_fmtp(fmtp_items(fmtp), back);
  CHECK(back.config == config);
  FormatParameters other;
  CHECK_THROWS_AS(aac.read_fmtp(fmtp_items("mode=AAC-lbr; sizelength=6"), other),
                  FormatParameterError);
  // RFC 3640 §4.1: config is required.
  CHECK_THROWS_AS(aac.read_fmtp(fmtp_items("mode=AAC-hbr; sizelength=13"), other),
                  FormatParameterError);
  CHECK(find_audio_payload_format("MPEG4-GENERIC") == &aac);
  CHECK(find_audio_payload_format(AV_CODEC_ID_AAC) == &aac);
  // Never a video format.
  CHECK(find_payload_format("mpeg4-generic") == nullptr);
  CHECK(find_payload_format(AV_CODEC_ID_AAC) == nullptr);
}

TEST_CASE("an Opus packet is one RTP payload on a 48 kHz clock", "[unit][payload]") {
  const PayloadFormat& opus = opus_payload_format();
  CHECK(opus.clock_rate == 48000);
  CHECK(opus.channels == 2);
  CHECK(opus.media == "audio");
  const auto packet = bytes(160, 9);
  const auto payloads = opus.packetize(packet, 1172);
  REQUIRE(payloads.size() == 1);
  CHECK(payloads[0] == packet);
  CHECK(opus.packetize({}, 1172).empty());
  auto depacketizer = opus.make_depacketizer();
  depacketizer->push(payloads[0], false);
  const DepacketizedUnit back = depacketizer->finish();
  CHECK(back.annexb == packet);
  CHECK(back.frame_sizes == std::vector<size_t>{160});
  depacketizer->push({}, false);
  CHECK(depacketizer->finish().dropped_nals == 1);
  CHECK(find_audio_payload_format(AV_CODEC_ID_OPUS) == &opus);
}

TEST_CASE("G.711 travels as 20 ms of samples a payload on its static payload type",
          "[unit][payload]") {
  const PayloadFormat& pcmu = pcmu_payload_format();
  const PayloadFormat& pcma = pcma_payload_format();
  CHECK(pcmu.static_payload_type == 0);
  CHECK(pcma.static_payload_type == 8);
  for (const PayloadFormat* f : {&pcmu, &pcma}) {
    INFO(f->encoding_name);
    CHECK(f->media == "audio");
    CHECK(f->clock_rate == 8000);
    CHECK(f->packet_samples == 160);
    CHECK(f->marker_starts_talkspurt);
    CHECK(f->write_fmtp(FormatParameters{}).empty());
    // One 20 ms frame is one payload; a longer one is cut at 160 samples.
    const auto frame = bytes(160, 3);
    REQUIRE(f->packetize(frame, 1172) == std::vector<std::vector<uint8_t>>{frame});
    const auto longer = bytes(400, 1);
    const auto payloads = f->packetize(longer, 1172);
    REQUIRE(payloads.size() == 3);
    CHECK(payloads[0].size() == 160);
    CHECK(payloads[1].size() == 160);
    CHECK(payloads[2].size() == 80);
    CHECK(f->packetize({}, 1172).empty());
    // Each payload is one frame of samples as they are.
    auto depacketizer = f->make_depacketizer();
    depacketizer->push(payloads[1], false);
    const DepacketizedUnit back = depacketizer->finish();
    CHECK(back.annexb == payloads[1]);
    CHECK(back.frame_sizes == std::vector<size_t>{160});
    CHECK(back.keyframe);
    CHECK(back.complete);
    depacketizer->push({}, true);
    const DepacketizedUnit empty = depacketizer->finish();
    CHECK(empty.dropped_nals == 1);
    CHECK_FALSE(empty.complete);
    CHECK_FALSE(empty.keyframe);
    // Bounded: 500 ms at 8000 Hz.
    depacketizer->push(bytes(4000, 0), false);
    depacketizer->push(bytes(1, 0), false);
    const DepacketizedUnit full = depacketizer->finish();
    CHECK(full.annexb.size() == 4000);
    CHECK(full.dropped_nals == 1);
  }
  CHECK(find_audio_payload_format("pcmu") == &pcmu);
  CHECK(find_audio_payload_format(AV_CODEC_ID_PCM_ALAW) == &pcma);
  CHECK(find_payload_format("PCMU") == nullptr);
}
