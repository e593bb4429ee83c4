#pragma once
// Turns encoded frames into RTP packets for one media stream of one session:
// its own random SSRC, sequence start and timestamp offset, its payload type
// and its RTP clock. Packetizing (fragment) is done once per frame and
// shared; only the 28-byte header is per session.
//
// Frames are timed in 90 kHz ticks on the session's timeline whatever the
// stream; a stream with another clock (audio: 48000, 44100 Hz) has its
// timestamps converted, rounded to the nearest tick, so an audio frame's
// exact sample count survives the round trip (any clock up to 90 kHz).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "common/rtp/rtcp.hpp"
#include "common/rtp/rtp_packet.hpp"
#include "media/codec/encoded_frame.hpp"
#include "media/payload/payload_format.hpp"
#include "server/session/outbound_packet.hpp"
#include "server/session/pacer.hpp"
#include "server/source/packetized_frame.hpp"

namespace flowcast::server {

class RtpSender {
 public:
  // Random SSRC, sequence and timestamp offset; `payload_type` (7 bits) and
  // `clock_rate` (ticks a second) as the stream's SDP says. With
  // `marker_starts_talkspurt` the marker is on the stream's first packet
  // only (RFC 3551 §4.1: audio without silence suppression is one
  // talkspurt), else on each frame's last.
  explicit RtpSender(uint8_t payload_type = common::kPayloadTypeDynamic,
                     uint32_t clock_rate = 90000, bool marker_starts_talkspurt = false);

  // Calls emit once per packet, in order, with the packet, its header and
  // the index of its payload in frame; the marker is on the last one (or
  // see marker_starts_talkspurt). Every packet has the frame's timestamp,
  // plus its payload's PacketizedFrame::payload_ticks when it has them.
  // Packet i leaves at start_us + schedule.offset_us(i) (steady clock,
  // microseconds), which its send-time extension (header.send_time_us)
  // carries. With `pad_bursts`, every packet of a burst but its last is
  // padded (RFC 3550 §5.1) to the burst's largest, where that takes at most
  // OutboundPacket::kMaxPadding bytes, so the burst can leave in one
  // segmented send (UdpService::send_all).
  using Emit = std::function<void(OutboundPacket&&, const common::RtpHeader&, size_t index)>;
  void send(const std::shared_ptr<const PacketizedFrame>& frame, uint64_t start_us,
            const BurstSchedule& schedule, bool pad_bursts, const Emit& emit);

  // RFC 3550 §6.4.1: the sender report for `ntp_time` (64-bit NTP), at
  // which the session's media clock reads `media_clock_90k` (90 kHz ticks
  // on the frames' timeline, converted to the stream's clock, so the
  // report's RTP timestamp carries the same random offset as the packets,
  // and every stream of a session maps the same instant to the same NTP
  // time), with the packets and payload octets sent so far.
  common::SenderReport sender_report(uint64_t ntp_time, int64_t media_clock_90k) const;

  uint32_t ssrc() const { return ssrc_; }
  uint16_t next_sequence() const { return sequence_; }
  uint8_t payload_type() const { return payload_type_; }
  uint32_t clock_rate() const { return clock_rate_; }
  // The RTP timestamp a frame with this presentation time (90 kHz) carries.
  uint32_t timestamp_for(int64_t pts_90k) const {
    return timestamp_offset_ + static_cast<uint32_t>(ticks(pts_90k));
  }
  // 90 kHz ticks in the stream's clock, rounded to the nearest.
  int64_t ticks(int64_t t_90k) const;
  uint64_t packets() const { return packets_; }
  // Bytes on the wire: headers, payloads and padding.
  uint64_t bytes() const { return bytes_; }

 private:
  uint8_t payload_type_;
  uint32_t clock_rate_;
  bool marker_starts_talkspurt_;
  uint32_t ssrc_;
  uint16_t sequence_;
  uint32_t timestamp_offset_;
  uint64_t packets_ = 0;
  uint64_t bytes_ = 0;
  uint64_t payload_octets_ = 0;
};

// Microseconds on the steady clock, the time base of the send-time extension
// (one machine: the receiver reads the same clock).
uint64_t steady_now_us();
// The wall clock as a 64-bit NTP timestamp (RFC 3550 §4): seconds since
// 1900 in the high 32 bits, the fraction in the low 32.
uint64_t ntp_now();

}  // namespace flowcast::server
