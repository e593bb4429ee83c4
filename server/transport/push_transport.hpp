#pragma once
// --push HOST:PORT: the stream as plain RTP over UDP to a fixed address, for
// any RTP receiver that reads the SDP (ffplay, VLC, ffmpeg, flowcast-client
// --listen). No handshake and no cookie: the address is the operator's
// choice, not a network peer's claim. No silence timeout either: a receiver
// need not send RTCP, and what it sends is not read. RTP goes to PORT, RTCP
// (the BYE at the end) to PORT + 1 (RFC 3550 §11); a second media stream
// (a file's audio) to PORT + 2 and PORT + 3, as --sdp's second m= line says.
//
// It is the transport of a Session like the others, so the session relays the
// shared live frames or plays the file from its start, paced, and the link
// emulation applies to it as to a UDP client. It starts with the server; at
// the end of a file it sends its BYE and ends, and the server goes on
// serving.
//
// Threads: the server's network thread only.
#include <asio.hpp>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/util/units.hpp"
#include "server/session/session_transport.hpp"

namespace flowcast::server {

// The --push address as an endpoint (an IPv4 one when the name has both).
// Blocks while it resolves. Throws std::runtime_error, with a message for the
// user, when the name does not resolve.
asio::ip::udp::endpoint resolve_push_target(asio::io_context& io, const common::HostPort& target);

class PushTransport final : public SessionTransport {
 public:
  // How long the BYE trails the last RTP packet: ffmpeg reads its RTCP
  // socket before its RTP socket, and a BYE right behind the last packets
  // would overtake them and cut the last frame short.
  static constexpr auto kByeDelay = std::chrono::milliseconds(200);

  // Opens its own UDP socket (non-blocking) towards destination. Throws
  // asio::system_error when no socket can be opened.
  PushTransport(asio::io_context& io, asio::ip::udp::endpoint destination);

  // RTP to the destination now (dropped when the kernel's send buffer is
  // full, as on a UDP session; never refused). RTCP (the BYE) is held for
  // close(). Stream k to PORT + 2k (RTCP one up).
  bool write(OutboundPacket packet) override;
  std::string peer() const override;
  const Traits& traits() const override;
  // Sends the BYE to port + 1 kByeDelay after the last RTP packet, then
  // closes.
  void close() override;
  void abort(const std::string& reason) override;

 private:
  bool send_to(std::span<const uint8_t> packet, const asio::ip::udp::endpoint& to);

  asio::ip::udp::socket socket_;
  asio::ip::udp::endpoint rtp_;
  asio::ip::udp::endpoint rtcp_;
  asio::steady_timer linger_timer_;
  // Each stream's BYE and where it goes, held until close().
  std::vector<std::pair<asio::ip::udp::endpoint, std::vector<uint8_t>>> byes_;
  asio::ip::udp::endpoint destination(size_t stream, bool rtcp) const;
};

}  // namespace flowcast::server
