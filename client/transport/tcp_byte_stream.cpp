#include "client/transport/tcp_byte_stream.hpp"

namespace flowcast::client {

TcpByteStream::TcpByteStream(asio::io_context& io)
    : socket_(io), resolver_(io), deadline_(io), writer_(socket_) {}

TcpByteStream::~TcpByteStream() {
  close();
}

std::unique_ptr<RtspByteStream> TcpByteStream::make(asio::io_context& io) {
  return std::make_unique<TcpByteStream>(io);
}

void TcpByteStream::connect(const std::string& host, uint16_t port,
                            std::chrono::milliseconds timeout, ConnectHandler done) {
  const std::string where = host + ":" + std::to_string(port);
  connecting_ = true;
  deadline_.expires_after(timeout);
  deadline_.async_wait([this, done, where, timeout](const asio::error_code& e) {
    if (e || !connecting_ || closed_) return;
    connecting_ = false;
    close();
    done("no answer from the RTSP server at " + where + " within " +
         std::to_string(timeout.count() / 1000) + " s");
  });
  // The lookup runs on asio's resolver thread; the network thread goes on.
  resolver_.async_resolve(
      host, std::to_string(port),
      [this, host, where, done](const asio::error_code& ec,
                                const asio::ip::tcp::resolver::results_type& endpoints) {
        if (ec == asio::error::operation_aborted || closed_ || !connecting_) return;
        if (ec || endpoints.empty()) {
          connecting_ = false;
          close();
          done("cannot resolve the RTSP host '" + host +
               "': " + (ec ? ec.message() : "no address"));
          return;
        }
        connect_to(endpoints, where, done);
      });
}

void TcpByteStream::connect_to(const asio::ip::tcp::resolver::results_type& endpoints,
                               const std::string& where, const ConnectHandler& done) {
  // Every address in turn, as a name may resolve to ::1 before 127.0.0.1.
  asio::async_connect(
      socket_, endpoints,
      [this, done, where](const asio::error_code& e, const asio::ip::tcp::endpoint&) {
        if (closed_ || !connecting_) return;
        connecting_ = false;
        deadline_.cancel();
        if (e) {
          close();
          done(e == asio::error::connection_refused
                   ? "connection refused: no RTSP server listens on " + where
                   : "cannot connect to the RTSP server at " + where + ": " + e.message());
          return;
        }
        asio::error_code ec2;
        socket_.set_option(asio::ip::tcp::no_delay(true), ec2);
        done("");
      });
}

void TcpByteStream::read(ReadHandler handler) {
  socket_.async_read_some(asio::buffer(read_buffer_),
                          [this, handler](const asio::error_code& e, size_t n) {
                            handler(std::span<const uint8_t>(read_buffer_.data(), n), e);
                          });
}

void TcpByteStream::write(std::span<const uint8_t> bytes) {
  if (closed_) return;
  writer_.write(bytes);
}

asio::ip::address TcpByteStream::remote_address() const {
  asio::error_code ec;
  const auto endpoint = socket_.remote_endpoint(ec);
  return ec ? asio::ip::address() : endpoint.address();
}

void TcpByteStream::close() {
  if (closed_) return;
  closed_ = true;
  resolver_.cancel();
  deadline_.cancel();
  // A TEARDOWN written just before is not lost to the close.
  writer_.flush_now();
  writer_.stop();
  asio::error_code ec;
  socket_.close(ec);
}

}  // namespace flowcast::client
