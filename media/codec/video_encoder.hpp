#pragma once
// The encoder a payload format chooses (PayloadFormat::encoder: libx264 for
// H.264, libx265 for H.265) through libavcodec: raw YUV 4:2:0 frames in,
// Annex B access units out (the parameter sets repeated before
// every keyframe, so a receiver can join at any of them).
// Not thread-safe: one thread drives an encoder, except request_keyframe(),
// which any thread may call.
#include <atomic>
#include <string>
#include <vector>

extern "C" {
#include <libavcodec/codec_id.h>
}

#include "media/codec/encoded_frame.hpp"
#include "media/ffmpeg/av_types.hpp"

namespace flowcast::media {

struct EncoderConfig {
  // A payload format's codec (find_payload_format); the default is the
  // preferred format's.
  AVCodecID codec = AV_CODEC_ID_H264;
  int width = 1280;
  int height = 720;
  int fps = 30;  // nominal rate: rate control, the GOP in frames, frame durations
  // The unit of frame->pts: 1/time_base_den s. 0: 1/fps, so pts counts
  // frames. A file being transcoded uses 90000, so every picture keeps its
  // presentation time (variable frame rates stay variable).
  int time_base_den = 0;
  int64_t bitrate = 4'000'000;  // bits per second
  int gop = 60;                 // frames between IDRs
  int max_b_frames = 0;         // live sources send none: no reordering delay
  bool low_latency = true;      // tune zerolatency: no lookahead, no frame threads
  // The encoder's speed preset. Empty: the payload format's
  // EncoderChoice::default_preset, the fastest that stays clean live. The
  // constructor writes the one chosen here.
  std::string preset;
  // Largest slice NAL in bytes (0: one slice per frame; only encoders with
  // an EncoderChoice::slice_size_param).
  // Slices that fit one RTP packet make a lost packet cost one slice, which
  // the decoder conceals, instead of the whole frame.
  int slice_max_bytes = 0;
};

class VideoEncoder {
 public:
  // Throws AvError, std::invalid_argument when no payload format has the
  // codec, or std::runtime_error when this FFmpeg lacks its encoder.
  explicit VideoEncoder(const EncoderConfig& config);

  // Encodes one frame (its pts in the config's time base, increasing). Returns the access units
  // the encoder produced, possibly none. Throws AvError.
  std::vector<EncodedFrame> encode(const Frame& frame);
  // Drains the encoder at the end of the input.
  std::vector<EncodedFrame> flush();
  // The next encoded frame will be an IDR (answers an RTCP PLI).
  void request_keyframe() { keyframe_requested_.store(true); }

  const EncoderConfig& config() const { return config_; }

 private:
  std::vector<EncodedFrame> drain();

  EncoderConfig config_;
  CodecContext ctx_;
  Packet packet_;
  std::atomic<bool> keyframe_requested_{false};
};

}  // namespace flowcast::media
