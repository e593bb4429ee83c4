#include "server/transport/tcp_session_transport.hpp"

#include "server/transport/tcp_probe.hpp"

namespace flowcast::server {

namespace {
// RFC 4571 §2: the 16-bit length, then the packet, appended to `out`.
bool frame(const OutboundPacket& packet, std::vector<uint8_t>& out) {
  const size_t size = packet.size();
  if (size == 0 || size > common::kRfc4571MaxPacket) return false;
  out.push_back(static_cast<uint8_t>(size >> 8));
  out.push_back(static_cast<uint8_t>(size));
  packet.append_to(out);
  return true;
}
}  // namespace

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
                             .framing_bytes = 2,
                             .describes_in_band = true};
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
                       [this](std::span<const uint8_t> packet) { deliver_rtcp(packet); });
        if (events_) do_read();
      });
}

bool TcpSessionTransport::write(OutboundPacket packet) {
  if (!events_ || closed_) return drop_closed();
  if (!queue_.write_with([&](std::vector<uint8_t>& out) { return frame(packet, out); }))
    return drop();
  return below_mark(queue_.queued_bytes());
}

SessionTransport::Sent TcpSessionTransport::write_burst(std::span<OutboundPacket> packets) {
  Sent sent;
  if (packets.empty()) return sent;
  if (!events_ || closed_) {
    for (size_t i = 0; i < packets.size(); ++i) drop_closed();
    sent.past_mark = true;
    return sent;
  }
  // One append, and one write started, for the whole burst.
  queue_.write_with([&](std::vector<uint8_t>& out) {
    for (const auto& p : packets) {
      if (!frame(p, out)) {
        drop();
        continue;
      }
      ++sent.packets;
      sent.bytes += p.size();
    }
    return sent.packets > 0;
  });
  sent.past_mark = !below_mark(queue_.queued_bytes());
  return sent;
}

void TcpSessionTransport::on_drained() {
  drained();
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
