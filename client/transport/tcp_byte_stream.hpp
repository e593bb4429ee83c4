#pragma once
// An RtspByteStream over TCP (asio): connects to every resolved address in
// turn, writes at once what the kernel takes and the rest with one
// asio::async_write in flight, reads up to 64 KiB at a time.
//
// Threads: as RtspByteStream. Bounded by its user (RtspConnection bounds
// what it queues).
#include <array>
#include <vector>

#include "client/transport/rtsp_byte_stream.hpp"
#include "client/transport/tcp_write_queue.hpp"

namespace flowcast::client {

class TcpByteStream : public RtspByteStream {
 public:
  explicit TcpByteStream(asio::io_context& io);
  ~TcpByteStream() override;

  void connect(const std::string& host, uint16_t port, std::chrono::milliseconds timeout,
               ConnectHandler done) override;
  void read(ReadHandler handler) override;
  void write(std::span<const uint8_t> bytes) override;
  size_t pending_write() const override { return writer_.pending(); }
  void close() override;
  bool is_open() const override { return socket_.is_open(); }
  int native_handle() override { return socket_.native_handle(); }
  asio::ip::address remote_address() const override;

  // The maker RtspTransport and describe_rtsp use by default.
  static std::unique_ptr<RtspByteStream> make(asio::io_context& io);

 private:
  // Connects to the first of `endpoints` that answers.
  void connect_to(const asio::ip::tcp::resolver::results_type& endpoints, const std::string& where,
                  const ConnectHandler& done);

  asio::ip::tcp::socket socket_;
  asio::ip::tcp::resolver resolver_;
  asio::steady_timer deadline_;
  TcpWriteQueue writer_;
  std::array<uint8_t, 65536> read_buffer_{};
  bool connecting_ = false;
  bool closed_ = false;
};

}  // namespace flowcast::client
