#pragma once
// The first audio track of what libavformat reads, beside the video: found
// (av_find_best_stream, related to the video), kept when an audio payload
// format carries it as it is (AAC with its AudioSpecificConfig: RFC 3640;
// Opus: RFC 7587), passed through the format's frame_filter (AAC:
// aac_adtstoasc, ADTS headers off), and each of its packets made a frame of
// stream 1 on the video's 90 kHz timeline. FileSource reads a file's track
// with it, UrlSource a live URL's.
//
// Threads: one at a time (the source's reader).
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

extern "C" {
#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>
}

#include "media/codec/encoded_frame.hpp"
#include "media/source/file_source.hpp"

namespace flowcast::media {

class AudioTrack {
 public:
  // Picks the audio track of `format` that goes with video stream
  // `video_index`: its stream index, with info.audio filled in, or -1 (no
  // audio, or info.ignored_audio names the codec no format carries).
  // config_from_frames: a stream that came without the configuration its
  // format's SDP needs (ADTS AAC, as MPEG-TS and HLS carry it) is kept when
  // the format's frame_filter reads it from the first frame; info.audio's
  // config stays empty until then (config()). Without it, such a stream is
  // ignored. Never throws for the audio's sake: what cannot be read is
  // ignored.
  int open(AVFormatContext* format, int video_index, SourceInfo& info,
           bool config_from_frames = false);
  // The packet (consumed) as a frame: its times in 90 kHz from the video's
  // start (`video_origin_90k`, in 90 kHz ticks of the stream's clock), plus
  // `loop_offset_90k`. nullopt for a packet without time or bytes, one the
  // frame filter refuses, or one before the video's start.
  std::optional<EncodedFrame> frame(AVPacket* packet, int64_t video_origin_90k,
                                    int64_t loop_offset_90k);
  // The stream's configuration for its SDP: the container's extradata, or
  // what the frame filter read from the first frame (AAC: the
  // AudioSpecificConfig, ISO 14496-3 §1.6.2.1); empty while unknown.
  const std::vector<uint8_t>& config() const { return config_; }

 private:
  struct BsfFreer {
    void operator()(AVBSFContext* b) const { av_bsf_free(&b); }
  };
  // The format's frame_filter for stream `st`; false when it cannot start.
  bool open_filter(const AVStream* st, std::string_view name);
  // The packet through the filter, in place; false when it yields nothing.
  bool filter(AVPacket* packet);

  AVRational time_base_{1, 48000};
  std::unique_ptr<AVBSFContext, BsfFreer> filter_;
  std::vector<uint8_t> config_;
};

}  // namespace flowcast::media
