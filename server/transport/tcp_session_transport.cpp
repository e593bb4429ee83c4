#include "server/transport/tcp_session_transport.hpp"

#include "server/transport/tcp_probe.hpp"

namespace flowcast::server {

TcpSessionTransport::TcpSessionTransport(asio::io_context& io, asio::ip::tcp::socket socket,
                                         size_t queue_capacity)
    : socket_(std::move(socket)),
      capacity_(queue_capacity),
      queue_(socket_, queue_capacity / 2, *this),
      linger_timer_(io),
      probe_timer_(io) {
  asio::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  peer_ = ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

const SessionTransport::Traits& TcpSessionTransport::traits() const {
  static const Traits traits{.kind = Transport::tcp,
                             .protocol = "flowcast",
                             .sender_reports = true,
                             .watch_silence = true,
                             .bye_on_silence = false,
                             .framing_bytes = 2};
  return traits;
}

void TcpSessionTransport::start(Events& events) {
  SessionTransport::start(events);
  do_read();
  schedule_probe();
}

void TcpSessionTransport::schedule_probe() {
  probe_timer_.expires_after(kProbeInterval);
  probe_timer_.async_wait([this, keep = hold()](const asio::error_code& ec) {
    if (ec || !events_) return;
    probe();
    schedule_probe();
  });
}

void TcpSessionTransport::probe() {
  if (!socket_.is_open() || !events_) return;
  const TcpProbe p = read_tcp_probe(socket_.native_handle());
  events_->on_kernel_evidence(
      {.rwnd_limited_ms = static_cast<double>(p.rwnd_limited_us) / 1000.0,
       .sndbuf_limited_ms = static_cast<double>(p.sndbuf_limited_us) / 1000.0,
       .unsent_bytes = p.unsent_bytes});
}

void TcpSessionTransport::do_read() {
  socket_.async_read_some(
      asio::buffer(read_buffer_), [this, keep = hold()](const asio::error_code& ec, size_t n) {
        if (ec) {
          if (ec != asio::error::operation_aborted)
            shutdown(ec == asio::error::eof ? "client closed the connection" : ec.message());
          return;
        }
        deframer_.feed(std::span<const uint8_t>(read_buffer_.data(), n),
                       [this](std::span<const uint8_t> packet) {
                         if (events_) events_->on_rtcp(packet);
                       });
        if (events_) do_read();
      });
}

bool TcpSessionTransport::send(std::vector<uint8_t>&& packet, size_t /*stream*/) {
  if (!events_) return false;
  return queue_.write_with(
      [&](std::vector<uint8_t>& out) { return common::frame_rfc4571(packet, out); });
}

bool TcpSessionTransport::held_back(size_t extra_bytes) const {
  return queue_.queued_bytes() + extra_bytes > capacity_;
}

void TcpSessionTransport::on_drained() {
  if (events_) events_->on_drained();
}

void TcpSessionTransport::on_sent_all() {
  // FIN is sent; the client's RTCP is still read until it closes.
  linger_timer_.expires_after(kLinger);
  linger_timer_.async_wait([this, keep = hold()](const asio::error_code& e) {
    if (!e) shutdown("");
  });
}

void TcpSessionTransport::shutdown(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  linger_timer_.cancel();
  probe_timer_.cancel();
  probe();
  queue_.stop();
  asio::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  if (events_) events_->on_closed(reason.empty() ? "closed" : reason);
}

}  // namespace flowcast::server
