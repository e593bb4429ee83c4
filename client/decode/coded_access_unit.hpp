#pragma once
// What flows between the client's Transform stages.
#include <cstdint>
#include <optional>
#include <vector>

#include "media/ffmpeg/av_types.hpp"
#include "media/payload/payload_format.hpp"

namespace flowcast::client {

// An access unit rebuilt as Annex B by the payload format's depacketizer.
struct CodedAccessUnit {
  int64_t timestamp = 0;  // unwrapped 90 kHz
  std::vector<uint8_t> annexb;
  bool complete = true;         // nothing missing, nothing before it discarded
  bool keyframe = false;        // decoding can start here (H.264: an IDR; H.265: an IRAP)
  bool parameter_sets = false;  // carries the sequence parameter sets (in-band or from the SDP)
  std::optional<uint64_t> send_time_us;
  // The payload format it came in (every access unit of a stream has the same).
  const media::PayloadFormat* format = nullptr;
};

// A picture on its way to the renderer. Owns its frame; a skipped one (the
// freeze policy) has none and only moves the playout position.
struct RenderFrame {
  media::Frame frame;
  int64_t pts_90k = 0;
  bool corrupt = false;
  bool tainted = false;  // after a loss, before the next keyframe
  bool skipped = false;
  std::optional<uint64_t> send_time_us;
};

}  // namespace flowcast::client
