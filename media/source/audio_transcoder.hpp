#pragma once
// A file's audio track that no audio payload format carries as it is (MP3,
// AC-3, Vorbis, PCM, FLAC, AAC without its AudioSpecificConfig, ...) made
// Opus: decoded by libavcodec, converted by libswresample to signed 16-bit
// at 48 kHz (mono stays mono, two or more channels become stereo, the rest
// downmixed), and encoded by AudioEncoder (libopus) in 20 ms packets, each
// an EncodedFrame of stream 1 (RFC 7587 §4.2: one packet, one payload).
//
// Timing: the first decoded sample is at the track's own time (its frame's
// pts, in 90 kHz ticks from the video's start, `video_origin_90k`); every
// sample after it follows on, counted, whatever the later timestamps say,
// so the RTP timestamps advance by exactly 960 a packet. Sound before the
// video's start is cut (it has no picture to go with). Each packet is timed
// as AudioEncoder times it: its first packets begin up to the encoder's
// lookahead (312 samples, 6.5 ms) before the first sample.
//
// A packet that does not decode is skipped (the sound after it moves up).
// Not thread-safe: FileSource's thread drives it.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

extern "C" {
#include <libavformat/avformat.h>
}

#include "media/codec/audio_encoder.hpp"
#include "media/codec/encoded_frame.hpp"
#include "media/ffmpeg/av_types.hpp"

struct SwrContext;

namespace flowcast::media {

class AudioTranscoder {
 public:
  // Where the Opus packets go, in order.
  using Sink = std::function<void(EncodedFrame)>;

  // Opens the decoder of `stream`'s codec and the Opus encoder. Throws
  // AvError, or std::runtime_error naming what is missing (no decoder for
  // the codec, no libopus encoder in this FFmpeg).
  explicit AudioTranscoder(const AVStream& stream);
  ~AudioTranscoder();
  AudioTranscoder(const AudioTranscoder&) = delete;
  AudioTranscoder& operator=(const AudioTranscoder&) = delete;

  // Channels of the Opus stream: 1 or 2.
  uint32_t channels() const { return channels_; }

  // Decodes one packet of the track (times in the stream's time base; the
  // packet is left as it is) and hands the Opus packets that are complete
  // to `sink`, timed in 90 kHz ticks from the video's start. Throws AvError
  // when the encoder fails.
  void feed(const AVPacket* packet, int64_t video_origin_90k, const Sink& sink);
  // At the end of the track: what the decoder, the resampler and the
  // encoder hold, the last packet filled with silence.
  void finish(const Sink& sink);
  // After a seek or a rewind: everything held is dropped, and the next
  // decoded sample's time anchors the sound again.
  void restart();

 private:
  // Sends `packet` (nullptr: the end) and takes every frame it gives.
  void decode(const AVPacket* packet, const Sink& sink);
  // Places the first decoded frame on the timeline.
  void anchor(const AVFrame* frame);
  // Converts `frame` (nullptr: flushes the resampler) into pending_.
  void resample(const AVFrame* frame);
  // Encodes pending_ a packet at a time (the rest padded when `all`).
  void encode(bool all, const Sink& sink);
  void emit(std::vector<EncodedFrame> packets, const Sink& sink) const;

  AVRational time_base_;
  uint32_t channels_ = 2;
  CodecContext decoder_;
  Packet packet_;
  Frame frame_;
  std::unique_ptr<AudioEncoder> encoder_;
  struct SwrFree {
    void operator()(SwrContext* s) const;
  };
  std::unique_ptr<SwrContext, SwrFree> swr_;
  // The resampler's input format, rate and channel count.
  int swr_format_ = -1;
  int swr_rate_ = 0;
  int swr_channels_ = 0;

  int64_t video_origin_90k_ = 0;  // the video's start, in 90 kHz ticks of the file
  // The first sample's time (90 kHz from the video's start, never before
  // it) once anchored; samples still to cut before it.
  std::optional<int64_t> origin_90k_;
  int64_t skip_samples_ = 0;
  // 48 kHz samples not yet encoded (interleaved), and those encoded.
  std::vector<int16_t> pending_;
  int64_t encoded_samples_ = 0;
};

}  // namespace flowcast::media
