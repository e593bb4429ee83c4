#pragma once
// A libavcodec video decoder with its error concealment on, for the codec of
// a payload format (media/payload/payload_format.hpp). Annex B access units in,
// pictures out in presentation order. One thread drives it.
#include <cstdint>
#include <span>
#include <vector>

extern "C" {
#include <libavcodec/codec_id.h>
}

#include "media/ffmpeg/av_types.hpp"
#include "media/payload/h264_sps.hpp"

namespace flowcast::media {

struct DecodedFrame {
  Frame frame;           // owned; YUV as the stream codes it (usually yuv420p)
  int64_t pts_90k = 0;   // the access unit's RTP-clock timestamp
  bool corrupt = false;  // decode_error_flags set, or the CORRUPT flag
  bool keyframe = false;
};

class VideoDecoder {
 public:
  // threads: libavcodec slice threads (used when the stream has several
  // slices a picture; no frame threading, so no pictures are held back for
  // it). limit: libavcodec refuses pictures with more pixels than it allows
  // (its max_pixels), so a hostile SPS cannot make it allocate gigabytes.
  // Throws AvError.
  VideoDecoder(AVCodecID codec_id, int threads = 2, PictureLimit limit = {});

  // Decodes one access unit. Returns the pictures that became ready, possibly
  // none. Broken input is concealed, not thrown: a rejected access unit
  // returns no picture and counts in rejected().
  std::vector<DecodedFrame> decode(std::span<const uint8_t> annexb, int64_t pts_90k);
  // Drains the pictures held for reordering (at the end of the stream, or
  // before a jump); the decoder then takes new input, from a keyframe.
  std::vector<DecodedFrame> flush();

  uint64_t rejected() const { return rejected_; }
  // Access units decoded but not output: marked hidden by the sender
  // (PayloadFormat::is_hidden).
  uint64_t hidden() const { return hidden_; }

 private:
  std::vector<DecodedFrame> drain();

  CodecContext ctx_;
  Packet packet_;
  // The payload format's hidden-picture mark, if it has one.
  bool (*is_hidden_)(std::span<const uint8_t> annexb) = nullptr;
  uint64_t rejected_ = 0;
  uint64_t hidden_ = 0;
};

}  // namespace flowcast::media
