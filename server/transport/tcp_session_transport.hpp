#pragma once
// flowcast over TCP: a session's transport on one accepted connection, every
// RTP and RTCP packet framed as in RFC 4571 (a 16-bit length, then the
// packet), both ways. The send queue (TcpSendQueue: one write in flight) has
// queue_capacity bytes as its high-water mark, and its fullness is the
// session's backpressure: write() returns false past it, drain comes at half.
// A burst is framed into the queue in one append. The client's RTCP is
// pushed into the piped Session as it is deframed. Every 100 ms the socket's
// TCP_INFO and SIOCOUTQ go to the session (KernelEvidence).
//
// close() sends what is queued, then FIN, and keeps reading the client's
// RTCP until it closes (or kLinger passes); abort() and a read or write
// error close the socket at once. Either way on_closed() follows.
//
// Threads: the server's network thread only.
#include <array>
#include <chrono>

#include "common/rtp/rfc4571.hpp"
#include "server/session/session_transport.hpp"
#include "server/transport/tcp_send_queue.hpp"

namespace flowcast::server {

class TcpSessionTransport final : public SessionTransport, private TcpSendQueue::Owner {
 public:
  // After FIN, how long the client has to close its end.
  static constexpr auto kLinger = std::chrono::seconds(5);
  static constexpr auto kProbeInterval = std::chrono::milliseconds(100);

  // Takes the connected socket (TCP_NODELAY is set on it).
  TcpSessionTransport(asio::io_context& io, asio::ip::tcp::socket socket, size_t queue_capacity);

  void start(Events& events) override;
  // Every stream on the one connection: the stream is not needed to tell
  // them apart (their SSRCs do). A packet past RFC 4571's 65535 bytes, or
  // empty, is dropped.
  bool write(OutboundPacket packet) override;
  Sent write_burst(std::span<OutboundPacket> packets) override;
  size_t high_water_mark() const override { return capacity_; }
  size_t queued_bytes() const override { return queue_.queued_bytes(); }
  std::string peer() const override { return peer_; }
  const Traits& traits() const override;
  void close() override { queue_.close_after_write(); }
  void abort(const std::string& reason) override { shutdown(reason); }

 private:
  // TcpSendQueue::Owner
  void on_drained() override;
  void on_write_failed(const std::string& reason) override { shutdown(reason); }
  void on_sent_all() override;
  std::shared_ptr<void> keep_alive() override { return hold(); }

  void do_read();
  void schedule_probe();
  void probe();
  // Closes the socket now and reports on_closed (reason, or "closed").
  void shutdown(const std::string& reason);

  asio::ip::tcp::socket socket_;
  std::string peer_;
  size_t capacity_;
  TcpSendQueue queue_;
  common::Rfc4571Deframer deframer_;
  std::array<uint8_t, 4096> read_buffer_{};
  asio::steady_timer linger_timer_;
  asio::steady_timer probe_timer_;
  bool closed_ = false;
};

}  // namespace flowcast::server
