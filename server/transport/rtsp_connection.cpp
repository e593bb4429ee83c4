#include "server/transport/rtsp_connection.hpp"

#include "server/transport/tcp_probe.hpp"

namespace flowcast::server {

namespace {

constexpr auto kTick = std::chrono::milliseconds(200);
// After the 400 that ends a connection, how long its unread input is drained
// so closing does not reset the connection before the answer is read.
constexpr auto kLinger = std::chrono::seconds(1);

}  // namespace

RtspConnection::RtspConnection(asio::io_context& io, asio::ip::tcp::socket socket,
                               RtspListener& listener)
    : socket_(std::move(socket)), listener_(listener), tick_timer_(io) {
  asio::error_code ec;
  asio::ip::address peer_address;
  std::string peer = "?";
  const auto ep = socket_.remote_endpoint(ec);
  if (!ec) {
    peer_address = ep.address();
    peer = ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  protocol_ = std::make_shared<RtspServerProtocol>(listener, static_cast<Wire&>(*this),
                                                   peer_address, std::move(peer), Clock::now());
}

RtspConnection::~RtspConnection() {
  protocol_->detach();
}

void RtspConnection::start() {
  do_read();
  tick();
}

void RtspConnection::do_read() {
  socket_.async_read_some(asio::buffer(read_buffer_), [this, self = shared_from_this()](
                                                          const asio::error_code& ec, size_t n) {
    if (closed_) return;
    if (ec) {
      close(ec == asio::error::eof ? "the client closed the connection" : ec.message());
      return;
    }
    // Once closing, the protocol drains what it is given unread.
    protocol_->feed(std::span<const uint8_t>(read_buffer_.data(), n), Clock::now());
    if (!closed_) do_read();
  });
}

void RtspConnection::tick() {
  tick_timer_.expires_after(kTick);
  tick_timer_.async_wait([this, self = shared_from_this()](const asio::error_code& ec) {
    if (ec || closed_) return;
    protocol_->tick(Clock::now());
    if (closed_) return;
    probe();
    tick();
  });
}

void RtspConnection::probe() {
  if (!socket_.is_open()) return;
  protocol_->note_probe(read_tcp_probe(socket_.native_handle()));
}

void RtspConnection::write(std::span<const uint8_t> bytes) {
  pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  queued_bytes_ += bytes.size();
  if (!write_in_flight_) do_write();
}

void RtspConnection::do_write() {
  // One write in flight: a drain callback run by the completion handler may
  // have started the next one already, and its buffer must stay put.
  if (write_in_flight_) return;
  if (closed_) return;
  if (pending_.empty()) {
    if (close_after_write_) {
      asio::error_code ec;
      socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
      tick_timer_.cancel();
      tick_timer_.expires_after(kLinger);
      tick_timer_.async_wait([this, self = shared_from_this()](const asio::error_code& e) {
        if (!e) close("closed after the answer");
      });
    }
    return;
  }
  writing_.swap(pending_);
  pending_.clear();
  write_in_flight_ = true;
  asio::async_write(socket_, asio::buffer(writing_),
                    [this, self = shared_from_this()](const asio::error_code& ec, size_t n) {
                      write_in_flight_ = false;
                      queued_bytes_ -= std::min(queued_bytes_, n);
                      writing_.clear();
                      if (closed_) return;
                      if (ec) {
                        close(ec.message());
                        return;
                      }
                      if (queued_bytes_ <= listener_.config_.send_queue_bytes / 2)
                        protocol_->drained();
                      do_write();
                    });
}

void RtspConnection::close_after_write() {
  close_after_write_ = true;
  if (!write_in_flight_) do_write();
}

void RtspConnection::close(const std::string& reason) {
  if (closed_) return;
  if (!protocol_->closed()) {
    // The protocol closes its Wire (this call again), then its sessions.
    protocol_->close(reason);
    return;
  }
  closed_ = true;
  tick_timer_.cancel();
  probe();
  asio::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  listener_.forget(shared_from_this());
}

}  // namespace flowcast::server
