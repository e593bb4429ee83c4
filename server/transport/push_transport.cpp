#include "server/transport/push_transport.hpp"

#include <algorithm>
#include <stdexcept>

#include "common/rtp/rtp_packet.hpp"

namespace flowcast::server {

asio::ip::udp::endpoint resolve_push_target(asio::io_context& io, const common::HostPort& target) {
  asio::ip::udp::resolver resolver(io);
  asio::error_code ec;
  const auto results = resolver.resolve(target.host, std::to_string(target.port), ec);
  if (ec || results.empty())
    throw std::runtime_error("cannot resolve the --push host '" + target.host +
                             "': " + (ec ? ec.message() : "no address"));
  for (const auto& entry : results)
    if (entry.endpoint().address().is_v4()) return entry.endpoint();
  return results.begin()->endpoint();
}

PushTransport::PushTransport(asio::io_context& io, asio::ip::udp::endpoint destination)
    : socket_(io), rtp_(destination), rtcp_(destination), linger_timer_(io) {
  // RFC 3550 §11: RTCP on the next port up (65535 has none: share it).
  if (destination.port() < 65535) rtcp_.port(static_cast<uint16_t>(destination.port() + 1));
  socket_.open(destination.protocol());
  socket_.non_blocking(true);
}

const SessionTransport::Traits& PushTransport::traits() const {
  static const Traits traits{.kind = Transport::push,
                             .protocol = "rtp",
                             .sender_reports = false,
                             .watch_silence = false,
                             .bye_on_silence = false,
                             .framing_bytes = 0};
  return traits;
}

std::string PushTransport::peer() const {
  const auto address = rtp_.address();
  return (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
         std::to_string(rtp_.port());
}

bool PushTransport::send_to(std::span<const uint8_t> packet, const asio::ip::udp::endpoint& to) {
  if (!events_ || !socket_.is_open()) return false;
  asio::error_code ec;
  // Unconnected: an ICMP refusal from a receiver that is not there (yet) does
  // not come back as an error, and the stream goes on.
  socket_.send_to(asio::buffer(packet.data(), packet.size()), to, 0, ec);
  return !ec;
}

asio::ip::udp::endpoint PushTransport::destination(size_t stream, bool rtcp) const {
  if (stream == 0) return rtcp ? rtcp_ : rtp_;
  // Stream k on PORT + 2k, its RTCP one up, as the SDP says; past 65535
  // it shares the last port.
  auto to = rtp_;
  to.port(static_cast<uint16_t>(std::min<size_t>(65535, rtp_.port() + 2 * stream + rtcp)));
  return to;
}

bool PushTransport::write(OutboundPacket packet) {
  if (!events_ || !socket_.is_open()) return drop_closed();
  if (!packet.is_rtcp())
    return send_to(packet.bytes(), destination(packet.stream(), false)) ? true : drop();
  byes_.emplace_back(destination(packet.stream(), true), packet.bytes());
  return true;
}

void PushTransport::close() {
  linger_timer_.expires_after(kByeDelay);
  linger_timer_.async_wait([this, keep = hold()](const asio::error_code&) {
    for (const auto& [to, bye] : byes_) send_to(bye, to);
    byes_.clear();
    abort("");
  });
}

void PushTransport::abort(const std::string& reason) {
  asio::error_code ec;
  socket_.close(ec);
  if (events_) events_->on_closed(reason);
}

}  // namespace flowcast::server
