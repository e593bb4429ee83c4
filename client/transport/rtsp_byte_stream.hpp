#pragma once
// The bytes under a client RtspConnection: a TCP connection to the RTSP
// server (TcpByteStream), or, in a test or a fuzz target, bytes from memory.
// The connection speaks RTSP; the stream only connects, reads and writes.
//
// Threads: the io_context the stream was made with runs every handler, and
// every method is called on it. No method blocks. A read's handler is never
// called from within read().
#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

namespace flowcast::client {

class RtspByteStream {
 public:
  // "" when connected, or what went wrong, for the user.
  using ConnectHandler = std::function<void(const std::string& error)>;
  // Bytes read (valid during the call), or an error: asio::error::eof when
  // the server closed, operation_aborted after close().
  using ReadHandler = std::function<void(std::span<const uint8_t> bytes, const asio::error_code&)>;

  virtual ~RtspByteStream() = default;
  // Connects to host:port within timeout; done is called once (at once when
  // the name does not resolve).
  virtual void connect(const std::string& host, uint16_t port, std::chrono::milliseconds timeout,
                       ConnectHandler done) = 0;
  // One read of what has arrived; the handler is called once.
  virtual void read(ReadHandler handler) = 0;
  // Queues bytes after those queued before; they leave in order, as soon as
  // the peer takes them. A write error shows as a failed read.
  virtual void write(std::span<const uint8_t> bytes) = 0;
  // Bytes queued and not yet handed to the kernel.
  virtual size_t pending_write() const = 0;
  // Writes what is queued now, as far as the kernel takes it without
  // waiting (a TEARDOWN just before the close is not lost), and closes.
  // Idempotent.
  virtual void close() = 0;
  virtual bool is_open() const = 0;
  // The socket (for SO_RCVBUF and the kernel's queue), or -1 when none.
  virtual int native_handle() = 0;
  // The server's address once connected; unspecified otherwise.
  virtual asio::ip::address remote_address() const = 0;
};

// Makes the stream for a connection, on `io`.
using RtspStreamMaker = std::function<std::unique_ptr<RtspByteStream>(asio::io_context& io)>;

}  // namespace flowcast::client
