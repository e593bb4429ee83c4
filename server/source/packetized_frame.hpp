#pragma once
// A frame cut into RTP payloads once, and shared read-only by every session
// that sends it (only the RTP header is per session: OutboundPacket).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "media/codec/encoded_frame.hpp"
#include "media/payload/payload_format.hpp"

namespace flowcast::server {

// A frame cut into RTP payloads, shared read-only by every session.
struct PacketizedFrame {
  // The media stream it belongs to, in SDP order (0: the video, 1: the
  // audio): media::EncodedFrame::stream.
  size_t stream = 0;
  int64_t pts_90k = 0;
  int64_t dts_90k = 0;
  int64_t duration_90k = 0;
  bool keyframe = false;
  std::vector<std::vector<uint8_t>> payloads;
  // A sample format's (G.711, PayloadFormat::packet_samples): how many
  // ticks of the stream's RTP clock each payload starts after the frame's
  // first sample. Empty: every payload has the frame's timestamp.
  std::vector<uint32_t> payload_ticks;
  size_t bytes = 0;  // payload bytes in all
};

// Packetizes with the stream's payload format for a largest RTP packet of
// `mtu` bytes (header included).
std::shared_ptr<const PacketizedFrame> packetize_frame(const media::EncodedFrame& frame, size_t mtu,
                                                       const media::PayloadFormat& format);

}  // namespace flowcast::server
