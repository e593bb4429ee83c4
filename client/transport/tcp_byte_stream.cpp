#include "client/transport/tcp_byte_stream.hpp"

namespace flowcast::client {

TcpByteStream::TcpByteStream(asio::io_context& io) : io_(io), socket_(io), deadline_(io) {}

TcpByteStream::~TcpByteStream() {
  close();
}

std::unique_ptr<RtspByteStream> TcpByteStream::make(asio::io_context& io) {
  return std::make_unique<TcpByteStream>(io);
}

void TcpByteStream::connect(const std::string& host, uint16_t port,
                            std::chrono::milliseconds timeout, ConnectHandler done) {
  const std::string where = host + ":" + std::to_string(port);
  asio::error_code ec;
  asio::ip::tcp::resolver resolver(io_);
  const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec || endpoints.empty()) {
    closed_ = true;
    done("cannot resolve the RTSP host '" + host + "': " + ec.message());
    return;
  }
  connecting_ = true;
  deadline_.expires_after(timeout);
  deadline_.async_wait([this, done, where, timeout](const asio::error_code& e) {
    if (e || !connecting_ || closed_) return;
    connecting_ = false;
    close();
    done("no answer from the RTSP server at " + where + " within " +
         std::to_string(timeout.count() / 1000) + " s");
  });
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
  pending_write_.insert(pending_write_.end(), bytes.begin(), bytes.end());
  if (!write_pending_) do_write();
}

void TcpByteStream::do_write() {
  if (pending_write_.empty() || closed_) return;
  // What the kernel takes now goes now: a TEARDOWN written just before
  // close() is not lost to the close.
  asio::error_code ec;
  socket_.non_blocking(true, ec);
  const size_t n = socket_.write_some(asio::buffer(pending_write_), ec);
  if (!ec)
    pending_write_.erase(pending_write_.begin(), pending_write_.begin() + static_cast<long>(n));
  if (pending_write_.empty()) return;
  writing_.swap(pending_write_);
  pending_write_.clear();
  write_pending_ = true;
  asio::async_write(socket_, asio::buffer(writing_), [this](const asio::error_code& e, size_t) {
    write_pending_ = false;
    writing_.clear();
    if (e || closed_) return;
    do_write();
  });
}

asio::ip::address TcpByteStream::remote_address() const {
  asio::error_code ec;
  const auto endpoint = socket_.remote_endpoint(ec);
  return ec ? asio::ip::address() : endpoint.address();
}

void TcpByteStream::close() {
  if (closed_) return;
  closed_ = true;
  deadline_.cancel();
  if (socket_.is_open() && !pending_write_.empty()) {
    asio::error_code ec;
    socket_.non_blocking(true, ec);
    socket_.write_some(asio::buffer(pending_write_), ec);
  }
  asio::error_code ec;
  socket_.close(ec);
}

}  // namespace flowcast::client
