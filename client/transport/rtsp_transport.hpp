#pragma once
// RTP from any RTSP server (RFC 2326): after DESCRIBE (rtsp_options.hpp),
// SETUP of the video with RTP interleaved on the RTSP connection (RFC 2326
// §10.12, channels 0-1) or on two UDP client ports, then PLAY. RTCP goes
// back the same way (receiver reports, PLI, NACK, BYE). GET_PARAMETER keeps
// the session alive at half its timeout; TEARDOWN ends it on close().
//
// --transport auto sets up UDP first and falls back to TCP when the server
// refuses UDP (461, or any SETUP failure) or no RTP arrives within
// RtspOptions::kAutoUdpWait; traits() names the one in use.
//
// Over TCP, not reading holds the server back (the RTSP connection's
// window closes), as with flowcast's own TCP. Over UDP, only datagrams from
// the server's address are taken; others count as strays.
//
// Network thread only.
#include <array>
#include <memory>
#include <optional>

#include "client/transport/datagram_reader.hpp"
#include "client/transport/rtp_transport.hpp"
#include "client/transport/rtsp_connection.hpp"
#include "client/transport/rtsp_options.hpp"
#include "client/transport/tcp_byte_stream.hpp"

namespace flowcast::client {

class RtspTransport : public RtpTransport {
 public:
  // The RTSP connection runs over what make_stream makes (a TCP connection
  // to options.url by default).
  RtspTransport(asio::io_context& io, RtspOptions options, std::optional<int> so_rcvbuf,
                RtspStreamMaker make_stream = &TcpByteStream::make);

  void start(TransportEvents& events) override;
  bool write(RtcpPacket packet) override;
  KernelQueue sample_kernel() override;
  void close() override;
  const TransportTraits& traits() const override;
  std::string where() const override;

 protected:
  void resume_reading() override;

 private:
  void setup(bool tcp);
  void play();
  // --transport auto: UDP did not work; TEARDOWN it and set up TCP.
  void fall_back_to_tcp();
  bool open_udp_ports(std::string& error);
  void close_udp();
  void do_read_udp();
  void do_read_rtcp();
  void schedule_keepalive();
  void on_frame(const common::InterleavedFrame& frame);
  void fail(const std::string& message);

  asio::io_context& io_;
  RtspOptions options_;
  std::optional<int> so_rcvbuf_;
  RtspStreamMaker make_stream_;
  std::unique_ptr<RtspConnection> connection_;
  asio::ip::udp::socket rtp_;
  asio::ip::udp::socket rtcp_;
  asio::steady_timer keepalive_timer_;
  asio::steady_timer udp_wait_;
  TransportEvents* events_ = nullptr;
  DatagramReader reader_;
  std::array<uint8_t, 8192> rtcp_buffer_{};
  bool tcp_ = true;  // the lower transport in use
  uint8_t rtp_channel_ = 0;
  uint8_t rtcp_channel_ = 1;
  asio::ip::address server_address_;
  std::optional<asio::ip::udp::endpoint> server_rtcp_;
  std::chrono::seconds session_timeout_{60};
  bool playing_ = false;
  bool connected_reported_ = false;
  bool media_seen_ = false;
  bool udp_read_pending_ = false;
  bool closed_ = false;
};

}  // namespace flowcast::client
