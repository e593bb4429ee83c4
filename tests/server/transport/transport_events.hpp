#pragma once
// What a SessionTransport reported, kept for a test to look at (the test is
// the transport's session).
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "server/session/session_transport.hpp"

namespace flowcast::test {

struct TransportEvents : server::SessionTransport::Events {
  void on_rtcp(std::span<const uint8_t> packet) override {
    rtcp.emplace_back(packet.begin(), packet.end());
  }
  void on_drained() override { ++drained; }
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

}  // namespace flowcast::test
