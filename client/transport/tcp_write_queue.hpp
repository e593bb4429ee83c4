#pragma once
// Writes on the client's TCP sockets (flowcast's RFC 4571 connection, the
// RTSP connection): what the kernel takes at once leaves at once, so bytes
// written just before a close (a BYE, a TEARDOWN) are not lost to it; the
// rest leaves with one asynchronous write in flight at a time, in order.
//
// Threads: the socket's network thread only; nothing blocks (the socket is
// put in non-blocking mode for the immediate write).
#include <asio.hpp>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace flowcast::client {

class TcpWriteQueue {
 public:
  // Borrows socket, which must outlive the queue.
  explicit TcpWriteQueue(asio::ip::tcp::socket& socket) : socket_(socket) {}

  // Queues bytes after those queued before, and starts writing them.
  void write(std::span<const uint8_t> bytes);
  // Bytes queued behind the write in flight (not yet handed to the kernel).
  size_t pending() const { return pending_.size(); }
  // Offers what is pending to the kernel once more, without waiting.
  void flush_now();
  // Writes nothing more. Idempotent.
  void stop() { stopped_ = true; }

 private:
  void do_write();

  asio::ip::tcp::socket& socket_;
  std::vector<uint8_t> pending_;
  std::vector<uint8_t> writing_;  // the write in flight
  bool write_pending_ = false;
  bool stopped_ = false;
};

}  // namespace flowcast::client
