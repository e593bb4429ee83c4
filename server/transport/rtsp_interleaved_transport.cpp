#include "server/transport/rtsp_interleaved_transport.hpp"

#include "common/rtp/rtp_packet.hpp"
#include "server/transport/rtsp_server_protocol.hpp"

namespace flowcast::server {

RtspInterleavedTransport::RtspInterleavedTransport(std::weak_ptr<RtspServerProtocol> connection,
                                                   uint8_t rtp_channel, std::string peer,
                                                   size_t queue_capacity, size_t stream)
    : connection_(std::move(connection)),
      first_channel_(rtp_channel),
      peer_(std::move(peer)),
      capacity_(queue_capacity),
      last_rtcp_(Clock::now()) {
  add_stream(stream, rtp_channel);
}

void RtspInterleavedTransport::add_stream(size_t stream, uint8_t rtp_channel) {
  if (channels_.size() <= stream) channels_.resize(stream + 1);
  channels_[stream] = rtp_channel;
}

bool RtspInterleavedTransport::uses_channel(uint8_t channel) const {
  for (const auto& c : channels_)
    if (c && (channel == *c || channel == *c + 1)) return true;
  return false;
}

const SessionTransport::Traits& RtspInterleavedTransport::traits() const {
  static const Traits traits{.kind = Transport::tcp,
                             .protocol = "rtsp",
                             .sender_reports = true,
                             .watch_silence = false,
                             .bye_on_silence = false,
                             .framing_bytes = 4};
  return traits;
}

bool RtspInterleavedTransport::write(OutboundPacket packet) {
  auto connection = connection_.lock();
  if (!events_ || !connection) return drop_closed();
  const size_t stream = packet.stream();
  if (stream >= channels_.size() || !channels_[stream]) return drop();
  const auto channel = static_cast<uint8_t>(*channels_[stream] + (packet.is_rtcp() ? 1 : 0));
  // Past the connection's own bound (the answers' allowance above the
  // mark) the packet is dropped; the connection's drain follows either way.
  if (!connection->send_interleaved(channel, packet)) drop();
  return below_mark(connection->queued_bytes());
}

size_t RtspInterleavedTransport::queued_bytes() const {
  auto connection = connection_.lock();
  return connection ? connection->queued_bytes() : 0;
}

void RtspInterleavedTransport::close() {
  // The BYE is queued on the connection, which stays for TEARDOWN.
  auto connection = connection_.lock();
  abort("");
  if (connection) connection->session_ended();
}

void RtspInterleavedTransport::abort(const std::string& reason) {
  if (events_) events_->on_closed(reason);
}

void RtspInterleavedTransport::on_frame(std::span<const uint8_t> packet) {
  last_rtcp_ = Clock::now();
  deliver_rtcp(packet);
}

void RtspInterleavedTransport::connection_drained() {
  drained();
}

void RtspInterleavedTransport::note_probe(const TcpProbe& probe) {
  if (!events_) return;
  events_->on_kernel_evidence(
      {.rwnd_limited_ms = static_cast<double>(probe.rwnd_limited_us) / 1000.0,
       .sndbuf_limited_ms = static_cast<double>(probe.sndbuf_limited_us) / 1000.0,
       .unsent_bytes = probe.unsent_bytes});
}

}  // namespace flowcast::server
