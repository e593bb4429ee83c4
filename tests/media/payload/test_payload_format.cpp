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
  }
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
