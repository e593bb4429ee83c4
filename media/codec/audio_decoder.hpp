#pragma once
// A libavcodec audio decoder for the codec of an audio payload format
// (media/payload/payload_format.hpp: AAC, RFC 3640; Opus, RFC 7587) or
// G.711 (PCMU/PCMA, RFC 3551 §4.5.14): one coded frame in, interleaved
// signed 16-bit PCM out at the stream's own sample rate and channel count,
// whatever sample format, rate or layout the decoder gives (libswresample
// converts). A lost or broken frame is concealed: by the decoder's own
// concealment where it has one (Opus through libopus, RFC 6716 §4.4), by
// silence otherwise, and the block says which.
//
// Threads: one thread drives a decoder (the audio decode thread); nothing
// here is shared.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

extern "C" {
#include <libavcodec/codec_id.h>
}

#include "media/ffmpeg/av_types.hpp"
#include "media/payload/payload_format.hpp"

struct SwrContext;

namespace flowcast::media {

// The most channels a stream may have (7.1).
inline constexpr uint32_t kMaxAudioChannels = 8;
// The largest coded frame taken (bytes): an Opus packet's 61440 (RFC 6716
// §3.2.5) with room; larger ones are rejected.
inline constexpr size_t kMaxAudioFrameBytes = 64 * 1024;
// The longest a coded frame may decode to, in ms of the stream (Opus: 120 ms
// at most, RFC 6716 §3.2.1; AAC: 2048 samples, 256 ms at 8 kHz); a frame that
// decodes to more is rejected. Also the bound of one conceal() call.
inline constexpr uint32_t kMaxAudioFrameMs = 500;

// What a decoder needs of an audio stream, from its SDP.
struct AudioStreamParameters {
  AVCodecID codec_id = AV_CODEC_ID_NONE;  // AAC, OPUS, PCM_MULAW or PCM_ALAW
  uint32_t sample_rate = 0;               // Hz; of the stream and of the output PCM
  uint32_t channels = 0;                  // 1 to kMaxAudioChannels; of the output PCM
  // AAC: the AudioSpecificConfig (ISO 14496-3 §1.6.2.1), RFC 3640 §4.1's
  // fmtp config=; empty for the other codecs.
  std::vector<uint8_t> config;
};

// The parameters of a stream in an audio payload format: sample_rate is the
// rtpmap's rate (0: the format's fixed clock, Opus's 48000), channels the
// rtpmap's encoding parameters (0: the format's fixed count, Opus's 2, or
// else 1, RFC 8866 §6.6), fmtp the a=fmtp value (without "a=fmtp:PT "), read
// by the format's own read_fmtp (AAC: config=). Throws FormatParameterError
// on an fmtp the format refuses.
AudioStreamParameters audio_stream_parameters(const PayloadFormat& format, uint32_t sample_rate,
                                              uint32_t channels, std::string_view fmtp);
// G.711 (RFC 3551 §4.5.14: PCMU is mu-law, PCMA A-law; 8000 Hz, mono
// unless the rtpmap says otherwise). encoding_name "PCMU" or "PCMA" (any
// case); throws std::invalid_argument for another name.
AudioStreamParameters g711_stream_parameters(std::string_view encoding_name,
                                             uint32_t sample_rate = 8000, uint32_t channels = 1);

// Decoded (or concealed) sound: `samples` sample frames, each `channels`
// interleaved signed 16-bit values.
struct AudioBlock {
  std::vector<int16_t> pcm;  // samples * channels values, interleaved
  size_t samples = 0;        // per channel
  // The stream clock (the RTP timestamp, one tick a sample at the stream's
  // rate) of the first sample: the coded frame's for decode(); the one
  // after the last block's for conceal(). Where the decoder's rate is not
  // the stream's (HE-AAC's SBR decodes at twice the rate), libswresample's
  // filter delays the sound by a few samples more.
  int64_t timestamp = 0;
  // Made up for a lost or rejected frame (W3C webrtc-stats concealedSamples).
  bool concealed = false;
  // Concealed with silence, inserted here or the decoder's own concealment
  // gone silent (W3C silentConcealedSamples, a subset of concealedSamples).
  bool concealed_silently = false;
};

class AudioDecoder {
 public:
  // Opens the decoder. Opus uses libavcodec's libopus decoder when this
  // FFmpeg has it, for libopus's concealment, and its native decoder
  // otherwise (which cannot conceal: silence then). Throws
  // std::invalid_argument on a codec not listed in AudioStreamParameters, a
  // rate outside 8000-192000 Hz or channels outside 1-kMaxAudioChannels,
  // and AvError when FFmpeg has no such decoder or it will not open (an AAC
  // config it cannot read).
  explicit AudioDecoder(AudioStreamParameters stream);
  ~AudioDecoder();
  AudioDecoder(const AudioDecoder&) = delete;
  AudioDecoder& operator=(const AudioDecoder&) = delete;

  // Decodes one coded frame (an AAC access unit, an Opus packet, G.711
  // bytes) whose first sample is at `timestamp` in the stream's clock.
  // Never throws on input (std::bad_alloc aside): an empty, oversized or
  // undecodable frame, or one decoding to more than kMaxAudioFrameMs, counts
  // in rejected() and comes back concealed, as long as the last good frame
  // (20 ms, AAC: 1024 samples, before any). A decoder that holds samples
  // back may return fewer than the frame codes, and none.
  AudioBlock decode(std::span<const uint8_t> frame, int64_t timestamp);
  // `samples` sample frames of concealment for lost input (at most
  // kMaxAudioFrameMs of the stream; more is cut there): the decoder's own,
  // continuing the sound, where it has one and has decoded a frame; silence
  // otherwise (concealed_silently).
  AudioBlock conceal(size_t samples);

  // True when conceal() can give the decoder's own concealment (Opus
  // through libopus); false: it gives silence.
  bool conceals_natively() const { return native_concealment_; }
  // Frames rejected by decode(), since construction.
  uint64_t rejected() const { return rejected_; }
  // The libavcodec decoder's name ("libopus", "aac", "pcm_mulaw").
  std::string_view decoder_name() const;
  const AudioStreamParameters& stream() const { return stream_; }

 private:
  AudioBlock reject(int64_t timestamp);
  AudioBlock silence(size_t samples, int64_t timestamp) const;
  // Sends `frame` (may be empty only for Opus concealment) and appends
  // what comes out, converted, to `out`. False on a decoder error.
  bool decode_into(std::span<const uint8_t> frame, int64_t pts, AudioBlock& out);
  // Appends `frame` as the stream's s16 interleaved; false when it cannot
  // be converted or would pass `limit` samples.
  bool convert(const AVFrame* frame, AudioBlock& out, size_t limit);
  size_t max_frame_samples() const;

  AudioStreamParameters stream_;
  CodecContext ctx_;
  Packet packet_;
  Frame frame_;
  struct SwrFree {
    void operator()(SwrContext* s) const;
  };
  std::unique_ptr<SwrContext, SwrFree> swr_;
  // The input the resampler was set up for.
  int swr_format_ = -1;
  int swr_rate_ = 0;
  AVChannelLayout swr_layout_{};
  bool native_concealment_ = false;
  uint8_t last_toc_ = 0;        // Opus: the last good packet's TOC byte (RFC 6716 §3.1)
  bool decoded_any_ = false;    // a frame decoded since construction
  size_t last_samples_ = 0;     // the last good frame's sample count
  int64_t next_timestamp_ = 0;  // after the last block handed out
  uint64_t rejected_ = 0;
};

}  // namespace flowcast::media
