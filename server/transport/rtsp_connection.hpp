#pragma once
// One RTSP client connection over TCP: the asio socket under an
// RtspServerProtocol (which reads the requests, answers them and owns the
// sessions; see it for the bounds and answers). This class only moves
// bytes: it reads into the protocol, writes what the protocol and the
// interleaved sessions queue (TcpSendQueue: one write in flight), and ticks
// the protocol's timeouts. Its send queue holds send_queue_bytes of media
// plus RtspServerProtocol::kResponseAllowance of answers; a file session is
// held back by its fullness as over flowcast's TCP.
//
// Threads: the server's network thread only.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "server/transport/rtsp_listener.hpp"
#include "server/transport/rtsp_server_protocol.hpp"
#include "server/transport/tcp_send_queue.hpp"

namespace flowcast::server {

class RtspConnection : public std::enable_shared_from_this<RtspConnection>,
                       private RtspServerProtocol::Wire,
                       private TcpSendQueue::Owner {
 public:
  RtspConnection(asio::io_context& io, asio::ip::tcp::socket socket, RtspListener& listener);
  ~RtspConnection() override;

  void start();
  // Closes the socket now and ends the connection's sessions. Idempotent.
  void close(const std::string& reason) override;
  // The server stops: close once every session has ended and the queue left.
  void stop() { protocol_->stop(); }

 private:
  using Clock = std::chrono::steady_clock;
  // RtspServerProtocol::Wire
  void write(std::span<const uint8_t> bytes) override { queue_.write(bytes); }
  size_t queued_bytes() const override { return queue_.queued_bytes(); }
  void close_after_write() override { queue_.close_after_write(); }
  // TcpSendQueue::Owner
  void on_drained() override { protocol_->drained(); }
  void on_write_failed(const std::string& reason) override { close(reason); }
  void on_sent_all() override;
  std::shared_ptr<void> keep_alive() override { return shared_from_this(); }

  void do_read();
  void tick();
  void probe();

  asio::ip::tcp::socket socket_;
  RtspListener& listener_;
  std::shared_ptr<RtspServerProtocol> protocol_;
  std::array<uint8_t, 4096> read_buffer_{};
  TcpSendQueue queue_;
  bool closed_ = false;
  asio::steady_timer tick_timer_;
};

}  // namespace flowcast::server
