#pragma once
// RTP and RTCP over UDP to flowcast-server, after its handshake: HELLO until
// COOKIE, HELLO with the cookie until ACCEPT (or FULL), 3 s at most (see
// common/rtp/handshake.hpp). The socket is connected, so an ICMP port-unreachable
// comes back as a refusal. Not reading makes the kernel drop (SO_RXQ_OVFL
// counts it); the server is gone after 5 s without a packet. A host name is
// tried at each address it resolves to, in order, until one does not refuse
// ("localhost" may give ::1 before 127.0.0.1).
// Network thread only.
#include <array>
#include <optional>
#include <vector>

#include "client/transport/datagram_reader.hpp"
#include "client/transport/rtp_transport.hpp"

namespace flowcast::client {

class UdpTransport : public RtpTransport {
 public:
  UdpTransport(asio::io_context& io, std::string host, uint16_t port, std::optional<int> so_rcvbuf);

  void start(TransportEvents& events) override;
  bool write(RtcpPacket packet) override;
  KernelQueue sample_kernel() override;
  void close() override;
  const TransportTraits& traits() const override;
  std::string where() const override;

 protected:
  void resume_reading() override;

 private:
  // Opens the socket to endpoints_[next_endpoint_++] and says HELLO; false
  // (with the transport failed) when the socket cannot be set up.
  bool open_next();
  void send_hello();
  void do_read();
  // One datagram read; false once the transport failed.
  bool on_datagram(std::span<const uint8_t> datagram);
  void fail(const std::string& message);

  asio::io_context& io_;
  std::string host_;
  uint16_t port_;
  std::optional<int> so_rcvbuf_;
  asio::ip::udp::socket socket_;
  asio::ip::udp::resolver resolver_;
  std::vector<asio::ip::udp::endpoint> endpoints_;  // as resolved
  size_t next_endpoint_ = 0;
  asio::steady_timer deadline_;
  asio::steady_timer hello_timer_;
  TransportEvents* events_ = nullptr;
  DatagramReader reader_;
  std::array<uint8_t, 16> cookie_{};
  bool accepted_ = false;
  bool read_pending_ = false;
  bool closed_ = false;
};

}  // namespace flowcast::client
