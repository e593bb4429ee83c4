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

namespace flowcast::client {

class TcpByteStream : public RtspByteStream {
 public:
  explicit TcpByteStream(asio::io_context& io);
  ~TcpByteStream() override;

  void connect(const std::string& host, uint16_t port, std::chrono::milliseconds timeout,
               ConnectHandler done) override;
  void read(ReadHandler handler) override;
  void write(std::span<const uint8_t> bytes) override;
  size_t pending_write() const override { return pending_write_.size(); }
  void close() override;
  bool is_open() const override { return socket_.is_open(); }
  int native_handle() override { return socket_.native_handle(); }
  asio::ip::address remote_address() const override;

  // The maker RtspTransport and describe_rtsp use by default.
  static std::unique_ptr<RtspByteStream> make(asio::io_context& io);

 private:
  void do_write();

  asio::io_context& io_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer deadline_;
  std::array<uint8_t, 65536> read_buffer_{};
  std::vector<uint8_t> pending_write_;
  std::vector<uint8_t> writing_;
  bool connecting_ = false;
  bool write_pending_ = false;
  bool closed_ = false;
};

}  // namespace flowcast::client
