#include "server/source/packetized_frame.hpp"

#include "common/rtp/rtp_packet.hpp"

namespace flowcast::server {

std::shared_ptr<const PacketizedFrame> packetize_frame(const media::EncodedFrame& frame, size_t mtu,
                                                       const media::PayloadFormat& format) {
  common::RtpHeader probe;
  probe.send_time_us = 0;
  const size_t header = common::rtp_header_size(probe);
  auto out = std::make_shared<PacketizedFrame>();
  out->stream = frame.stream;
  out->pts_90k = frame.pts_90k;
  out->dts_90k = frame.dts_90k;
  out->duration_90k = frame.duration_90k;
  out->keyframe = frame.keyframe;
  out->payloads = format.packetize(frame.annexb, mtu > header + 3 ? mtu - header : 3);
  for (const auto& p : out->payloads) {
    // One octet a sample (G.711 as flowcast sends it: mono).
    if (format.packet_samples) out->payload_ticks.push_back(static_cast<uint32_t>(out->bytes));
    out->bytes += p.size();
  }
  return out;
}

}  // namespace flowcast::server
