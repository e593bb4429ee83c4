#pragma once
// A file's first audio track as FileSource reads it beside the video: found
// (av_find_best_stream, related to the video) and made frames of stream 1
// on the video's 90 kHz timeline. Sent as it is when an audio payload
// format carries it: AAC with its AudioSpecificConfig (RFC 3640), Opus (RFC
// 7587), each packet a frame; G.711 at 8000 Hz mono (RFC 3551 §4.5.14), cut
// into frames of PayloadFormat::packet_samples (20 ms), timed from the
// first packet's time on, sample by sample. Anything else (MP3, AC-3,
// Vorbis, PCM, FLAC, AAC without an AudioSpecificConfig as in MPEG-TS, ...)
// is transcoded to Opus (audio_transcoder.hpp). One thread at a time
// (FileSource's).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

extern "C" {
#include <libavformat/avformat.h>
}

#include "media/codec/encoded_frame.hpp"
#include "media/payload/payload_format.hpp"
#include "media/source/file_source.hpp"

namespace flowcast::media {

class AudioTranscoder;

class AudioTrack {
 public:
  // Where the frames go, in order, timed in 90 kHz ticks from the video's
  // start (a transcoded track's first Opus packets up to 6.5 ms before it).
  using Sink = std::function<void(EncodedFrame)>;

  AudioTrack();
  ~AudioTrack();
  AudioTrack(AudioTrack&&) noexcept;
  AudioTrack& operator=(AudioTrack&&) noexcept;

  // Picks the audio track of `format` that goes with video stream
  // `video_index`: its stream index, with info.audio filled in, or -1 (no
  // audio, or info.ignored_audio names a codec that cannot be decoded
  // either, and info.ignored_audio_reason says why).
  int open(AVFormatContext* format, int video_index, SourceInfo& info);
  // Hands the packet's frames (none, one, or several) to `sink` and
  // unreferences the packet. `video_origin_90k`: the video's start, in 90
  // kHz ticks of the file's clock. Sound before it is left out. Throws
  // AvError when the transcoder's encoder fails.
  void push(AVPacket* packet, int64_t video_origin_90k, const Sink& sink);
  // At the end of the file: what is still held (G.711's last samples, the
  // transcoder's last packets).
  void finish(const Sink& sink);
  // After a seek or a rewind: nothing held; the next packet's time anchors
  // the sound again.
  void restart();

 private:
  void push_samples(const AVPacket* packet, int64_t pts_90k, const Sink& sink);
  // Hands on held_'s whole frames (all of it, the last one short, when `all`).
  void emit_held(bool all, const Sink& sink);

  AVRational time_base_{1, 48000};
  const PayloadFormat* format_ = nullptr;  // as it is; nullptr when transcoded
  std::unique_ptr<AudioTranscoder> transcoder_;
  // A sample format (G.711): the first sample's time (90 kHz ticks from the
  // video's start) once anchored, the samples handed on since, and those
  // not yet a whole frame.
  std::optional<int64_t> anchor_90k_;
  int64_t samples_out_ = 0;
  std::vector<uint8_t> held_;
};

}  // namespace flowcast::media
