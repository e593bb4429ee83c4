#include "server/session/rtp_sender.hpp"

#include <random>

#include "common/rtp/rtp_packet.hpp"

namespace flowcast::server {

uint64_t steady_now_us() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

std::shared_ptr<const PacketizedFrame> packetize_frame(const media::EncodedFrame& frame, size_t mtu,
                                                       const media::PayloadFormat& format) {
  common::RtpHeader probe;
  probe.send_time_us = 0;
  const size_t header = common::rtp_header_size(probe);
  auto out = std::make_shared<PacketizedFrame>();
  out->pts_90k = frame.pts_90k;
  out->dts_90k = frame.dts_90k;
  out->duration_90k = frame.duration_90k;
  out->keyframe = frame.keyframe;
  out->payloads = format.packetize(frame.annexb, mtu > header + 3 ? mtu - header : 3);
  for (const auto& p : out->payloads) out->bytes += p.size();
  return out;
}

RtpSender::RtpSender() {
  std::random_device rd;
  std::mt19937 rng(rd());
  ssrc_ = static_cast<uint32_t>(rng());
  sequence_ = static_cast<uint16_t>(rng());
  timestamp_offset_ = static_cast<uint32_t>(rng());
}

void RtpSender::send(const PacketizedFrame& frame, uint64_t start_us, const BurstSchedule& schedule,
                     const Emit& emit) {
  common::RtpHeader h;
  h.ssrc = ssrc_;
  h.timestamp = timestamp_offset_ + static_cast<uint32_t>(frame.pts_90k);
  for (size_t i = 0; i < frame.payloads.size(); ++i) {
    h.sequence = sequence_++;
    h.marker = i + 1 == frame.payloads.size();
    h.send_time_us = start_us + schedule.offset_us(i);
    std::vector<uint8_t> packet;
    packet.reserve(common::rtp_header_size(h) + frame.payloads[i].size());
    common::write_rtp(h, frame.payloads[i], packet);
    ++packets_;
    bytes_ += packet.size();
    emit(std::move(packet), h, i);
  }
}

}  // namespace flowcast::server
