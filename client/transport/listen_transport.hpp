#pragma once
// --listen PORT --sdp FILE: plain RTP from any sender (ffmpeg -f rtp,
// flowcast-server --push, GStreamer) on a bound UDP port, RTCP on the port
// the SDP names (or the same one with rtcp-mux). No handshake, so there is
// no address to send feedback to: no receiver reports, PLIs or NACKs. The
// stream ends on the sender's BYE (100 ms later, so RTP still queued on the
// other socket is read), or 5 s after its media stops (before media begins,
// it waits).
// Network thread only.
#include <array>

#include "client/transport/datagram_reader.hpp"
#include "client/transport/listen_options.hpp"
#include "client/transport/rtp_transport.hpp"

namespace flowcast::client {

class ListenTransport : public RtpTransport {
 public:
  ListenTransport(asio::io_context& io, ListenOptions listen, std::optional<int> so_rcvbuf);

  void start(TransportEvents& events) override;
  // A listener has no address to send RTCP to (traits().sends_feedback).
  bool write(RtcpPacket) override { return false; }
  KernelQueue sample_kernel() override;
  void close() override;
  const TransportTraits& traits() const override;
  std::string where() const override;

 protected:
  void resume_reading() override;

 private:
  void open(asio::ip::udp::socket& socket, uint16_t port, asio::error_code& ec);
  void do_read();
  void do_read_rtcp();
  void fail(const std::string& message);

  ListenOptions listen_;
  std::optional<int> so_rcvbuf_;
  asio::ip::udp::socket rtp_;
  asio::ip::udp::socket rtcp_;  // without rtcp-mux
  TransportEvents* events_ = nullptr;
  DatagramReader reader_;
  std::array<uint8_t, 8192> rtcp_buffer_{};
  bool read_pending_ = false;
  bool closed_ = false;
};

}  // namespace flowcast::client
