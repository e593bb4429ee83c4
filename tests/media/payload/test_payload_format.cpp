// The payload format table: found by SDP encoding name and by codec, and the
// H.264 entry round-trips real libx264 access units through its packetizer
// and depacketizer.
#include <catch2/catch.hpp>

#include "media/codec/encoded_frame.hpp"
#include "media/codec/video_encoder.hpp"
#include "media/payload/h264_packetizer.hpp"
#include "media/payload/payload_format.hpp"
#include "media/source/test_pattern.hpp"

using namespace flowcast::media;

TEST_CASE("payload formats are found by encoding name and by codec", "[unit][payload]") {
  const PayloadFormat* h264 = find_payload_format("H264");
  REQUIRE(h264);
  CHECK(h264 == &h264_payload_format());
  CHECK(find_payload_format("h264") == h264);  // SDP encoding names ignore case
  CHECK(find_payload_format(AV_CODEC_ID_H264) == h264);
  CHECK(h264->clock_rate == 90000);
  CHECK(h264->specification == "RFC 6184");
  CHECK(find_payload_format("VP8") == nullptr);
  CHECK(find_payload_format("") == nullptr);
  CHECK(find_payload_format(AV_CODEC_ID_MJPEG) == nullptr);
  for (const PayloadFormat* f : payload_formats()) {
    INFO(f->encoding_name);
    CHECK(f->make_depacketizer);
    CHECK(f->packetize);
    CHECK(f->picture_size);
    CHECK(f->is_parameter_set);
    CHECK(f->is_slice);
  }
}

TEST_CASE("the table names its preferred and transcode-target formats, and what a slice is",
          "[unit][payload]") {
  CHECK(&preferred_payload_format() == &h264_payload_format());
  CHECK(&transcode_target_format() == &h264_payload_format());
  const PayloadFormat& h264 = h264_payload_format();
  const PayloadFormat& h265 = h265_payload_format();
  // H.264 §7.4.1.2: a non-IDR slice (1) and an IDR slice (5) are slices; an
  // SPS (7), PPS (8) and SEI (6) are not.
  for (uint8_t type : {1, 5}) CHECK(h264.is_slice(std::vector<uint8_t>{type, 0x88}));
  for (uint8_t type : {6, 7, 8}) CHECK_FALSE(h264.is_slice(std::vector<uint8_t>{type, 0x88}));
  // H.265 §7.4.2.2: TRAIL_R (1) and IDR_W_RADL (19) are slice segments; a
  // VPS (32), SPS (33) and prefix SEI (39) are not.
  for (uint8_t type : {1, 19})
    CHECK(h265.is_slice(std::vector<uint8_t>{static_cast<uint8_t>(type << 1), 0x01}));
  for (uint8_t type : {32, 33, 39})
    CHECK_FALSE(h265.is_slice(std::vector<uint8_t>{static_cast<uint8_t>(type << 1), 0x01}));
  CHECK_FALSE(h264.is_slice({}));
  CHECK_FALSE(h265.is_slice({}));
  // A frame of H.264 is two ticks of its VUI timing (E.2.1); of H.265, one.
  CHECK(h264.ticks_per_frame == 2);
  CHECK(h265.ticks_per_frame == 1);
}

TEST_CASE("the H.264 payload format round-trips real access units", "[unit][payload]") {
  EncoderConfig config;
  config.width = 320;
  config.height = 240;
  config.gop = 10;
  VideoEncoder encoder(config);
  TestPattern pattern(config.width, config.height);
  const PayloadFormat& format = h264_payload_format();
  auto depacketizer = format.make_depacketizer();
  int keyframes = 0, units = 0;
  for (int i = 0; i < 12; ++i) {
    for (const EncodedFrame& f : encoder.encode(pattern.render(i))) {
      const auto payloads = format.packetize(f.annexb, 300);
      REQUIRE(!payloads.empty());
      for (const auto& p : payloads) {
        CHECK(p.size() <= 300);
        depacketizer->push(p, false);
      }
      const DepacketizedUnit unit = depacketizer->finish();
      CHECK(unit.complete);
      CHECK(unit.keyframe == f.keyframe);
      CHECK(unit.parameter_sets == f.keyframe);  // SPS/PPS before every IDR
      keyframes += unit.keyframe;
      ++units;
      // The same NAL units, with 4-byte start codes.
      const auto sent = split_annexb(f.annexb);
      const auto got = split_annexb(unit.annexb);
      REQUIRE(sent.size() == got.size());
      for (size_t k = 0; k < sent.size(); ++k) {
        CHECK(std::equal(sent[k].begin(), sent[k].end(), got[k].begin(), got[k].end()));
        if (format.is_parameter_set(got[k]) && (got[k][0] & 0x1F) == 7) {
          auto size = format.picture_size(got[k]);
          REQUIRE(size);
          CHECK(size->to_string() == "320x240");
        }
      }
    }
  }
  CHECK(units >= 10);
  CHECK(keyframes >= 1);
}
