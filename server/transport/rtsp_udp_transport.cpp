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
                                   asio::ip::udp::endpoint rtcp_to, size_t stream)
    : connection_(std::move(connection)),
      ports_(ports),
      rtp_to_(rtp_to),
      rtcp_to_(rtcp_to),
      last_rtcp_(Clock::now()),
      linger_timer_(io) {
  add_stream(stream, std::move(rtp_to), std::move(rtcp_to));
}

void RtspUdpTransport::add_stream(size_t stream, asio::ip::udp::endpoint rtp_to,
                                  asio::ip::udp::endpoint rtcp_to) {
  if (streams_.size() <= stream) streams_.resize(stream + 1);
  streams_[stream] = Ports{std::move(rtp_to), std::move(rtcp_to)};
}

std::vector<asio::ip::udp::endpoint> RtspUdpTransport::endpoints() const {
  std::vector<asio::ip::udp::endpoint> all;
  for (const auto& ports : streams_) {
    if (!ports) continue;
    all.push_back(ports->rtp_to);
    all.push_back(ports->rtcp_to);
  }
  return all;
}

void RtspUdpTransport::send_byes() {
  for (const auto& [to, bye] : byes_) ports_.send(bye, to, true);
  byes_.clear();
}

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

bool RtspUdpTransport::write(OutboundPacket outbound) {
  if (!events_) return drop_closed();
  const size_t stream = outbound.stream();
  if (stream >= streams_.size() || !streams_[stream]) return drop();
  const Ports& to = *streams_[stream];
  const bool rtcp = outbound.is_rtcp();
  std::vector<uint8_t> packet = outbound.bytes();
  if (rtcp && holds_bye(packet)) {
    // Sent kByeDelay after the last RTP packet, here or by close(),
    // whichever comes first.
    const bool armed = !byes_.empty();
    byes_.emplace_back(to.rtcp_to, std::move(packet));
    if (armed) return true;
    linger_timer_.expires_after(kByeDelay);
    linger_timer_.async_wait([this, keep = hold()](const asio::error_code& ec) {
      if (ec || byes_.empty() || !events_) return;
      send_byes();
    });
    return true;
  }
  return ports_.send(packet, rtcp ? to.rtcp_to : to.rtp_to, rtcp) ? true : drop();
}

void RtspUdpTransport::close() {
  linger_timer_.expires_after(kByeDelay);
  linger_timer_.async_wait([this, keep = hold()](const asio::error_code&) {
    if (events_) send_byes();
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
  deliver_rtcp(packet);
  return true;
}

}  // namespace flowcast::server
