#pragma once
// RTSP over UDP (RFC 2326 §12.39, RTP/AVP unicast): a session's transport
// from the RTSP listener's two UDP ports (RtspUdpPorts: RTP from the first,
// RTCP from the second) to the client_port pair of the address the RTSP
// connection comes from, one pair per media stream set up (one SETUP per
// track). The client's RTCP, sent to either port from either
// of its ports, is handed over by RtspUdpPorts (on_datagram()).
//
// Never refuses a write (a full kernel buffer drops the packet). The
// client's RTCP is pushed into the piped Session. The BYE trails the
// last RTP packet by kByeDelay: ffmpeg reads its RTCP socket before its RTP
// socket, and a BYE right behind the last packets would overtake them and
// cut the last frame short (each stream's BYE to its own RTCP port). close() sends it (if it has
// not left yet), gives the client's ports back, and tells the connection (which, when stopping,
// closes once every session has ended).
//
// Threads: the server's network thread only.
#include <asio.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "server/session/session_transport.hpp"

namespace flowcast::server {

class RtspServerProtocol;
class RtspUdpPorts;

class RtspUdpTransport final : public SessionTransport {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kByeDelay = std::chrono::milliseconds(200);

  // Stream `stream`'s RTP to rtp_to, its RTCP to rtcp_to, from `ports`
  // (borrowed: the listener that owns them outlives every session's end).
  // `connection` is held weakly.
  RtspUdpTransport(asio::io_context& io, std::weak_ptr<RtspServerProtocol> connection,
                   RtspUdpPorts& ports, asio::ip::udp::endpoint rtp_to,
                   asio::ip::udp::endpoint rtcp_to, size_t stream = 0);

  // Another stream's SETUP in the same session (attach() the transport to
  // the ports again afterwards).
  void add_stream(size_t stream, asio::ip::udp::endpoint rtp_to, asio::ip::udp::endpoint rtcp_to);
  // To the stream's ports; a packet of a stream not set up is dropped.
  bool write(OutboundPacket packet) override;
  std::string peer() const override;
  const Traits& traits() const override;
  void close() override;
  void abort(const std::string& reason) override;
  void release() override;

  // The first stream's client ports.
  const asio::ip::udp::endpoint& rtp_to() const { return rtp_to_; }
  const asio::ip::udp::endpoint& rtcp_to() const { return rtcp_to_; }
  // Every stream's client ports, RTP and RTCP.
  std::vector<asio::ip::udp::endpoint> endpoints() const;
  // An RTCP datagram from the client's ports. false when the transport is
  // not (or no longer) started: the datagram is a stray.
  bool on_datagram(std::span<const uint8_t> packet);
  // When RTCP last came from the client (construction time before any).
  Clock::time_point last_rtcp() const { return last_rtcp_; }

 private:
  std::weak_ptr<RtspServerProtocol> connection_;
  RtspUdpPorts& ports_;
  asio::ip::udp::endpoint rtp_to_;
  asio::ip::udp::endpoint rtcp_to_;
  struct Ports {
    asio::ip::udp::endpoint rtp_to, rtcp_to;
  };
  std::vector<std::optional<Ports>> streams_;
  Clock::time_point last_rtcp_;
  asio::steady_timer linger_timer_;
  // Each stream's BYE, to its RTCP port, held until kByeDelay passes or close().
  std::vector<std::pair<asio::ip::udp::endpoint, std::vector<uint8_t>>> byes_;
  void send_byes();
};

}  // namespace flowcast::server
