#pragma once
// The UDP sockets one RTP stream arrives on (RFC 3550 §11): RTP on one
// port, RTCP on its own (left closed when it shares the RTP port, RFC
// 5761), and the state of their reads. The transports that receive RTP
// over UDP from an SDP (listen, RTSP) hold one per stream: the video's and
// the audio's.
//
// Threads: the network thread of the transport that owns it.
#include <array>
#include <asio.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace flowcast::client {

struct UdpStreamSockets {
  static constexpr int kPortAttempts = 32;

  explicit UdpStreamSockets(asio::io_context& io) : rtp(io), rtcp(io) {}

  asio::ip::udp::socket rtp;
  asio::ip::udp::socket rtcp;
  std::array<uint8_t, 8192> rtcp_buffer{};  // one RTCP datagram being read
  bool rtp_read_pending = false;            // an async_wait on rtp is in flight
  uint32_t kernel_drops = 0;                // rtp's running SO_RXQ_OVFL count

  // Opens socket for protocol, sets SO_RCVBUF when so_rcvbuf is given, and
  // binds it to port on any address (0: one the kernel picks).
  static void open(asio::ip::udp::socket& socket, const asio::ip::udp& protocol, uint16_t port,
                   std::optional<int> so_rcvbuf, asio::error_code& ec);
  // Binds rtp to an even port the kernel picks and rtcp to the next one
  // (RFC 3550 §11), in at most kPortAttempts tries; both non-blocking, the
  // kernel counting rtp's drops. false, with error set, when no pair was
  // free (both closed then).
  bool open_even_pair(const asio::ip::udp& protocol, std::optional<int> so_rcvbuf,
                      std::string& error);
  // Closes both; idempotent.
  void close();
};

}  // namespace flowcast::client
