#pragma once
// One encoded access unit as the server sends it: a video picture (Annex B)
// or an audio frame (as the codec's RTP payload format takes it: one raw AAC
// frame without ADTS header, one Opus packet, G.711 samples). The server
// shares one with many sessions as std::shared_ptr<const EncodedFrame>.
#include <cstdint>
#include <vector>

namespace flowcast::media {

struct EncodedFrame {
  // Video: Annex B (start codes), SPS and PPS in-band before every IDR.
  // Audio: the frame's bytes as they are.
  std::vector<uint8_t> annexb;
  // The media stream of its source it belongs to, in SDP order: 0 the
  // video, 1 the audio.
  uint8_t stream = 0;
  // Presentation and decode times in 90 kHz ticks (the video's RTP clock; an
  // audio frame's too, on the same timeline), from the start of the source (the first frame's dts
  // is 0 or slightly negative with B-frames).
  int64_t pts_90k = 0;
  int64_t dts_90k = 0;
  int64_t duration_90k = 0;
  bool keyframe = false;
};

}  // namespace flowcast::media
