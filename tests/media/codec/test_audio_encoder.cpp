// AudioEncoder (libopus) with the pattern's sound: packets of 20 ms on the
// source's 90 kHz timeline, and, decoded by AudioDecoder and placed at each
// packet's time, the beep comes back where it went in (the encoder's
// lookahead taken off the timestamps, RFC 7587 §4.1).
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "media/codec/audio_decoder.hpp"
#include "media/codec/audio_encoder.hpp"
#include "media/payload/payload_format.hpp"
#include "media/source/test_pattern_sound.hpp"

using namespace flowcast::media;

TEST_CASE("the Opus encoder times its packets so the decoded beep is where it went in",
          "[unit][media][audio]") {
  AudioEncoder encoder(AudioEncoderConfig{});
  REQUIRE(encoder.frame_samples() == 960);
  const TestPatternSound sound(48000, 2);
  std::vector<int16_t> pcm(960 * 2);
  std::vector<EncodedFrame> packets;
  for (int64_t first = 0; first < 2 * 48000; first += 960) {
    sound.render(first, pcm);
    for (auto& p : encoder.encode(pcm, first)) packets.push_back(std::move(p));
  }
  for (auto& p : encoder.flush()) packets.push_back(std::move(p));
  REQUIRE(packets.size() >= 99);
  // The lookahead: the first packet is before 0, by 312 samples (6.5 ms).
  CHECK(packets.front().pts_90k < 0);
  CHECK(packets.front().pts_90k > -90 * 20);
  for (size_t i = 0; i < packets.size(); ++i) {
    INFO("packet " << i);
    CHECK(packets[i].stream == 1);
    CHECK_FALSE(packets[i].keyframe);
    // The last, from the flush, carries only what remained of the input.
    if (i + 1 < packets.size()) CHECK(packets[i].duration_90k == 1800);
    if (i > 0) CHECK(packets[i].pts_90k - packets[i - 1].pts_90k == 1800);
  }

  AudioDecoder decoder(audio_stream_parameters(opus_payload_format(), 0, 0, ""));
  // The decoded sound laid out on the stream's timeline (sample 0: time 0).
  std::vector<int16_t> left(3 * 48000, 0);
  for (const auto& p : packets) {
    const int64_t at = p.pts_90k * 48000 / 90000;
    AudioBlock block = decoder.decode(p.annexb, at);
    REQUIRE_FALSE(block.concealed);
    for (size_t i = 0; i < block.samples; ++i) {
      const int64_t n = at + static_cast<int64_t>(i);
      if (n >= 0 && n < static_cast<int64_t>(left.size())) left[n] = block.pcm[i * 2];
    }
  }
  // The second beep (at 1 s, a −6 dBFS sine from phase 0) passes a quarter
  // of full scale within its first quarter period; the tone (−30 dBFS)
  // never does.
  int64_t first_loud = -1;
  for (int64_t n = 48000 / 2; n < 2 * 48000; ++n)
    if (std::abs(left[n]) > 32768 / 4) {
      first_loud = n;
      break;
    }
  CHECK(first_loud >= 48000 - 24);
  CHECK(first_loud <= 48000 + 48);
}

TEST_CASE("the Opus encoder refuses what libopus cannot take", "[unit][media][audio]") {
  AudioEncoderConfig rate;
  rate.sample_rate = 44100;
  CHECK_THROWS_AS(AudioEncoder(rate), std::invalid_argument);
  AudioEncoderConfig channels;
  channels.channels = 3;
  CHECK_THROWS_AS(AudioEncoder(channels), std::invalid_argument);
  AudioEncoder encoder(AudioEncoderConfig{});
  std::vector<int16_t> short_frame(100);
  CHECK_THROWS_AS(encoder.encode(short_frame, 0), std::invalid_argument);
}
