#pragma once
// A session over TCP: every RTP/RTCP packet framed as in RFC 4571. One write
// in flight; a bounded send queue whose fullness is the backpressure signal.
// Network thread only.
#include <array>
#include <deque>

#include "common/rtp/rfc4571.hpp"
#include "server/session/session.hpp"

namespace flowcast::server {

class TcpSession : public Session {
 public:
  TcpSession(asio::io_context& io, SessionHost& host, SessionSource source, uint64_t id,
             asio::ip::tcp::socket socket, size_t queue_capacity);

  // Starts reading RTCP and streaming. Throws media::SourceError.
  void begin() override;
  std::string peer() const override;
  size_t queued_bytes() const override { return queued_bytes_; }

 protected:
  bool send_packet(std::vector<uint8_t>&& packet) override;
  bool held_back(size_t extra_bytes) const override;
  void close_transport() override;
  void end_silent(const std::string& reason) override { shutdown(reason); }

 private:
  void do_read();
  void do_write();
  void shutdown(const std::string& reason);
  void probe();
  void schedule_probe();

  asio::ip::tcp::socket socket_;
  std::string peer_;
  size_t capacity_;
  common::Rfc4571Deframer deframer_;
  std::array<uint8_t, 4096> read_buffer_{};
  std::vector<uint8_t> pending_;  // framed bytes not yet handed to the kernel
  std::vector<uint8_t> writing_;  // the write in flight
  size_t queued_bytes_ = 0;       // pending_ + writing_
  bool write_in_flight_ = false;
  bool close_after_write_ = false;
  bool fin_sent_ = false;
  asio::steady_timer linger_timer_;
  asio::steady_timer probe_timer_;
};

}  // namespace flowcast::server
