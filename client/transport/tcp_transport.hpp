#pragma once
// RTP and RTCP over one TCP connection to flowcast-server, each packet framed
// as in RFC 4571 (a 16-bit length, then the packet). Not reading holds the
// server back: the kernel buffer fills, the window closes (flow control).
// The stream ends when the server closes the connection after its BYE.
// A host name is tried at every address it resolves to, in order, as
// asio::async_connect does ("localhost" may give ::1 before 127.0.0.1, and a
// server bound to one of them is found either way).
// Network thread only.
#include <array>
#include <optional>
#include <vector>

#include "client/transport/rtp_transport.hpp"
#include "client/transport/tcp_write_queue.hpp"
#include "common/rtp/rfc4571.hpp"

namespace flowcast::client {

class TcpTransport : public RtpTransport {
 public:
  // so_rcvbuf: SO_RCVBUF to set before connecting (the window follows it).
  TcpTransport(asio::io_context& io, std::string host, uint16_t port, std::optional<int> so_rcvbuf);

  void start(TransportEvents& events) override;
  bool write(RtcpPacket packet) override;
  KernelQueue sample_kernel() override;
  void close() override;
  const TransportTraits& traits() const override;
  std::string where() const override;

 protected:
  void resume_reading() override;

 private:
  // Connects to endpoints_[index] and on, one at a time.
  void connect_from(size_t index);
  void do_read();
  void fail(const std::string& message);

  asio::io_context& io_;
  std::string host_;
  uint16_t port_;
  std::optional<int> so_rcvbuf_;
  asio::ip::tcp::socket socket_;
  asio::ip::tcp::resolver resolver_;
  asio::steady_timer deadline_;
  std::vector<asio::ip::tcp::endpoint> endpoints_;  // as resolved
  std::vector<std::string> tried_;                  // addresses that failed, and why
  bool all_refused_ = true;
  TransportEvents* events_ = nullptr;
  common::Rfc4571Deframer deframer_;
  std::array<uint8_t, 65536> read_buffer_{};
  TcpWriteQueue writer_;  // framed RTCP
  bool connected_ = false;
  bool read_pending_ = false;
  bool closed_ = false;
};

}  // namespace flowcast::client
