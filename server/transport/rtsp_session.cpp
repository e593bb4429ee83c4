#include "server/transport/rtsp_session.hpp"

#include "common/rtp/rtp_packet.hpp"
#include "server/transport/rtsp_listener.hpp"
#include "server/transport/rtsp_server_protocol.hpp"

namespace flowcast::server {

namespace {
// ffmpeg reads its RTCP socket before its RTP socket: a BYE right behind the
// last packets would overtake them and cut the last frame short.
constexpr auto kByeDelay = std::chrono::milliseconds(200);

// Whether a compound RTCP packet holds a BYE (RFC 3550 §6.6, type 203).
bool holds_bye(std::span<const uint8_t> packet) {
  size_t at = 0;
  while (at + 4 <= packet.size()) {
    if (packet[at + 1] == 203) return true;
    at += 4 * (static_cast<size_t>((packet[at + 2] << 8) | packet[at + 3]) + 1);
  }
  return false;
}
// An RTSP session outlives its file: it waits at the end for PLAY or
// TEARDOWN.
SessionSource held_at_end(SessionSource source) {
  source.hold_at_end = true;
  return source;
}
}  // namespace

RtspSession::RtspSession(asio::io_context& io, SessionHost& host, SessionSource source, uint64_t id,
                         std::string rtsp_id, std::weak_ptr<RtspServerProtocol> connection,
                         uint8_t rtp_channel, std::string peer, size_t queue_capacity)
    : Session(io, host, held_at_end(std::move(source)), id, Transport::tcp),
      rtsp_id_(std::move(rtsp_id)),
      interleaved_(true),
      connection_(std::move(connection)),
      rtp_channel_(rtp_channel),
      capacity_(queue_capacity),
      peer_(std::move(peer)),
      last_heard_(Clock::now()),
      linger_timer_(io) {
  mutable_stats().protocol = "rtsp";
}

RtspSession::RtspSession(asio::io_context& io, SessionHost& host, SessionSource source, uint64_t id,
                         std::string rtsp_id, std::weak_ptr<RtspServerProtocol> connection,
                         RtspUdpPorts& ports, asio::ip::udp::endpoint rtp_to,
                         asio::ip::udp::endpoint rtcp_to)
    : Session(io, host, held_at_end(std::move(source)), id, Transport::udp),
      rtsp_id_(std::move(rtsp_id)),
      interleaved_(false),
      connection_(std::move(connection)),
      ports_(&ports),
      rtp_to_(std::move(rtp_to)),
      rtcp_to_(std::move(rtcp_to)),
      peer_(rtp_to_.address().to_string() + ":" + std::to_string(rtp_to_.port())),
      last_heard_(Clock::now()),
      linger_timer_(io) {
  mutable_stats().protocol = "rtsp";
}

void RtspSession::begin() {
  pause();
  start();
}

void RtspSession::play() {
  resume();
}

void RtspSession::hold() {
  pause();
}

size_t RtspSession::queued_bytes() const {
  if (!interleaved_) return 0;
  auto connection = connection_.lock();
  return connection ? connection->queued_bytes() : 0;
}

void RtspSession::on_rtcp(std::span<const uint8_t> packet) {
  heard();
  handle_rtcp(packet);
}

void RtspSession::note_probe(double rwnd_limited_ms, double sndbuf_limited_ms,
                             uint64_t unsent_bytes) {
  auto& st = mutable_stats();
  st.rwnd_limited_ms = rwnd_limited_ms;
  st.sndbuf_limited_ms = sndbuf_limited_ms;
  st.peak_kernel_unsent_bytes = std::max(st.peak_kernel_unsent_bytes, unsent_bytes);
  st.peak_queue_bytes = std::max<uint64_t>(st.peak_queue_bytes, queued_bytes());
}

bool RtspSession::send_packet(std::vector<uint8_t>&& packet) {
  if (ended()) return false;
  const bool rtcp = common::is_rtcp(packet);
  if (!interleaved_) {
    if (rtcp && holds_bye(packet)) {
      // Sent a little after the last RTP packet (kByeDelay), here or by
      // close_transport(), whichever comes first.
      bye_ = std::move(packet);
      linger_timer_.expires_after(kByeDelay);
      linger_timer_.async_wait([this, self = shared_from_this()](const asio::error_code& ec) {
        if (ec || bye_.empty() || ended()) return;
        ports_->send(bye_, rtcp_to_, true);
        bye_.clear();
      });
      return true;
    }
    return ports_->send(packet, rtcp ? rtcp_to_ : rtp_to_, rtcp);
  }
  auto connection = connection_.lock();
  if (!connection) return false;
  const bool sent =
      connection->send_interleaved(static_cast<uint8_t>(rtp_channel_ + (rtcp ? 1 : 0)), packet);
  auto& st = mutable_stats();
  st.peak_queue_bytes = std::max<uint64_t>(st.peak_queue_bytes, connection->queued_bytes());
  return sent;
}

bool RtspSession::held_back(size_t extra_bytes) const {
  if (!interleaved_) return false;
  auto connection = connection_.lock();
  return connection && connection->queued_bytes() + extra_bytes > capacity_;
}

void RtspSession::close_transport() {
  // The BYE is sent (over UDP, a little after the last RTP packet); the RTSP
  // connection stays for TEARDOWN.
  auto done = [this] {
    auto connection = connection_.lock();
    finished("");
    if (connection) connection->session_ended();
  };
  if (interleaved_) {
    done();
    return;
  }
  linger_timer_.expires_after(kByeDelay);
  linger_timer_.async_wait([this, done, self = shared_from_this()](const asio::error_code&) {
    if (!bye_.empty() && !ended()) ports_->send(bye_, rtcp_to_, true);
    ports_->detach(*this);
    done();
  });
}

}  // namespace flowcast::server
