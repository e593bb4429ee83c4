#include "server/session/rtp_sender.hpp"

#include <random>

#include "common/rtp/rtp_packet.hpp"

namespace flowcast::server {

uint64_t steady_now_us() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

uint64_t ntp_now() {
  constexpr uint64_t kUnixToNtpSeconds = 2'208'988'800ULL;
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count();
  const uint64_t seconds = static_cast<uint64_t>(us / 1'000'000) + kUnixToNtpSeconds;
  const uint64_t fraction = (static_cast<uint64_t>(us % 1'000'000) << 32) / 1'000'000;
  return (seconds << 32) | fraction;
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
    payload_octets_ += frame.payloads[i].size();
    emit(std::move(packet), h, i);
  }
}

}  // namespace flowcast::server

namespace flowcast::server {

common::SenderReport RtpSender::sender_report(uint64_t ntp_time, int64_t media_clock_90k) const {
  common::SenderReport sr;
  sr.sender_ssrc = ssrc_;
  sr.ntp_time = ntp_time;
  sr.rtp_time = timestamp_offset_ + static_cast<uint32_t>(media_clock_90k);
  // Both counts wrap modulo 2^32 on the wire (RFC 3550 §6.4.1).
  sr.packet_count = static_cast<uint32_t>(packets_);
  sr.octet_count = static_cast<uint32_t>(payload_octets_);
  return sr;
}

}  // namespace flowcast::server
