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
    : socket_(std::move(socket)),
      listener_(listener),
      queue_(socket_, listener.config_.send_queue_bytes / 2, *this),
      tick_timer_(io) {
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

void RtspConnection::on_sent_all() {
  // After the 400 that ends a connection, or when stopping: the client has
  // kLinger to read the answer before the socket closes.
  tick_timer_.cancel();
  tick_timer_.expires_after(kLinger);
  tick_timer_.async_wait([this, self = shared_from_this()](const asio::error_code& e) {
    if (!e) close("closed after the answer");
  });
}

void RtspConnection::close(const std::string& reason) {
  if (closed_) return;
  if (!protocol_->closed()) {
    // The protocol closes its Wire (this call again), then its sessions.
    protocol_->close(reason);
    return;
  }
  closed_ = true;
  queue_.stop();
  tick_timer_.cancel();
  probe();
  asio::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  listener_.forget(shared_from_this());
}

}  // namespace flowcast::server
