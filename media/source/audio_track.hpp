#pragma once
// A file's first audio track as FileSource reads it beside the video: found
// (av_find_best_stream, related to the video), kept when an audio payload
// format carries it as it is (AAC with its AudioSpecificConfig: RFC 3640;
// Opus: RFC 7587), and each of its packets made a frame of stream 1 on the
// video's 90 kHz timeline. One thread at a time (FileSource's).
#include <cstdint>
#include <optional>

extern "C" {
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
  int open(AVFormatContext* format, int video_index, SourceInfo& info);
  // The packet (consumed) as a frame: its times in 90 kHz from the video's
  // start (`video_origin_90k`, in 90 kHz ticks of the file's clock), plus
  // `loop_offset_90k`. nullopt for a packet without time or bytes, or one
  // before the video's start.
  std::optional<EncodedFrame> frame(AVPacket* packet, int64_t video_origin_90k,
                                    int64_t loop_offset_90k) const;

 private:
  AVRational time_base_{1, 48000};
};

}  // namespace flowcast::media
