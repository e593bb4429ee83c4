#pragma once
// One encoded H.264 access unit as the server sends it. The server shares one
// with many sessions as std::shared_ptr<const EncodedFrame>.
#include <cstdint>
#include <vector>

namespace flowcast::media {

struct EncodedFrame {
  // Annex B (start codes), SPS and PPS in-band before every IDR.
  std::vector<uint8_t> annexb;
  // Presentation and decode times in the 90 kHz RTP clock, from the start of
  // the source (the first frame's dts is 0 or slightly negative with B-frames).
  int64_t pts_90k = 0;
  int64_t dts_90k = 0;
  int64_t duration_90k = 0;
  bool keyframe = false;
};

}  // namespace flowcast::media
