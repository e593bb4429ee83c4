#include "server/transport/rtsp_listener.hpp"

#include <chrono>
#include <random>

#include "common/rtp/rtp_packet.hpp"
#include "server/transport/rtsp_connection.hpp"
#include "server/transport/rtsp_udp_transport.hpp"

namespace flowcast::server {

std::string track_control(size_t stream) {
  return "track" + std::to_string(stream + 1);
}

RtspUdpPorts::RtspUdpPorts(asio::io_context& io, const asio::ip::address& address)
    : rtp_(io), rtcp_(io) {
  // An even RTP port and the next one for RTCP (RFC 3550 §11) when free;
  // otherwise any two.
  for (int attempt = 0; attempt < 16 && !rtcp_.is_open(); ++attempt) {
    asio::error_code ec;
    if (rtp_.is_open()) rtp_.close(ec);
    rtp_.open(address.is_v6() ? asio::ip::udp::v6() : asio::ip::udp::v4());
    rtp_.bind({address, 0});
    const uint16_t port = rtp_.local_endpoint().port();
    if (port % 2 != 0 || port == 65534) continue;
    rtcp_.open(rtp_.local_endpoint().protocol());
    rtcp_.bind({address, static_cast<uint16_t>(port + 1)}, ec);
    if (ec) rtcp_.close();
  }
  if (!rtcp_.is_open()) {
    rtcp_.open(rtp_.local_endpoint().protocol());
    rtcp_.bind({address, 0});
  }
  rtp_.non_blocking(true);
  rtcp_.non_blocking(true);
  rtp_port_ = rtp_.local_endpoint().port();
  rtcp_port_ = rtcp_.local_endpoint().port();
}

void RtspUdpPorts::start() {
  receive(rtp_, rtp_from_, rtp_buffer_);
  receive(rtcp_, rtcp_from_, rtcp_buffer_);
}

void RtspUdpPorts::stop() {
  asio::error_code ec;
  rtp_.close(ec);
  rtcp_.close(ec);
}

bool RtspUdpPorts::send(std::span<const uint8_t> packet, const asio::ip::udp::endpoint& to,
                        bool rtcp) {
  auto& socket = rtcp ? rtcp_ : rtp_;
  if (!socket.is_open()) return false;
  asio::error_code ec;
  socket.send_to(asio::buffer(packet.data(), packet.size()), to, 0, ec);
  return !ec;
}

void RtspUdpPorts::attach(const std::shared_ptr<RtspUdpTransport>& transport) {
  for (const auto& endpoint : transport->endpoints()) owners_[endpoint] = transport;
}

void RtspUdpPorts::detach(const RtspUdpTransport& transport) {
  for (const auto& endpoint : transport.endpoints()) {
    auto it = owners_.find(endpoint);
    if (it == owners_.end()) continue;
    auto owner = it->second.lock();
    if (!owner || owner.get() == &transport) owners_.erase(it);
  }
}

bool RtspUdpPorts::in_use(const asio::ip::udp::endpoint& endpoint) const {
  auto it = owners_.find(endpoint);
  return it != owners_.end() && !it->second.expired();
}

void RtspUdpPorts::receive(asio::ip::udp::socket& socket, asio::ip::udp::endpoint& from,
                           std::array<uint8_t, 2048>& buffer) {
  socket.async_receive_from(asio::buffer(buffer), from,
                            [this, &socket, &from, &buffer](const asio::error_code& ec, size_t n) {
                              if (ec == asio::error::operation_aborted) return;
                              if (!ec)
                                on_datagram(from, std::span<const uint8_t>(buffer.data(), n));
                              if (socket.is_open()) receive(socket, from, buffer);
                            });
}

void RtspUdpPorts::on_datagram(const asio::ip::udp::endpoint& from, std::span<const uint8_t> data) {
  auto it = owners_.find(from);
  auto transport = it == owners_.end() ? nullptr : it->second.lock();
  // Only RTCP is read; ffmpeg's and GStreamer's first datagrams (to open a
  // NAT) are RTP or RTCP and need no answer.
  if (!transport || !common::is_rtcp(data) || !transport->on_datagram(data)) ++stray_;
}

RtspListener::RtspListener(asio::io_context& io, const asio::ip::address& address, uint16_t port,
                           RtspServerConfig config, SessionHost& host, SessionSource source,
                           Admit admit)
    : io_(io),
      acceptor_(io),
      udp_(io, address),
      config_(config),
      host_(host),
      source_(std::move(source)),
      admit_(std::move(admit)) {
  asio::ip::tcp::endpoint ep(address, port);
  acceptor_.open(ep.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen();
  counters_.port = acceptor_.local_endpoint().port();
  sdp_session_id_ = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
}

RtspListener::~RtspListener() = default;

void RtspListener::start() {
  udp_.start();
  started_ = true;
  if (description_) do_accept();
}

void RtspListener::set_description(const std::vector<media::SdpDescription>& streams) {
  if (streams.empty()) return;
  description_ = streams;
  if (started_ && !stopping_ && !accepting_) do_accept();
}

void RtspListener::stop() {
  if (stopping_) return;
  stopping_ = true;
  asio::error_code ec;
  acceptor_.close(ec);
  auto connections = connections_;
  for (auto& c : connections) c->stop();
}

void RtspListener::do_accept() {
  accepting_ = true;
  acceptor_.async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stopping_) return;
    if (!ec) {
      if (connections_.size() >= config_.max_connections) {
        ++counters_.connections_refused;
        asio::error_code ignored;
        socket.close(ignored);
      } else {
        ++counters_.connections;
        auto connection = std::make_shared<RtspConnection>(io_, std::move(socket), *this);
        connections_.insert(connection);
        connection->start();
      }
    }
    do_accept();
  });
}

std::optional<std::string> RtspListener::sdp() const {
  if (!description_) return std::nullopt;
  auto streams = *description_;
  const std::string origin = acceptor_.is_open() ? acceptor_.local_endpoint().address().to_string()
                                                 : std::string("127.0.0.1");
  for (size_t k = 0; k < streams.size(); ++k) {
    auto& description = streams[k];
    description.connection_address = origin.find(':') != std::string::npos ? "::" : "0.0.0.0";
    description.port = 0;
    description.rtcp_port.reset();
    description.rtcp_mux = false;
    description.origin_address = origin;
    description.session_id = sdp_session_id_;
    description.control = track_control(k);
  }
  if (streams.size() == 1) return media::write_sdp(streams.front());
  return media::write_sdp(streams);
}

RtspCounters RtspListener::counters() const {
  RtspCounters c = counters_;
  c.udp_stray_datagrams = udp_.stray_datagrams();
  return c;
}

}  // namespace flowcast::server
