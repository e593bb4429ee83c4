#pragma once
// The first audio track of what libavformat reads, beside the video (a
// file's, for FileSource; a live URL's, for UrlSource): found
// (av_find_best_stream, related to the video) and made frames of stream 1
// on the video's 90 kHz timeline. Sent as it is when an audio payload
// format carries it: AAC with its AudioSpecificConfig (RFC 3640), Opus (RFC
// 7587), each packet a frame, passed through the format's frame_filter
// (AAC: aac_adtstoasc, ADTS headers off); G.711 at 8000 Hz mono (RFC 3551
// §4.5.14), cut into frames of PayloadFormat::packet_samples (20 ms), timed
// from the first packet's time on, sample by sample. A file's other sound
// (MP3, AC-3, Vorbis, PCM, FLAC, AAC without an AudioSpecificConfig as in
// MPEG-TS, ...) is transcoded to Opus (audio_transcoder.hpp); a live
// source's is not sent. One thread at a time (the source's reader).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

extern "C" {
#include <libavcodec/bsf.h>
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
  // audio, or info.ignored_audio names a codec that is not sent, and
  // info.ignored_audio_reason says why). `live`: a relayed source, whose
  // sound is never transcoded, and whose AAC may come without its
  // configuration (ADTS, as MPEG-TS and HLS carry it): the frame filter
  // reads it from the first frame, and info.audio's config stays empty
  // until then (config()). Never throws for the audio's sake.
  int open(AVFormatContext* format, int video_index, SourceInfo& info, bool live = false);
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
  // The stream's configuration for its SDP: the container's extradata, or
  // what the frame filter read from the first frame (AAC: the
  // AudioSpecificConfig, ISO 14496-3 §1.6.2.1); empty while unknown.
  const std::vector<uint8_t>& config() const { return config_; }
  // Whether the configuration is still to come from a frame: until then a
  // live source pushes every packet, whether or not the video has begun.
  bool awaiting_config() const { return filter_ && config_.empty(); }

 private:
  struct BsfFreer {
    void operator()(AVBSFContext* b) const { av_bsf_free(&b); }
  };
  // The format's frame_filter for stream `st`; false when it cannot start.
  bool open_filter(const AVStream* st, const std::string& name);
  // The packet through the filter, in place; false when it yields nothing.
  bool filter(AVPacket* packet);

  void push_samples(const AVPacket* packet, int64_t pts_90k, const Sink& sink);
  // Hands on held_'s whole frames (all of it, the last one short, when `all`).
  void emit_held(bool all, const Sink& sink);

  AVRational time_base_{1, 48000};
  const PayloadFormat* format_ = nullptr;  // as it is; nullptr when transcoded
  std::unique_ptr<AudioTranscoder> transcoder_;
  std::unique_ptr<AVBSFContext, BsfFreer> filter_;
  std::vector<uint8_t> config_;
  // A sample format (G.711): the first sample's time (90 kHz ticks from the
  // video's start) once anchored, the samples handed on since, and those
  // not yet a whole frame.
  std::optional<int64_t> anchor_90k_;
  int64_t samples_out_ = 0;
  std::vector<uint8_t> held_;
};

}  // namespace flowcast::media
