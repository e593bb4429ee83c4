#pragma once
// One packet on its way out of a session, without copying what sessions
// share. A media packet is the RTP header written for its session, the
// payload every session sends (a PacketizedFrame's, held by reference), and
// optional RTP padding (RFC 3550 §5.1). An RTCP packet, or any other, carries
// its own bytes.
//
// The padding lets a burst's packets be one size, so the kernel can cut a
// whole burst to one viewer from one send (UDP generic segmentation offload,
// UdpService::send_all). Receivers drop it before the payload (RFC 3550
// §5.1), as flowcast-client, ffmpeg and GStreamer do.
//
// Threads: a value; built on the server's network thread and read there (the
// payload it shares is immutable; its reference count is atomic).
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/rtp/rtp_packet.hpp"
#include "server/source/packetized_frame.hpp"

namespace flowcast::server {

class OutboundPacket {
 public:
  // The largest header a session writes: 12 fixed bytes and the 16-byte
  // send-time extension, no CSRC.
  static constexpr size_t kMaxHeaderSize = 28;
  // RFC 3550 §5.1: the padding's length is one byte.
  static constexpr size_t kMaxPadding = 255;
  // Pieces of a packet in memory: header, payload, padding, padding length.
  static constexpr size_t kMaxPieces = 4;

  OutboundPacket() = default;
  // A packet of its own bytes (RTCP, or an RTP packet written whole).
  explicit OutboundPacket(std::vector<uint8_t> bytes) : own_(std::move(bytes)) {}
  // Media: `header` over payload `index` of `frame`, then `padding` bytes of
  // padding (0 to kMaxPadding). Throws std::invalid_argument when the header
  // has CSRCs or the padding is too long (programming errors).
  OutboundPacket(const common::RtpHeader& header, std::shared_ptr<const PacketizedFrame> frame,
                 size_t index, size_t padding = 0);

  // The session's media stream the packet belongs to (its index in SDP
  // order: 0 the video, 1 the audio), which the transport may carry apart
  // (RTSP: its own channels or ports). 0 unless set.
  size_t stream() const { return stream_; }
  OutboundPacket& on_stream(size_t stream) {
    stream_ = static_cast<uint8_t>(stream);
    return *this;
  }

  // RTCP (RFC 5761 §4: by its packet type), which a transport may send on a
  // channel or port of its own.
  bool is_rtcp() const;
  // Bytes on the wire (header, payload and padding).
  size_t size() const;
  size_t padding() const { return padding_; }
  // The packet as contiguous pieces, in order, for one iovec each.
  struct Pieces {
    std::array<std::span<const uint8_t>, kMaxPieces> piece;
    size_t count = 0;
  };
  Pieces pieces() const;
  // Appends the packet's bytes to `out`.
  void append_to(std::vector<uint8_t>& out) const;
  // The packet's bytes in one buffer.
  std::vector<uint8_t> bytes() const;
  // Equal when the bytes on the wire are.
  friend bool operator==(const OutboundPacket& a, const OutboundPacket& b) {
    return a.bytes() == b.bytes();
  }

 private:
  std::vector<uint8_t> own_;                      // a packet of its own
  std::shared_ptr<const PacketizedFrame> frame_;  // media: the shared payload
  uint32_t index_ = 0;
  uint8_t header_size_ = 0;
  uint8_t padding_ = 0;
  uint8_t stream_ = 0;
  std::array<uint8_t, kMaxHeaderSize> header_{};
};

}  // namespace flowcast::server
