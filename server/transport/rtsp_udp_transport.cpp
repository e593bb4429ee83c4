#include "server/transport/rtsp_udp_transport.hpp"

#include "common/rtp/rtp_packet.hpp"
#include "server/transport/rtsp_listener.hpp"
#include "server/transport/rtsp_server_protocol.hpp"

namespace flowcast::server {

namespace {
// Whether a compound RTCP packet holds a BYE (RFC 3550 §6.6, type 203).
bool holds_bye(std::span<const uint8_t> packet) {
  size_t at = 0;
  while (at + 4 <= packet.size()) {
    if (packet[at + 1] == 203) return true;
    at += 4 * (static_cast<size_t>((packet[at + 2] << 8) | packet[at + 3]) + 1);
  }
  return false;
}
}  // namespace

RtspUdpTransport::RtspUdpTransport(asio::io_context& io,
                                   std::weak_ptr<RtspServerProtocol> connection,
                                   RtspUdpPorts& ports, asio::ip::udp::endpoint rtp_to,
                                   asio::ip::udp::endpoint rtcp_to)
    : connection_(std::move(connection)),
      ports_(ports),
      rtp_to_(std::move(rtp_to)),
      rtcp_to_(std::move(rtcp_to)),
      last_rtcp_(Clock::now()),
      linger_timer_(io) {}

const SessionTransport::Traits& RtspUdpTransport::traits() const {
  static const Traits traits{.kind = Transport::udp,
                             .protocol = "rtsp",
                             .sender_reports = true,
                             .watch_silence = false,
                             .bye_on_silence = false,
                             .framing_bytes = 0};
  return traits;
}

std::string RtspUdpTransport::peer() const {
  return rtp_to_.address().to_string() + ":" + std::to_string(rtp_to_.port());
}

bool RtspUdpTransport::send(std::vector<uint8_t>&& packet) {
  if (!events_) return false;
  const bool rtcp = common::is_rtcp(packet);
  if (rtcp && holds_bye(packet)) {
    // Sent kByeDelay after the last RTP packet, here or by close(),
    // whichever comes first.
    bye_ = std::move(packet);
    linger_timer_.expires_after(kByeDelay);
    linger_timer_.async_wait([this, keep = hold()](const asio::error_code& ec) {
      if (ec || bye_.empty() || !events_) return;
      ports_.send(bye_, rtcp_to_, true);
      bye_.clear();
    });
    return true;
  }
  return ports_.send(packet, rtcp ? rtcp_to_ : rtp_to_, rtcp);
}

void RtspUdpTransport::close() {
  linger_timer_.expires_after(kByeDelay);
  linger_timer_.async_wait([this, keep = hold()](const asio::error_code&) {
    if (!bye_.empty() && events_) ports_.send(bye_, rtcp_to_, true);
    auto connection = connection_.lock();
    abort("");
    if (connection) connection->session_ended();
  });
}

void RtspUdpTransport::abort(const std::string& reason) {
  ports_.detach(*this);
  if (events_) events_->on_closed(reason);
}

void RtspUdpTransport::release() {
  SessionTransport::release();
  ports_.detach(*this);
}

bool RtspUdpTransport::on_datagram(std::span<const uint8_t> packet) {
  if (!events_) return false;
  last_rtcp_ = Clock::now();
  events_->on_rtcp(packet);
  return true;
}

}  // namespace flowcast::server
