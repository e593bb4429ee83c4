#include "server/session/rtp_sender.hpp"

#include <algorithm>
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

RtpSender::RtpSender(uint8_t payload_type, uint32_t clock_rate, bool marker_starts_talkspurt)
    : payload_type_(payload_type),
      clock_rate_(clock_rate == 0 ? 90000 : clock_rate),
      marker_starts_talkspurt_(marker_starts_talkspurt) {
  std::random_device rd;
  std::mt19937 rng(rd());
  ssrc_ = static_cast<uint32_t>(rng());
  sequence_ = static_cast<uint16_t>(rng());
  timestamp_offset_ = static_cast<uint32_t>(rng());
}

void RtpSender::send(const std::shared_ptr<const PacketizedFrame>& frame, uint64_t start_us,
                     const BurstSchedule& schedule, bool pad_bursts, const Emit& emit) {
  const auto& payloads = frame->payloads;
  const size_t n = payloads.size();
  const size_t burst = schedule.size ? schedule.size : std::max<size_t>(n, 1);
  common::RtpHeader h;
  h.payload_type = payload_type_;
  h.ssrc = ssrc_;
  const uint32_t timestamp = timestamp_for(frame->pts_90k);
  for (size_t first = 0; first < n; first += burst) {
    const size_t end = std::min(n, first + burst);
    size_t largest = 0;
    for (size_t i = first; i < end; ++i) largest = std::max(largest, payloads[i].size());
    for (size_t i = first; i < end; ++i) {
      h.sequence = sequence_++;
      h.timestamp = timestamp + (i < frame->payload_ticks.size() ? frame->payload_ticks[i] : 0);
      h.marker = marker_starts_talkspurt_ ? packets_ == 0 : i + 1 == n;
      h.send_time_us = start_us + schedule.offset_us(i);
      // The burst's last packet may be shorter: the kernel's last segment is.
      const size_t gap = largest - payloads[i].size();
      const size_t padding =
          pad_bursts && i + 1 < end && gap <= OutboundPacket::kMaxPadding ? gap : 0;
      OutboundPacket packet(h, frame, i, padding);
      ++packets_;
      bytes_ += packet.size();
      payload_octets_ += payloads[i].size();
      emit(std::move(packet), h, i);
    }
  }
}

}  // namespace flowcast::server

namespace flowcast::server {

int64_t RtpSender::ticks(int64_t t_90k) const {
  if (clock_rate_ == 90000) return t_90k;
  const int64_t scaled = t_90k * clock_rate_;
  // Rounded half away from zero, also for the negative times of B-frames.
  return scaled >= 0 ? (scaled + 45000) / 90000 : -((-scaled + 45000) / 90000);
}

common::SenderReport RtpSender::sender_report(uint64_t ntp_time, int64_t media_clock_90k) const {
  common::SenderReport sr;
  sr.sender_ssrc = ssrc_;
  sr.ntp_time = ntp_time;
  sr.rtp_time = timestamp_for(media_clock_90k);
  // Both counts wrap modulo 2^32 on the wire (RFC 3550 §6.4.1).
  sr.packet_count = static_cast<uint32_t>(packets_);
  sr.octet_count = static_cast<uint32_t>(payload_octets_);
  return sr;
}

}  // namespace flowcast::server
