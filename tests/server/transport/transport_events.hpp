#pragma once
// What a SessionTransport reported, kept for a test to look at (the test is
// the transport's session): its events, the RTCP it pushed into the piped
// Writable, and its drains.
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "server/session/session_transport.hpp"

namespace flowcast::test {

struct TransportEvents : server::SessionTransport::Events, common::Writable<server::ReceivedRtcp> {
  // Pipes the transport's RTCP here, counts its drains and starts it, as
  // Session::begin() does.
  void start(server::SessionTransport& transport) {
    transport.pipe(*this);
    transport.on_drain([this] { ++drained; });
    transport.start(*this);
  }
  bool write(server::ReceivedRtcp packet) override {
    rtcp.emplace_back(packet.begin(), packet.end());
    return true;
  }
  void end() override { ++ends; }
  void on_kernel_evidence(const KernelEvidence& e) override {
    ++evidence;
    last_evidence = e;
  }
  void on_closed(const std::string& reason) override {
    ++closes;
    closed = reason;
  }
  std::shared_ptr<void> keep_alive() override { return nullptr; }

  std::vector<std::vector<uint8_t>> rtcp;
  int drained = 0;
  int ends = 0;
  int evidence = 0;
  KernelEvidence last_evidence;
  int closes = 0;
  std::optional<std::string> closed;
};

// A 12-byte RTP header (version 2, payload type 96) and `payload` bytes.
inline std::vector<uint8_t> rtp_packet(uint16_t sequence, size_t payload) {
  std::vector<uint8_t> p = {0x80,
                            96,
                            static_cast<uint8_t>(sequence >> 8),
                            static_cast<uint8_t>(sequence),
                            0,
                            0,
                            0,
                            1,
                            0xAB,
                            0xCD,
                            0xEF,
                            0x01};
  for (size_t i = 0; i < payload; ++i) p.push_back(static_cast<uint8_t>(sequence + i));
  return p;
}

// Bytes as a packet of media stream `stream`, for a transport's write().
inline server::OutboundPacket outbound(std::vector<uint8_t> bytes, size_t stream = 0) {
  server::OutboundPacket packet(std::move(bytes));
  packet.on_stream(stream);
  return packet;
}

}  // namespace flowcast::test
