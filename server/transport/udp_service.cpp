#include "server/transport/udp_service.hpp"

#include <algorithm>

#include "common/rtp/handshake.hpp"
#include "common/rtp/rtp_packet.hpp"

namespace flowcast::server {

using Clock = std::chrono::steady_clock;

const SessionTransport::Traits& UdpSessionTransport::traits() const {
  static const Traits traits{.kind = Transport::udp,
                             .protocol = "flowcast",
                             .sender_reports = true,
                             .watch_silence = true,
                             .bye_on_silence = true,
                             .framing_bytes = 0,
                             .describes_in_band = true};
  return traits;
}

std::string UdpSessionTransport::peer() const {
  return endpoint_.address().to_string() + ":" + std::to_string(endpoint_.port());
}

bool UdpSessionTransport::write(OutboundPacket packet) {
  // RTCP takes the media's way, so a BYE never overtakes the last packets.
  if (!events_) return drop_closed();
  uint64_t bytes = 0;
  return service_.send_all(std::span<OutboundPacket>(&packet, 1), endpoint_, bytes) == 1 ? true
                                                                                         : drop();
}

SessionTransport::Sent UdpSessionTransport::write_burst(std::span<OutboundPacket> packets) {
  Sent sent;
  if (!events_) {
    sent.past_mark = !packets.empty();
    return sent;
  }
  // No queue of its own: never past a mark; what the kernel did not take
  // was dropped.
  sent.packets = service_.send_all(packets, endpoint_, sent.bytes);
  return sent;
}

bool UdpSessionTransport::segments_bursts() const {
  return service_.segmentation();
}

void UdpSessionTransport::read_pending() {
  service_.read_pending();
}

void UdpSessionTransport::abort(const std::string& reason) {
  service_.forget(*this);
  if (events_) events_->on_closed(reason);
}

void UdpSessionTransport::release() {
  SessionTransport::release();
  service_.forget(*this);
}

UdpService::UdpService(asio::io_context& io, const asio::ip::udp::endpoint& bind,
                       Admission admission)
    : socket_(io, bind.protocol()),
      admission_(std::move(admission)),
      datagrams_(socket_.native_handle()) {
  socket_.set_option(asio::socket_base::reuse_address(true));
  socket_.bind(bind);
  socket_.non_blocking(true);
  // The kernel caps this at net.core.rmem_max; what it grants is enough.
  asio::error_code ec;
  socket_.set_option(asio::socket_base::receive_buffer_size(kReceiveBuffer), ec);
}

UdpService::~UdpService() = default;

void UdpService::start() {
  do_receive();
}

void UdpService::stop() {
  asio::error_code ec;
  socket_.close(ec);
}

void UdpService::forget(const UdpSessionTransport& transport) {
  auto it = sessions_.find(transport.endpoint());
  if (it != sessions_.end() && it->second.get() == &transport) sessions_.erase(it);
}

bool UdpService::send_to(std::span<const uint8_t> data, const asio::ip::udp::endpoint& to) {
  asio::error_code ec;
  socket_.send_to(asio::buffer(data.data(), data.size()), to, 0, ec);
  return !ec;
}

size_t UdpService::send_all(std::span<OutboundPacket> datagrams, const asio::ip::udp::endpoint& to,
                            uint64_t& bytes) {
  if (datagrams.empty() || !socket_.is_open()) return 0;
  return datagrams_.send(datagrams, to, bytes);
}

void UdpService::do_receive() {
  socket_.async_receive_from(asio::buffer(buffer_), sender_,
                             [this](const asio::error_code& ec, size_t n) {
                               if (ec == asio::error::operation_aborted) return;
                               if (!ec)
                                 on_datagram(std::span<const uint8_t>(buffer_.data(), n), sender_);
                               // Whatever else waits is read now, before
                               // the sends queued behind this wake.
                               if (!ec) read_waiting(kReadBatch);
                               if (socket_.is_open()) do_receive();
                             });
}

void UdpService::read_pending() {
  read_waiting(kReadBatch);
}

void UdpService::read_waiting(size_t limit) {
  for (size_t i = 0; i < limit && socket_.is_open(); ++i) {
    asio::error_code ec;
    // Buffers of its own: the pending asynchronous read may already hold a
    // datagram in buffer_ (asio reads speculatively when it starts).
    asio::ip::udp::endpoint from;
    const size_t n = socket_.receive_from(asio::buffer(waiting_), from, 0, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return;
    if (!ec) on_datagram(std::span<const uint8_t>(waiting_.data(), n), from);
  }
}

void UdpService::on_datagram(std::span<const uint8_t> data, const asio::ip::udp::endpoint& sender) {
  if (auto it = sessions_.find(sender); it != sessions_.end()) {
    if (common::is_rtcp(data)) {
      // The session may end inside (its client's BYE): its transport,
      // released, frees the address for a new session.
      auto transport = it->second;
      transport->on_datagram(data);
      return;
    }
  }
  auto reply = cookies_.reply_to(data, sender, Clock::now());
  if (!reply) {
    ++stray_;
    return;
  }
  if (reply->type == common::HandshakeType::cookie) {
    // A flood of HELLOs gets no more cookies than kCookiesPerSecond: the
    // rest are dropped as strays, and the sessions' own sends go on.
    const auto now = Clock::now();
    if (now - cookie_second_ >= std::chrono::seconds(1)) {
      cookie_second_ = now;
      cookies_this_second_ = 0;
    }
    if (++cookies_this_second_ > kCookiesPerSecond) {
      ++stray_;
      return;
    }
    send_to(common::write_handshake(*reply), sender);
    return;
  }
  if (sessions_.count(sender)) {
    send_to(common::write_handshake(*reply), sender);  // a repeated HELLO: ACCEPT again
    return;
  }
  const auto peer = sender;
  const bool admitted = admission_(peer, [&](std::shared_ptr<UdpSessionTransport> transport) {
    send_to(common::write_handshake(*reply), peer);
    sessions_[peer] = std::move(transport);
  });
  if (admitted) return;
  reply->type = common::HandshakeType::full;
  send_to(common::write_handshake(*reply), peer);
}

}  // namespace flowcast::server
