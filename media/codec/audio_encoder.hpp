#pragma once
// An Opus encoder (libopus through libavcodec) for a live source's sound:
// interleaved signed 16-bit PCM in, one Opus packet per frame out (RFC 6716
// §3; what RFC 7587 §4.2 puts in one RTP payload), each an EncodedFrame of
// stream 1 timed in 90 kHz ticks on the source's timeline.
//
// The packets' times are libavcodec's: the encoder's lookahead (its
// pre-skip, 312 samples at 48 kHz, RFC 7845 §4.2) is taken off each
// packet's pts, so a packet's time is that of the input its decoded sound
// reproduces, and a receiver that plays each packet at its RTP timestamp
// (RFC 7587 §4.1) hears the input at the input's own time. The first
// packets are therefore a few ms before 0.
//
// Not thread-safe: one thread drives an encoder.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "media/codec/encoded_frame.hpp"
#include "media/ffmpeg/av_types.hpp"

namespace flowcast::media {

struct AudioEncoderConfig {
  uint32_t sample_rate = 48000;  // Hz: 8000, 12000, 16000, 24000 or 48000 (RFC 6716 §2)
  uint32_t channels = 2;         // 1 or 2
  // The frame's duration: 10, 20, 40 or 60 ms (RFC 6716 §2.1.4 also has
  // 2.5 and 5, not taken here).
  int frame_ms = 20;
  int64_t bitrate = 64'000;  // bits per second
};

class AudioEncoder {
 public:
  // Throws std::invalid_argument on a config libopus refuses,
  // std::runtime_error when this FFmpeg has no libopus encoder, AvError.
  explicit AudioEncoder(const AudioEncoderConfig& config);

  // Sample frames (one value per channel) that encode() takes at a time: a
  // frame's duration at the rate (960 for 20 ms at 48 kHz).
  size_t frame_samples() const { return frame_samples_; }
  const AudioEncoderConfig& config() const { return config_; }

  // Encodes frame_samples() sample frames (frame_samples() * channels
  // values, interleaved) whose first sample is `first_sample` samples from
  // the start of the stream (increasing by frame_samples() per call).
  // Returns the packets the encoder produced, possibly none (its lookahead
  // holds the first). Throws std::invalid_argument on a wrong length, AvError.
  std::vector<EncodedFrame> encode(std::span<const int16_t> pcm, int64_t first_sample);
  // Drains the encoder at the end of the input.
  std::vector<EncodedFrame> flush();

 private:
  std::vector<EncodedFrame> drain();

  AudioEncoderConfig config_;
  size_t frame_samples_ = 0;
  CodecContext ctx_;
  Frame frame_;
  Packet packet_;
};

}  // namespace flowcast::media
